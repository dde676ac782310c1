"""The digest's reads: each a single aggregate over a whole team, so the number of queries does not grow with the
number of initiatives, stakeholders or answers (answers are not read at all: each pair's standing is kept on
initiative_stakeholder as answers arrive; the few an impact statement's author judged a rewording are counted
through their own index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select, tuple_
from sqlmodel import Session, col

from storage.models import (
    AlignmentSnapshot,
    Answer,
    ImpactJudgement,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Question,
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
    with_agreed_measure: int = 0  # own a success measure of it they agreed (confirmed or corrected)


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
    open_stakeholders: int = 0  # stakeholders with a shift whose follow-up has no outcome (taken or not)
    new_judged: int = 0  # new shifts the stakeholder judged themselves ("what I want has changed")


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def standings(session: Session, team_id: str) -> list[Standing]:
    active_pairs = (
        select(InitiativeStakeholder)
        .join(
            Stakeholder,
            and_(col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id), col(Stakeholder.active).is_(True)),
        )
        .where(col(InitiativeStakeholder.removed_at).is_(None))
        .subquery()
    )
    query = (
        select(
            col(Initiative.id),
            col(Initiative.name),
            func.count(active_pairs.c.id),
            _count(active_pairs.c.has_impact.is_(True)),
            _count(active_pairs.c.has_tracking.is_(True)),
            func.count(active_pairs.c.rating),
            func.coalesce(func.sum(active_pairs.c.rating), 0),
            _count(active_pairs.c.silent_cycles >= SILENT_CYCLES),
            _count(
                select(col(Measure.id))
                .where(
                    col(Measure.initiative_id) == active_pairs.c.initiative_id,
                    col(Measure.owner_id) == active_pairs.c.stakeholder_id,
                    col(Measure.active).is_(True),
                    col(Measure.agreed_at).is_not(None),
                )
                .exists()
            ),
        )
        .outerjoin(active_pairs, active_pairs.c.initiative_id == col(Initiative.id))
        .where(col(Initiative.team_id) == team_id, col(Initiative.active).is_(True))
        .group_by(col(Initiative.id), col(Initiative.name))
        .order_by(col(Initiative.name), col(Initiative.id))
    )
    result = []
    for initiative_id, name, *counts in session.execute(query).all():
        assert initiative_id is not None  # a primary key read back is never NULL; the model allows None before insert
        result.append(Standing(initiative_id, name, *(int(v or 0) for v in counts)))
    return result


def _touchpoint_membership() -> ColumnElement[bool]:
    """A touchpoint's stakeholder on its initiative (where their removal and standing are kept)."""
    return and_(
        col(InitiativeStakeholder.initiative_id) == col(Touchpoint.initiative_id),
        col(InitiativeStakeholder.stakeholder_id) == col(Touchpoint.stakeholder_id),
    )


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
    status, due = col(Touchpoint.status), col(Touchpoint.due_at)
    went_out = status.in_((TouchpointStatus.SENT, TouchpointStatus.ANSWERED, TouchpointStatus.MISSED))
    closed_at = func.coalesce(col(Touchpoint.expires_at), due)
    query = (
        select(
            col(Touchpoint.initiative_id),
            _count(and_(due >= now - period, due <= now, went_out)),
            _count(and_(due >= now - period, due <= now, status == TouchpointStatus.ANSWERED)),
            _count(and_(due >= now - window, status.in_((TouchpointStatus.ANSWERED, TouchpointStatus.MISSED)))),
            _count(and_(due >= now - window, status == TouchpointStatus.ANSWERED)),
            _count(and_(status == TouchpointStatus.SENT, col(Touchpoint.remind_at) <= now)),
            _count(and_(status == TouchpointStatus.MISSED, closed_at >= now - recent)),
            _count(
                and_(
                    col(Touchpoint.kind) == TouchpointKind.REVIEW,
                    status == TouchpointStatus.PENDING,
                    due >= now,
                    due <= now + ahead,
                )
            ),
        )
        # A stakeholder removed from the initiative no longer counts in its figures (their history stays in exports).
        .join(InitiativeStakeholder, _touchpoint_membership())
        .where(
            col(Touchpoint.team_id) == team_id,
            due >= now - window,
            due <= now + ahead,
            col(InitiativeStakeholder.removed_at).is_(None),
        )
        .group_by(col(Touchpoint.initiative_id))
    )
    return {row[0]: Traffic(*(int(v or 0) for v in row[1:])) for row in session.execute(query).all()}


