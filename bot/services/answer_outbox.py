"""The outbox of recorded answers: the summary and the DM of each, made by the web process right after the ack, or
by the scheduling pass when the web process stopped first. `answers.record` stores each post with its answers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services.answers import RecordedAnswers
from storage.models import AnswerPost, PostStatus, saved_id
from storage.repositories import answer_posts as answer_post_rows

POST_BATCH = 100


@dataclass(frozen=True)
class AnswerPostView:
    post_id: int
    answers: RecordedAnswers
    created_at: datetime
    claimed_at: datetime | None
    attempts: int
    message_ts: str | None  # the summary's, once Slack has it
    dm_done: bool


@dataclass(frozen=True)
class PostOutcome:
    post_id: int
    message_ts: str | None
    dm_done: bool
    status: str  # PostStatus: still SENDING after a passing failure, to be tried again once the lease has passed
    error: str | None = None


def outgoing(recorded: RecordedAnswers) -> AnswerPostView:
    """The post `record` stored and claimed, for its caller to make right away."""
    return AnswerPostView(recorded.post_id, recorded, recorded.answered_at, recorded.answered_at, 1, None, False)


def claim_posts(session: Session, now: datetime) -> list[AnswerPostView]:
    """Posts handed back by a web process that stopped, each claimed by the caller alone."""
    return _views(session, answer_post_rows.claim_answer_posts(session, now, POST_BATCH))


def reclaim_stale_posts(session: Session, now: datetime, lease: timedelta) -> list[AnswerPostView]:
    """Posts whose poster stopped part-way: whether Slack has the summary must be checked before posting it."""
    return _views(session, answer_post_rows.claim_stale_answer_posts(session, now, now - lease, POST_BATCH))


def record_outcomes(session: Session, outcomes: Iterable[PostOutcome], now: datetime) -> None:
    answer_post_rows.record_answer_posts(
        session,
        [
            {
                "id": o.post_id,
                "message_ts": o.message_ts,
                "dm_done": o.dm_done,
                "status": o.status,
                "last_error": o.error[:500] if o.error else None,
                **({"posted_at": now} if o.status == PostStatus.POSTED else {}),
            }
            for o in outcomes
        ],
    )


def hand_back(session: Session, post_ids: Iterable[int]) -> int:
    return answer_post_rows.hand_back_answer_posts(session, post_ids)


def _views(session: Session, post_ids: list[int]) -> list[AnswerPostView]:
    return [_view(row) for row in answer_post_rows.answer_posts(session, post_ids)]


def _view(row: AnswerPost) -> AnswerPostView:
    post_id = saved_id(row)
    return AnswerPostView(
        post_id,
        _from_json(row.payload, post_id),
        row.created_at,
        row.claimed_at,
        row.attempts,
        row.message_ts,
        row.dm_done,
    )


def _from_json(payload: str, post_id: int) -> RecordedAnswers:
    """The answers as `answers.record` stored them with their post (fields added since default when absent)."""
    data = json.loads(payload)
    data["revised"] = frozenset(data["revised"])
    data["answered_at"] = datetime.fromisoformat(data["answered_at"])
    data["readings"] = tuple(tuple(r) for r in data["readings"])
    return RecordedAnswers(**data, post_id=post_id)
