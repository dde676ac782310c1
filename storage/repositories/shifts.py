"""Priority shifts and the daily summaries that post them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, case, func, insert, or_, select, update
from sqlmodel import Session, col

from storage.models import (
    Initiative,
    PostStatus,
    Shift,
    ShiftOutcome,
    ShiftSummary,
    Stakeholder,
    Touchpoint,
    table_of,
)
from storage.repositories._shared import claim_posts, insert_ignoring_conflicts, rows_matched
from storage.types import UTCDateTime


def shift_summary_for_day(session: Session, *, team_id: str, initiative_id: int, day: str, channel_id: str) -> int:
    """The initiative's summary for `day`, created if need be, with one more revision to show."""
    insert_ignoring_conflicts(
        session,
        table_of(ShiftSummary),
        [
            {
                "team_id": team_id,
                "initiative_id": initiative_id,
                "day": day,
                "channel_id": channel_id,
                "status": PostStatus.PENDING,
                "revision": 0,
                "posted_revision": 0,
                "attempts": 0,
            }
        ],
    )
    return session.execute(
        _next_revision()
        .where(col(ShiftSummary.initiative_id) == initiative_id, col(ShiftSummary.day) == day)
        .returning(col(ShiftSummary.id))
    ).scalar_one()


def revise_shift_summaries(session: Session, summary_ids: Iterable[int]) -> None:
    """One more revision to show for each summary (a shift in it was withdrawn): its message is updated in place."""
    ids = sorted(set(summary_ids))
    if ids:
        session.execute(_next_revision().where(col(ShiftSummary.id).in_(ids)))


def _next_revision():
    # A posted message goes back to pending to be updated, and one that failed is tried again (its channel may be
    # fixed by now); one being sent is left to its sender, which sees the newer revision when it records its post.
    again = col(ShiftSummary.status).in_((PostStatus.POSTED, PostStatus.FAILED))
    return update(ShiftSummary).values(
        revision=col(ShiftSummary.revision) + 1,
        status=case((again, PostStatus.PENDING), else_=col(ShiftSummary.status)),
    )


def live_shifts_of_touchpoint(session: Session, touchpoint_id: int) -> list[Shift]:
    """The shifts an answer to this touchpoint revealed, less those a correction withdrew."""
    query = (
        select(Shift)
        .where(col(Shift.touchpoint_id) == touchpoint_id, col(Shift.withdrawn_at).is_(None))
        .order_by(col(Shift.id))
    )
    return list(session.execute(query).scalars())


def withdraw_shifts(session: Session, shift_ids: Iterable[int], now: datetime) -> None:
    ids = list(shift_ids)
    if ids:
        session.execute(
            update(Shift).where(col(Shift.id).in_(ids), col(Shift.withdrawn_at).is_(None)).values(withdrawn_at=now)
        )


def add_shifts(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(Shift), rows)


def claim_shift_summaries(session: Session, now: datetime, limit: int) -> list[int]:
    """Summaries to post, or to update with the day's newer shifts."""
    return claim_posts(session, ShiftSummary, now, limit)


def claim_stale_shift_summaries(session: Session, now: datetime, lease_before: datetime, limit: int) -> list[int]:
    """Summaries whose poster stopped part-way (or met a passing Slack failure), to check and post again."""
    return claim_posts(session, ShiftSummary, now, limit, lease_before=lease_before, order=col(ShiftSummary.id))


