"""The outbox of answers: what one submission recorded (the payload of its post), stored in the answers'
transaction, and claimed for its summary and DM, by the web process right after the ack, or by the scheduling pass
when the web process stopped first."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage.models import AnswerPost, PostStatus, saved_id
from storage.repositories import answer_posts as answer_post_rows


@dataclass(frozen=True)
class RecordedAnswers:
    """One submission's answers as recorded: what its summary and its DM show."""

    touchpoint_id: int
    kind: str
    initiative_name: str
    business_goal: str
    description: str
    opened_by: str
    user_id: str
    summary_channel_id: str
    dm_channel_id: str | None
    dm_ts: str | None
    texts: dict[str, str]  # everything answered this time
    revised: frozenset[str]  # the impact and tracking answers whose text changed from the previous version
    version: int
    answered_at: datetime
    previous: dict[str, str]  # the latest answers before this one
    shifts: int = 0  # priority shifts these answers revealed
    readings: tuple[tuple[str, str, float | None], ...] = ()  # (measure, status, value) given with a check-in
    post_id: int = 0  # the outbox row that gets its summary posted and its DM shown answered
    correction: bool = False  # these answers replace the touchpoint's earlier ones (`previous` holds those)
    judged: str | None = None  # what they said of their revised impact statement (ImpactJudgement), if asked
    judge_said: str = ""  # and beside it, the wording judge's verdict


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


def stage(session: Session, recorded: RecordedAnswers, team_id: str, now: datetime) -> RecordedAnswers:
    """The post of answers being recorded in this session, claimed by the caller (who makes it right away); returns
    the answers with the post's id."""
    post_id = answer_post_rows.add_answer_post(
        session,
        {
            "team_id": team_id,
            "touchpoint_id": recorded.touchpoint_id,
            "channel_id": recorded.summary_channel_id,
            "payload": _to_json(recorded),
            "status": PostStatus.SENDING,
            "created_at": now,
            "claimed_at": now,
            "attempts": 1,
            "dm_done": False,
        },
    )
    return dataclasses.replace(recorded, post_id=post_id)


def outgoing(recorded: RecordedAnswers) -> AnswerPostView:
    """The post `stage` stored and claimed, for its caller to make right away."""
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


def _to_json(recorded: RecordedAnswers) -> str:
    data = dataclasses.asdict(recorded)
    data["revised"] = sorted(recorded.revised)
    data["answered_at"] = recorded.answered_at.isoformat()
    del data["post_id"]
    return json.dumps(data, ensure_ascii=False)


def _from_json(payload: str, post_id: int) -> RecordedAnswers:
    data = json.loads(payload)
    data["revised"] = frozenset(data["revised"])
    data["answered_at"] = datetime.fromisoformat(data["answered_at"])
    data["readings"] = tuple(tuple(r) for r in data["readings"])
    return RecordedAnswers(**data, post_id=post_id)
