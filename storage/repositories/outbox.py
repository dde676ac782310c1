"""How much work waits to go out, for the metrics: each a count over an index the senders already use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from storage.models import (
    AnswerPost,
    CalibrationOutcome,
    CalibrationPack,
    DigestPost,
    MapMessage,
    MeasureProposal,
    PlanningAsk,
    PlanSignoff,
    PostStatus,
    ShiftSummary,
    Touchpoint,
    TouchpointStatus,
)

WAITING = (PostStatus.PENDING, PostStatus.SENDING)


def depth(session: Session, now: datetime) -> dict[str, int]:
    """Touchpoints, the stakeholder map's DMs (status updates, owner alerts), plan sign-offs, planning touchpoints and
    calibration packs and outcomes due and not yet sent, measures not yet proposed, and summaries and digests not yet
    posted."""
    counts = {
        "touchpoints": select(func.count())
        .select_from(Touchpoint)
        .where(
            col(Touchpoint.status).in_((TouchpointStatus.PENDING, TouchpointStatus.SENDING)),
            col(Touchpoint.due_at) <= now,
        ),
        "answer_posts": select(func.count()).select_from(AnswerPost).where(col(AnswerPost.status).in_(WAITING)),
        "shift_summaries": select(func.count()).select_from(ShiftSummary).where(col(ShiftSummary.status).in_(WAITING)),
        "digests": select(func.count()).select_from(DigestPost).where(col(DigestPost.status).in_(WAITING)),
        "measure_proposals": select(func.count())
        .select_from(MeasureProposal)
        .where(col(MeasureProposal.status).in_(WAITING)),
        "map_messages": select(func.count())
        .select_from(MapMessage)
        .where(col(MapMessage.status).in_(WAITING), col(MapMessage.due_at) <= now),
        "plan_signoffs": select(func.count())
        .select_from(PlanSignoff)
        .where(col(PlanSignoff.status).in_(WAITING), col(PlanSignoff.due_at) <= now),
        "planning_asks": select(func.count())
        .select_from(PlanningAsk)
        .where(col(PlanningAsk.status).in_(WAITING), col(PlanningAsk.due_at) <= now),
        "calibration_packs": select(func.count())
        .select_from(CalibrationPack)
        .where(col(CalibrationPack.status).in_(WAITING), col(CalibrationPack.due_at) <= now),
        "calibration_outcomes": select(func.count())
        .select_from(CalibrationOutcome)
        .where(col(CalibrationOutcome.status).in_(WAITING), col(CalibrationOutcome.due_at) <= now),
    }
    return {kind: int(session.execute(query).scalar() or 0) for kind, query in counts.items()}
