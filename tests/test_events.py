"""The ids of events already handled: enough to drop Slack's retries, and no more than a day of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect
from sqlmodel import select

from bot.services.touchpoints import first_time_seen
from storage.models import ProcessedEvent
from tests.conftest import TEAM

MONDAY = datetime(2027, 1, 4, 9, tzinfo=UTC)


def _seen(db, event_id: str, at: datetime) -> bool:
    with db.session() as session:
        return first_time_seen(session, TEAM, event_id, at)


def _kept(db) -> list[str]:
    with db.reading() as session:
        return sorted(session.exec(select(ProcessedEvent.event_id)).all())


def test_a_retry_is_recognised_and_ids_older_than_a_day_are_forgotten(db):
    assert _seen(db, "Ev0FIRST", MONDAY)
    assert not _seen(db, "Ev0FIRST", MONDAY + timedelta(minutes=5))  # Slack's retry, minutes later
    assert _seen(db, "Ev0LATER", MONDAY + timedelta(hours=23))
    assert _kept(db) == ["Ev0FIRST", "Ev0LATER"]  # a day is not over yet: both could still be retried

    assert _seen(db, "Ev0NEXTDAY", MONDAY + timedelta(days=1, minutes=1))
    assert _kept(db) == ["Ev0LATER", "Ev0NEXTDAY"]

    for minute in range(50):  # a burst of user_change events the next week leaves only that week's
        _seen(db, f"Ev0BURST{minute}", MONDAY + timedelta(days=8, minutes=minute))
    assert len(_kept(db)) == 50 and "Ev0NEXTDAY" not in _kept(db)


def test_forgetting_uses_an_index_on_the_time_received(db):
    indexes = inspect(db.engine).get_indexes("processed_event")
    assert any(index["column_names"] == ["received_at"] for index in indexes)