def shift_summaries(session: Session, summary_ids: Iterable[int]) -> list[tuple[ShiftSummary, Initiative]]:
    query = (
        select(ShiftSummary, Initiative)
        .join(Initiative, col(Initiative.id) == col(ShiftSummary.initiative_id))
        .where(col(ShiftSummary.id).in_(list(summary_ids)))
        .order_by(col(ShiftSummary.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


def shifts_of_summaries(
    session: Session, summary_ids: Iterable[int]
) -> list[tuple[Shift, Stakeholder, Touchpoint, ShiftOutcome | None]]:
    """The live shifts of the summaries, each with its stakeholder, touchpoint and latest outcome (if any)."""
    query = (
        select(Shift, Stakeholder, Touchpoint, ShiftOutcome)
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .join(Touchpoint, col(Touchpoint.id) == col(Shift.touchpoint_id))
        .outerjoin(ShiftOutcome, col(ShiftOutcome.id) == col(Shift.outcome_id))
        .where(col(Shift.summary_id).in_(list(summary_ids)), col(Shift.withdrawn_at).is_(None))
        .order_by(col(Shift.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


def mark_summary_posted(session: Session, summary_id: int, revision: int, ts: str, now: datetime) -> None:
    """Record that the message shows `revision`; if shifts arrived meanwhile it is pending again, for an update."""
    session.execute(
        update(ShiftSummary)
        .where(col(ShiftSummary.id) == summary_id)
        .values(
            message_ts=ts,
            posted_at=func.coalesce(col(ShiftSummary.posted_at), now),
            posted_revision=revision,
            status=case((col(ShiftSummary.revision) > revision, PostStatus.PENDING), else_=PostStatus.POSTED),
            last_error=None,
        )
    )


def mark_summary_failed(session: Session, summary_id: int, error: str) -> None:
    session.execute(
        update(ShiftSummary)
        .where(col(ShiftSummary.id) == summary_id)
        .values(status=PostStatus.FAILED, last_error=error[:500])
    )


def follow_up_shifts(
    session: Session, team_id: str, summary_id: int, stakeholder_id: int, user_id: str, now: datetime
) -> int:
    """Record who takes the follow-up of a stakeholder's shifts in one summary; shifts already taken keep theirs."""
    return rows_matched(
        session,
        update(Shift)
        .where(
            *_live_follow_up(team_id, summary_id, stakeholder_id),
            col(Shift.followed_up_by).is_(None),
        )
        .values(followed_up_by=user_id, followed_up_at=now),
    )


def initiative_of_summary(session: Session, summary_id: int) -> int:
    query = select(col(ShiftSummary.initiative_id)).where(col(ShiftSummary.id) == summary_id)
    return session.execute(query).scalar_one()


def _live_follow_up(team_id: str, summary_id: int, stakeholder_id: int) -> tuple[ColumnElement[bool], ...]:
    """A stakeholder's live (not withdrawn) shifts in one summary: one follow-up."""
    return (
        col(Shift.team_id) == team_id,
        col(Shift.summary_id) == summary_id,
        col(Shift.stakeholder_id) == stakeholder_id,
        col(Shift.withdrawn_at).is_(None),
    )


def latest_shift_id(session: Session, summary_id: int, stakeholder_id: int) -> int:
    """The newest live shift of a stakeholder in a summary (0 when none): what a follow-up shown now covers."""
    query = select(func.max(col(Shift.id))).where(
        col(Shift.summary_id) == summary_id,
        col(Shift.stakeholder_id) == stakeholder_id,
        col(Shift.withdrawn_at).is_(None),
    )
    return int(session.execute(query).scalar() or 0)


def add_outcome(session: Session, row: dict) -> int:
    """Store one recorded outcome of a follow-up; returns its id."""
    return session.execute(insert(ShiftOutcome).values(**row).returning(col(ShiftOutcome.id))).scalar_one()


def close_follow_up(
    session: Session,
    team_id: str,
    summary_id: int,
    stakeholder_id: int,
    outcome_id: int,
    user_id: str,
    now: datetime,
    upto: int | None = None,
) -> int:
    """Point the follow-up's live shifts, up to the shift id `upto` (those its modal showed), at its newest outcome
    (a slower, older recording never overwrites a newer one); a shift of the day nobody had taken yet is taken by the
    person who recorded the outcome. A shift that arrived after the modal opened stays open."""
    return rows_matched(
        session,
        update(Shift)
        .where(
            *_live_follow_up(team_id, summary_id, stakeholder_id),
            or_(col(Shift.outcome_id).is_(None), col(Shift.outcome_id) < outcome_id),
            *([col(Shift.id) <= upto] if upto is not None else []),
        )
        .values(
            outcome_id=outcome_id,
            followed_up_by=func.coalesce(col(Shift.followed_up_by), user_id),
            followed_up_at=func.coalesce(col(Shift.followed_up_at), bindparam("taken_now", now, type_=UTCDateTime)),
        ),
    )


def recent_shifts(
    session: Session, team_id: str, since: datetime, *, initiative_id: int | None = None, limit: int
) -> list[tuple[Shift, Initiative, Stakeholder]]:
    query = (
        select(Shift, Initiative, Stakeholder)
        .join(Initiative, col(Initiative.id) == col(Shift.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .where(col(Shift.team_id) == team_id, col(Shift.detected_at) >= since, col(Shift.withdrawn_at).is_(None))
        .order_by(col(Shift.detected_at).desc(), col(Shift.id).desc())
        .limit(limit)
    )
    if initiative_id is not None:
        query = query.where(col(Shift.initiative_id) == initiative_id)
    return [tuple(row) for row in session.execute(query).all()]


def count_recent_shifts(session: Session, team_id: str, since: datetime, *, initiative_id: int | None = None) -> int:
    query = select(func.count(col(Shift.id))).where(
        col(Shift.team_id) == team_id, col(Shift.detected_at) >= since, col(Shift.withdrawn_at).is_(None)
    )
    if initiative_id is not None:
        query = query.where(col(Shift.initiative_id) == initiative_id)
    return session.execute(query).scalar_one()
