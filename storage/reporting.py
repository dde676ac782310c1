"""The digest's reads: each a single aggregate over a whole team, so the number of queries does not grow with the
number of initiatives, stakeholders or answers (answers are not read at all: each pair's standing is kept on
initiative_stakeholder as answers arrive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select, tuple_
from sqlmodel import Session

from storage.models import (
    AlignmentSnapshot,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Shift,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)

SILENT_CYCLES = 2  # silent for this many missed check-ins or reviews in a row


@dataclass(frozen=True)
class Standing:
    initiative_id: int
    name: str
    stakeholders: int
    with_impact: int
    with_tracking: int
    rated: int
    rating_sum: int
    silent: int


@dataclass(frozen=True)
class Traffic:
    """Touchpoints of one initiative, counted over the digest's windows."""

    period_expected: int = 0  # sent in the period (answered or not)
    period_answered: int = 0
    window_closed: int = 0  # answered or missed in the response-rate window
    window_answered: int = 0
    overdue: int = 0  # still open after their reminder
    missed_recently: int = 0
    reviews_ahead: int = 0


@dataclass(frozen=True)
class ShiftCounts:
    new: int = 0
    new_strong: int = 0
    open_stakeholders: int = 0  # stakeholders with a shift nobody has taken the follow-up of


def _count(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def standings(session: Session, team_id: str) -> list[Standing]:
    active_pairs = (
        select(InitiativeStakeholder)
        .join(Stakeholder, and_(Stakeholder.id == InitiativeStakeholder.stakeholder_id, Stakeholder.active.is_(True)))
        .subquery()
    )
    query = (
        select(
            Initiative.id,
            Initiative.name,
            func.count(active_pairs.c.id),
            _count(active_pairs.c.has_impact.is_(True)),
            _count(active_pairs.c.has_tracking.is_(True)),
            func.count(active_pairs.c.rating),
            func.coalesce(func.sum(active_pairs.c.rating), 0),
            _count(active_pairs.c.silent_cycles >= SILENT_CYCLES),
        )
        .outerjoin(active_pairs, active_pairs.c.initiative_id == Initiative.id)
        .where(Initiative.team_id == team_id, Initiative.active.is_(True))
        .group_by(Initiative.id, Initiative.name)
        .order_by(Initiative.name, Initiative.id)
    )
    return [Standing(*(int(v or 0) if i > 1 else v for i, v in enumerate(row))) for row in session.execute(query).all()]


def traffic(
    session: Session,
    team_id: str,
    now: datetime,
    *,
    period: timedelta,
    window: timedelta,
    recent: timedelta,
    ahead: timedelta,
) -> dict[int, Traffic]:
    status, due = Touchpoint.status, Touchpoint.due_at
    went_out = status.in_((TouchpointStatus.SENT, TouchpointStatus.ANSWERED, TouchpointStatus.MISSED))
    closed_at = func.coalesce(Touchpoint.expires_at, due)
    query = (
        select(
            Touchpoint.initiative_id,
            _count(and_(due >= now - period, due <= now, went_out)),
            _count(and_(due >= now - period, due <= now, status == TouchpointStatus.ANSWERED)),
            _count(and_(due >= now - window, status.in_((TouchpointStatus.ANSWERED, TouchpointStatus.MISSED)))),
            _count(and_(due >= now - window, status == TouchpointStatus.ANSWERED)),
            _count(and_(status == TouchpointStatus.SENT, Touchpoint.remind_at <= now)),
            _count(and_(status == TouchpointStatus.MISSED, closed_at >= now - recent)),
            _count(
                and_(
                    Touchpoint.kind == TouchpointKind.REVIEW,
                    status == TouchpointStatus.PENDING,
                    due >= now,
                    due <= now + ahead,
                )
            ),
        )
        .where(Touchpoint.team_id == team_id, due >= now - window, due <= now + ahead)
        .group_by(Touchpoint.initiative_id)
    )
    return {row[0]: Traffic(*(int(v or 0) for v in row[1:])) for row in session.execute(query).all()}


def shift_counts(
    session: Session, team_id: str, now: datetime, *, recent: timedelta, open_window: timedelta
) -> dict[int, ShiftCounts]:
    is_new = Shift.detected_at >= now - recent
    open_stakeholder = case((Shift.followed_up_by.is_(None), Shift.stakeholder_id), else_=None)
    query = (
        select(
            Shift.initiative_id,
            _count(is_new),
            _count(and_(is_new, Shift.strength >= 3)),
            func.count(func.distinct(open_stakeholder)),
        )
        .where(Shift.team_id == team_id, Shift.detected_at >= now - open_window, Shift.withdrawn_at.is_(None))
        .group_by(Shift.initiative_id)
    )
    return {row[0]: ShiftCounts(*(int(v or 0) for v in row[1:])) for row in session.execute(query).all()}


def open_strong_shifts(session: Session, team_id: str, since: datetime, limit: int) -> list[tuple[int, str, str, int]]:
    """(initiative id, stakeholder user id, rule, strength) of the strongest shifts since `since` nobody follows up."""
    query = (
        select(Shift.initiative_id, Stakeholder.user_id, Shift.rule, Shift.strength)
        .join(Stakeholder, Stakeholder.id == Shift.stakeholder_id)
        .where(
            Shift.team_id == team_id,
            Shift.detected_at >= since,
            Shift.followed_up_by.is_(None),
            Shift.strength >= 3,
            Shift.withdrawn_at.is_(None),
        )
        .order_by(Shift.detected_at.desc(), Shift.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def silent_stakeholders(session: Session, team_id: str, limit: int) -> list[tuple[int, str, int]]:
    """(initiative id, user id, cycles) of active stakeholders silent for SILENT_CYCLES or more, longest first."""
    query = (
        select(InitiativeStakeholder.initiative_id, Stakeholder.user_id, InitiativeStakeholder.silent_cycles)
        .join(Stakeholder, Stakeholder.id == InitiativeStakeholder.stakeholder_id)
        .where(
            InitiativeStakeholder.team_id == team_id,
            InitiativeStakeholder.silent_cycles >= SILENT_CYCLES,
            Stakeholder.active.is_(True),
        )
        .order_by(InitiativeStakeholder.silent_cycles.desc(), InitiativeStakeholder.id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def unanswered_first_asks(session: Session, team_id: str, limit: int) -> list[tuple[int, str]]:
    """(initiative id, user id) of active stakeholders whose first two questions went out and were never answered
    (still open, or closed without an answer) and who have stated no impact since, oldest first."""
    query = (
        select(Touchpoint.initiative_id, Stakeholder.user_id)
        .join(Stakeholder, Stakeholder.id == Touchpoint.stakeholder_id)
        .join(
            InitiativeStakeholder,
            and_(
                InitiativeStakeholder.initiative_id == Touchpoint.initiative_id,
                InitiativeStakeholder.stakeholder_id == Touchpoint.stakeholder_id,
            ),
        )
        .where(
            Touchpoint.team_id == team_id,
            Touchpoint.kind == TouchpointKind.KICKOFF,
            Touchpoint.status.in_((TouchpointStatus.SENT, TouchpointStatus.MISSED)),
            InitiativeStakeholder.has_impact.is_(False),
            Stakeholder.active.is_(True),
        )
        .order_by(Touchpoint.sent_at, Touchpoint.id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def measure_counts(session: Session, team_id: str) -> dict[int, int]:
    """How many success measures each initiative has agreed."""
    query = (
        select(Measure.initiative_id, func.count(Measure.id))
        .where(Measure.team_id == team_id, Measure.active.is_(True))
        .group_by(Measure.initiative_id)
    )
    return dict(session.execute(query).all())


def previous_alignment(session: Session, team_id: str, before_week: str) -> dict[int, int]:
    """Each initiative's index as the last digest before `before_week` showed it."""
    latest = (
        select(AlignmentSnapshot.initiative_id, func.max(AlignmentSnapshot.week))
        .where(AlignmentSnapshot.team_id == team_id, AlignmentSnapshot.week < before_week)
        .group_by(AlignmentSnapshot.initiative_id)
    )
    query = select(AlignmentSnapshot.initiative_id, AlignmentSnapshot.value).where(
        tuple_(AlignmentSnapshot.initiative_id, AlignmentSnapshot.week).in_(latest)
    )
    return dict(session.execute(query).all())