def shift_counts(
    session: Session, team_id: str, now: datetime, *, recent: timedelta, open_window: timedelta
) -> dict[int, ShiftCounts]:
    is_new = col(Shift.detected_at) >= now - recent
    open_stakeholder = case((col(Shift.outcome_id).is_(None), col(Shift.stakeholder_id)), else_=None)
    query = (
        select(
            col(Shift.initiative_id),
            _count(is_new),
            _count(and_(is_new, col(Shift.strength) >= 3)),
            func.count(func.distinct(open_stakeholder)),
            _count(and_(is_new, col(Shift.judgement).is_not(None))),
        )
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.detected_at) >= now - open_window,
            col(Shift.withdrawn_at).is_(None),
        )
        .group_by(col(Shift.initiative_id))
    )
    return {row[0]: ShiftCounts(*(int(v or 0) for v in row[1:])) for row in session.execute(query).all()}


def reworded_impacts(session: Session, team_id: str, since: datetime) -> dict[int, int]:
    """Per initiative, the impact statements revised since `since` whose authors said only the wording changed
    (answers are read here only through their judgement's index: few have one). A review or check-in corrected in
    other words replaces its earlier ones, so only each one's newest version counts; each Revise of the first answers
    is a revision of its own."""
    said = session.execute(
        select(
            col(Answer.initiative_id),
            col(Answer.stakeholder_id),
            col(Answer.touchpoint_id),
            col(Answer.version),
            col(Touchpoint.kind),
        )
        .join(Touchpoint, col(Touchpoint.id) == col(Answer.touchpoint_id))
        .where(
            col(Answer.judgement) == ImpactJudgement.REWORDED,
            col(Answer.team_id) == team_id,
            col(Answer.answered_at) >= since,
        )
    ).all()
    corrected = {t for _, _, t, _, kind in said if kind != TouchpointKind.KICKOFF}
    newest: dict[int, int] = {}
    if corrected:
        newest = {
            touchpoint_id: int(version)
            for touchpoint_id, version in session.execute(
                select(col(Answer.touchpoint_id), func.max(col(Answer.version)))
                .where(col(Answer.touchpoint_id).in_(corrected), col(Answer.question) == Question.IMPACT)
                .group_by(col(Answer.touchpoint_id))
            ).all()
        }
    counts: dict[int, int] = {}
    for initiative_id, _, touchpoint_id, version, kind in said:
        if kind == TouchpointKind.KICKOFF or newest.get(touchpoint_id) == version:
            counts[initiative_id] = counts.get(initiative_id, 0) + 1
    return counts


