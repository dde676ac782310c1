"""A stakeholder answering (or revising) the two alignment questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import TouchpointClosed
from bot.ids import Block
from bot.limits import ANSWER_MAX
from bot.services.initiatives import FormInvalid
from storage import repositories as repo
from storage.models import Question, TouchpointKind, TouchpointStatus

QUESTIONS: dict[Question, str] = {
    Question.IMPACT: "What impact do you want this initiative to have?",
    Question.TRACKING: "What are you already tracking that would help us monitor how well this is working?",
}

# A kickoff stays open for revisions; a failed or still-pending one has no DM to answer from.
_ANSWERABLE = frozenset({TouchpointStatus.SENT, TouchpointStatus.ANSWERED})


@dataclass(frozen=True)
class AnswerContext:
    """Everything the answer modal needs, and what it was opened for."""

    touchpoint_id: int
    initiative_name: str
    business_goal: str
    opened_by: str
    current: dict[str, str]  # question -> latest answer text, empty before the first answer


@dataclass(frozen=True)
class RecordedAnswers:
    touchpoint_id: int
    initiative_name: str
    business_goal: str
    description: str
    opened_by: str
    user_id: str
    summary_channel_id: str
    dm_channel_id: str | None
    dm_ts: str | None
    texts: dict[str, str]
    version: int
    answered_at: datetime

    @property
    def revised(self) -> bool:
        return self.version > 1


def _open_touchpoint(session: Session, team_id: str, touchpoint_id: int, user_id: str):
    rows = repo.touchpoint_context(session, [touchpoint_id])
    if not rows:
        raise TouchpointClosed("That touchpoint no longer exists.")
    touchpoint, initiative, stakeholder = rows[0]
    if touchpoint.team_id != team_id or stakeholder.user_id != user_id:
        raise TouchpointClosed("That touchpoint was sent to someone else, so I can't take answers to it from you.")
    if touchpoint.kind != TouchpointKind.KICKOFF or touchpoint.status not in _ANSWERABLE:
        raise TouchpointClosed("That touchpoint is closed, so it no longer takes answers.")
    if not initiative.active:
        raise TouchpointClosed(f"“{initiative.name}” has been closed, so it no longer takes answers.")
    return touchpoint, initiative, stakeholder


def for_answering(session: Session, team_id: str, touchpoint_id: int, user_id: str) -> AnswerContext:
    touchpoint, initiative, stakeholder = _open_touchpoint(session, team_id, touchpoint_id, user_id)
    current = repo.latest_answers(session, initiative.id, stakeholder.id)
    return AnswerContext(
        touchpoint_id=touchpoint.id,
        initiative_name=initiative.name,
        business_goal=initiative.business_goal,
        opened_by=initiative.created_by,
        current={q: a.text for q, a in current.items()},
    )


def validate(texts: Mapping[str, str]) -> dict[str, str]:
    errors = {}
    for question, block in ((Question.IMPACT, Block.IMPACT), (Question.TRACKING, Block.TRACKING)):
        text = (texts.get(question) or "").strip()
        if not text:
            errors[block] = "Please write a few words here, even “not sure yet”."
        elif len(text) > ANSWER_MAX:
            errors[block] = f"Keep this to {ANSWER_MAX} characters (it has {len(text)})."
    return errors


def record(
    session: Session, team_id: str, touchpoint_id: int, user_id: str, texts: Mapping[str, str], now: datetime
) -> RecordedAnswers:
    """Store both answers as the next version, and mark the touchpoint answered."""
    errors = validate(texts)
    if errors:
        raise FormInvalid(errors)
    touchpoint, initiative, stakeholder = _open_touchpoint(session, team_id, touchpoint_id, user_id)
    clean = {q: texts[q].strip() for q in QUESTIONS}
    added = repo.add_answer_versions(
        session,
        team_id=team_id,
        initiative_id=initiative.id,
        stakeholder_id=stakeholder.id,
        touchpoint_id=touchpoint.id,
        texts=clean,
        now=now,
    )
    repo.mark_touchpoint_answered(session, touchpoint.id, now)
    return RecordedAnswers(
        touchpoint_id=touchpoint.id,
        initiative_name=initiative.name,
        business_goal=initiative.business_goal,
        description=initiative.description,
        opened_by=initiative.created_by,
        user_id=user_id,
        summary_channel_id=initiative.summary_channel_id,
        dm_channel_id=touchpoint.channel_id,
        dm_ts=touchpoint.message_ts,
        texts=clean,
        version=max(a.version for a in added.values()),
        answered_at=now,
    )
