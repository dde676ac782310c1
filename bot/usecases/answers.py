"""A stakeholder answering a touchpoint from their DM: what the answer modal shows, the answers stored in their own
transaction, then their summary and DM published in the background."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.errors import TouchpointClosed
from bot.runtime import Deps
from bot.services import answer_posts as outbox
from bot.services import answers
from bot.services.answer_posts import RecordedAnswers
from bot.services.answers import AnswerContext
from bot.usecases import answer_posts
from storage.db import Database


def to_answer(deps: Deps, team_id: str, value: str, user_id: str) -> AnswerContext:
    """What the answer modal shows for the touchpoint a DM's button names (its value: the touchpoint's id)."""
    if not value.isdigit():
        raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")
    with deps.db.reading() as session:
        return answers.for_answering(session, team_id, int(value), user_id, deps.clock())


def to_change(deps: Deps, team_id: str, value: str, user_id: str, body: dict) -> AnswerContext:
    """ "Change my answer": the answer modal pre-filled, while the touchpoint is open; once it has closed, the DM in
    `body` loses the button and the person is told why (TouchpointClosed)."""
    try:
        return to_answer(deps, team_id, value, user_id)
    except TouchpointClosed:
        answer_posts.drop_change_button(deps.slack_now, body)
        raise


def submit(
    deps: Deps,
    team_id: str,
    touchpoint_id: int | None,
    user_id: str,
    texts: Mapping[str, str],
    readings: Mapping[int, tuple[str, str]],
    judged: str | None = None,
    *,
    acknowledge: Callable[[], object],
) -> None:
    """Store the answers (FormInvalid or TouchpointClosed if they cannot be taken, before `acknowledge`), then
    `acknowledge` the submission (Slack closes the modal), then make its post in the background. The post is stored
    with the answers: if this process stops before making it, the scheduling pass does."""
    if touchpoint_id is None:
        raise TouchpointClosed("This form doesn't belong to a touchpoint I know.")
    recorded = record(
        deps.db, team_id, touchpoint_id, user_id, texts, deps.clock(), deps.settings.touchpoint_tz, readings, judged
    )
    acknowledge()
    if recorded is None:  # a correction that changed nothing (or the same one again): nothing to post
        return
    post = [outbox.outgoing(recorded)]
    fresh_for = timedelta(seconds=deps.settings.touchpoint_sending_lease_seconds / 2)
    deps.background.submit(
        answer_posts.publish,
        deps.outbound,
        post,
        fresh_for=fresh_for,
        hand_back=lambda: answer_posts.hand_back(deps.outbound, post),
    )
    deps.home.after_activity(team_id, [user_id])


def record(
    db: Database,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    texts: Mapping[str, str],
    now: datetime,
    tz: str = "UTC",
    readings: Mapping[int, tuple[str, str]] | None = None,
    judged: str | None = None,
) -> RecordedAnswers | None:
    """The answers checked and stored in their own transaction (see `answers.write`), holding the database's single
    writer (SQLite's) only for the writes: what the answers are checked against is read first, from a snapshot. The
    write then checks that the touchpoint is still as it was read (and the answers' unique versions catch a
    concurrent answer of the same person); if anything moved meanwhile, check and write run again in one writing
    transaction, as if the snapshot had not been taken. Under a crowd this keeps each writer's turn short, and the
    queue behind it with it. Where writers do not take turns (PostgreSQL), the snapshot would only add a round trip:
    check and write run in one transaction."""

    def check(session: Session) -> answers.AnswerCheck:
        return answers.check(session, team_id, touchpoint_id, user_id, texts, readings, now, judged)

    def check_and_write() -> RecordedAnswers | None:
        with db.session() as session:
            return answers.write(session, check(session), texts, now, tz)

    if not db.single_writer:
        return check_and_write()
    with db.reading() as session:
        checked = check(session)
    try:
        with db.session() as session:
            return answers.write(session, checked, texts, now, tz, as_checked=True)
    except (answers.Moved, IntegrityError):
        return check_and_write()