def open_strong_shifts(session: Session, team_id: str, since: datetime, limit: int) -> list[tuple[int, str, str, int]]:
    """(initiative id, stakeholder user id, rule, strength) of the strongest shifts since `since` nobody follows up."""
    query = (
        select(col(Shift.initiative_id), col(Stakeholder.user_id), col(Shift.rule), col(Shift.strength))
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.detected_at) >= since,
            col(Shift.followed_up_by).is_(None),
            col(Shift.strength) >= 3,
            col(Shift.withdrawn_at).is_(None),
        )
        .order_by(col(Shift.detected_at).desc(), col(Shift.id).desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def stalled_follow_ups(
    session: Session, team_id: str, taken_before: datetime, since: datetime, limit: int
) -> list[tuple[int, str, str, datetime]]:
    """(initiative id, stakeholder user id, who took it, when) of follow-ups taken before `taken_before` that have
    no outcome yet, of shifts detected since `since` (the index's window), on active initiatives and of stakeholders
    still on them, the longest waiting first: one row per stakeholder and person who took it."""
    taken_at = func.min(col(Shift.followed_up_at))
    query = (
        select(col(Shift.initiative_id), col(Stakeholder.user_id), col(Shift.followed_up_by), taken_at)
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .join(Initiative, col(Initiative.id) == col(Shift.initiative_id))
        .join(
            InitiativeStakeholder,
            and_(
                col(InitiativeStakeholder.initiative_id) == col(Shift.initiative_id),
                col(InitiativeStakeholder.stakeholder_id) == col(Shift.stakeholder_id),
            ),
        )
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.detected_at) >= since,
            col(Shift.followed_up_at) <= taken_before,
            col(Shift.outcome_id).is_(None),
            col(Shift.withdrawn_at).is_(None),
            col(Initiative.active).is_(True),
            col(InitiativeStakeholder.removed_at).is_(None),
        )
        .group_by(col(Shift.initiative_id), col(Stakeholder.user_id), col(Shift.followed_up_by))
        .order_by(taken_at, col(Stakeholder.user_id))
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def silent_stakeholders(session: Session, team_id: str, limit: int) -> list[tuple[int, str, int]]:
    """(initiative id, user id, cycles) of active stakeholders silent for SILENT_CYCLES or more, longest first."""
    query = (
        select(
            col(InitiativeStakeholder.initiative_id), col(Stakeholder.user_id), col(InitiativeStakeholder.silent_cycles)
        )
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .where(
            col(InitiativeStakeholder.team_id) == team_id,
            col(InitiativeStakeholder.silent_cycles) >= SILENT_CYCLES,
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Stakeholder.active).is_(True),
        )
        .order_by(col(InitiativeStakeholder.silent_cycles).desc(), col(InitiativeStakeholder.id))
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def unanswered_first_asks(session: Session, team_id: str, limit: int) -> list[tuple[int, str]]:
    """(initiative id, user id) of active stakeholders whose first two questions went out and were never answered
    (still open, or closed without an answer) and who have stated no impact since, oldest first."""
    query = (
        select(col(Touchpoint.initiative_id), col(Stakeholder.user_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Touchpoint.stakeholder_id))
        .join(InitiativeStakeholder, _touchpoint_membership())
        .where(
            col(Touchpoint.team_id) == team_id,
            col(Touchpoint.kind) == TouchpointKind.KICKOFF,
            col(Touchpoint.status).in_((TouchpointStatus.SENT, TouchpointStatus.MISSED)),
            col(InitiativeStakeholder.has_impact).is_(False),
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Stakeholder.active).is_(True),
        )
        .order_by(col(Touchpoint.sent_at), col(Touchpoint.id))
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def measure_counts(session: Session, team_id: str) -> dict[int, tuple[int, int]]:
    """How many active success measures each initiative has, and how many of them their owners agreed."""
    query = (
        select(col(Measure.initiative_id), func.count(col(Measure.id)), _count(col(Measure.agreed_at).is_not(None)))
        .where(col(Measure.team_id) == team_id, col(Measure.active).is_(True))
        .group_by(col(Measure.initiative_id))
    )
    return {initiative_id: (int(total), int(agreed or 0)) for initiative_id, total, agreed in session.execute(query)}


def previous_alignment(session: Session, team_id: str, before_week: str) -> dict[int, int]:
    """Each initiative's index as the last digest before `before_week` showed it."""
    latest = (
        select(col(AlignmentSnapshot.initiative_id), func.max(col(AlignmentSnapshot.week)))
        .where(col(AlignmentSnapshot.team_id) == team_id, col(AlignmentSnapshot.week) < before_week)
        .group_by(col(AlignmentSnapshot.initiative_id))
    )
    query = select(col(AlignmentSnapshot.initiative_id), col(AlignmentSnapshot.value)).where(
        tuple_(col(AlignmentSnapshot.initiative_id), col(AlignmentSnapshot.week)).in_(latest)
    )
    return dict(session.execute(query).all())
