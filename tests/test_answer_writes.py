"""With a single writer (SQLite), an answer is checked against a snapshot and written in a short transaction:
what moved in between is caught."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.errors import TouchpointClosed
from bot.usecases import answers
from storage.db import Database
from storage.models import Answer, AnswerPost, Touchpoint, TouchpointStatus
from tests.conftest import TEAM
from tests.scheduling_world import World

OLU = "U0WOLU"
TEXTS = {"impact": "New reps close a deal in their first month", "tracking": "Win rate in Salesforce"}


class Racing(Database):
    """The database as it is, with another writer committing right after the next snapshot is read."""

    def __init__(self, url: str, meanwhile) -> None:
        super().__init__(url)
        self.meanwhile = meanwhile

    @contextmanager
    def reading(self):
        with super().reading() as session:
            yield session
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile:
            meanwhile(self)


def _kickoff(slack, db) -> int:
    if not db.single_writer:
        pytest.skip("where writers do not take turns (PostgreSQL) an answer is checked and written in one transaction")
    [touchpoint_id] = World.make(slack, db).open_now([OLU])
    return touchpoint_id


def _rows(db, model) -> list:
    with db.reading() as session:
        return list(session.exec(select(model)))


def test_a_touchpoint_closed_between_the_check_and_the_write_takes_no_answer(slack, db):
    touchpoint_id = _kickoff(slack, db)

    def closed_meanwhile(database):
        with database.session() as session:
            session.get(Touchpoint, touchpoint_id).status = TouchpointStatus.MISSED

    racing = Racing(db.url, closed_meanwhile)
    with pytest.raises(TouchpointClosed):
        answers.record(racing, TEAM, touchpoint_id, OLU, TEXTS, datetime.now(UTC))
    racing.dispose()
    assert _rows(db, Answer) == [] and _rows(db, AnswerPost) == []


def test_two_sends_of_one_form_at_once_store_two_versions_without_colliding(slack, db):
    touchpoint_id = _kickoff(slack, db)
    now = datetime.now(UTC)

    def sent_twice(database):  # the same person's other submission lands between this one's check and write
        answers.record(database, TEAM, touchpoint_id, OLU, TEXTS, now)

    racing = Racing(db.url, sent_twice)
    second = answers.record(racing, TEAM, touchpoint_id, OLU, {**TEXTS, "impact": "Fewer leave in year one"}, now)
    racing.dispose()
    assert second is not None and second.version == 2 and second.previous["impact"] == TEXTS["impact"]
    assert sorted((a.question, a.version) for a in _rows(db, Answer)) == [
        ("impact", 1),
        ("impact", 2),
        ("tracking", 1),
        ("tracking", 2),
    ]
    assert len(_rows(db, AnswerPost)) == 2
