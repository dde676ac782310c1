"""Calibration sessions: the packs owners get (planned, claimed, recorded), the sessions recorded, the DMs that tell
stakeholders what a session agreed, and what a pack reads (impact statements first and latest, the half-year's
shifts with their outcomes, what stakeholders said should be adjusted)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlmodel import Session, col

from storage.models import (
    Answer,
    CalibrationOutcome,
    CalibrationPack,
    CalibrationSession,
    Initiative,
    InitiativeStakeholder,
    PostStatus,
    Question,
    Schedule,
    Shift,
    ShiftOutcome,
    Stakeholder,
    table_of,
)
from storage.repositories._shared import CHUNK, claim_due_or_stale, insert_ignoring_conflicts
from storage.scope import team_scope

SKIPPED = "skipped"


def active_initiatives(session: Session) -> list[tuple[Initiative, Schedule | None]]:
    """Every open initiative with its schedule (None: the defaults), of the pass's team when it is for one
    (storage.scope), never of a team that uninstalled Touchpoint."""
    query = (
        select(Initiative, Schedule)
        .outerjoin(Schedule, col(Schedule.initiative_id) == col(Initiative.id))
        .where(col(Initiative.active).is_(True), *team_scope(Initiative))
        .order_by(col(Initiative.id))
    )
    return [(i, s) for i, s in session.execute(query).all()]


def packs_known(session: Session, keys: Iterable[tuple[int, date]]) -> set[tuple[int, date]]:
    wanted = list(set(keys))
    found: set[tuple[int, date]] = set()
    for start in range(0, len(wanted), CHUNK):
        ids = list({i for i, _ in wanted[start : start + CHUNK]})
        days = list({d for _, d in wanted[start : start + CHUNK]})
        rows = session.execute(
            select(col(CalibrationPack.initiative_id), col(CalibrationPack.due_on)).where(
                col(CalibrationPack.initiative_id).in_(ids), col(CalibrationPack.due_on).in_(days)
            )
        ).all()
        found |= {(i, d) for i, d in rows}
    return found


def add_packs(session: Session, rows: list[dict]) -> int:
    """New packs; one already planned or sent for the same initiative and date is left as it is."""
    return insert_ignoring_conflicts(session, table_of(CalibrationPack), rows)


def claim_packs(
    session: Session, now: datetime, lease_before: datetime, limit: int
) -> list[tuple[CalibrationPack, Initiative]]:
    """Take what is due (and what a sender took before lease_before and never finished), with its initiative."""
    ids = claim_due_or_stale(session, CalibrationPack, now, lease_before, limit)
    if not ids:
        return []
    rows = session.execute(
        select(CalibrationPack, Initiative)
        .join(Initiative, col(Initiative.id) == col(CalibrationPack.initiative_id))
        .where(col(CalibrationPack.id).in_(ids))
        .order_by(col(CalibrationPack.id))
    ).all()
    return [(p, i) for p, i in rows]


def set_pack(session: Session, pack_id: int, values: dict) -> None:
    session.execute(update(CalibrationPack).where(col(CalibrationPack.id) == pack_id).values(**values))


def packs_of(session: Session, initiative_ids: Iterable[int]) -> list[CalibrationPack]:
    ids = list(initiative_ids)
    if not ids:
        return []
    query = select(CalibrationPack).where(col(CalibrationPack.initiative_id).in_(ids)).order_by(col(CalibrationPack.id))
    return list(session.execute(query).scalars())


def unrecorded_packs(session: Session, team_id: str, sent_before: datetime) -> list[tuple[CalibrationPack, str]]:
    """Packs of the team's open initiatives sent before `sent_before` with no session recorded on or after their
    date, each with its initiative's name: the session may not have happened, or was never recorded."""
    recorded = (
        select(col(CalibrationSession.id))
        .where(
            col(CalibrationSession.initiative_id) == col(CalibrationPack.initiative_id),
            col(CalibrationSession.recorded_at) >= col(CalibrationPack.sent_at),
        )
        .exists()
    )
    query = (
        select(CalibrationPack, col(Initiative.name))
        .join(Initiative, col(Initiative.id) == col(CalibrationPack.initiative_id))
        .where(
            col(CalibrationPack.team_id) == team_id,
            col(Initiative.active).is_(True),
            col(CalibrationPack.status) == PostStatus.POSTED,
            col(CalibrationPack.sent_at) < sent_before,
            ~recorded,
        )
        .order_by(col(CalibrationPack.sent_at))
    )
    return [(p, n) for p, n in session.execute(query).all()]


# What a pack reads


def impact_versions(session: Session, initiative_id: int) -> dict[int, tuple[Answer, Answer]]:
    """stakeholder id -> (first, latest) version of their impact statement for this initiative."""
    bounds = (
        select(
            col(Answer.stakeholder_id),
            func.min(col(Answer.version)).label("first"),
            func.max(col(Answer.version)).label("last"),
        )
        .where(col(Answer.initiative_id) == initiative_id, col(Answer.question) == Question.IMPACT)
        .group_by(col(Answer.stakeholder_id))
        .subquery()
    )
    rows = session.execute(
        select(Answer, bounds.c.first, bounds.c.last)
        .join(bounds, col(Answer.stakeholder_id) == bounds.c.stakeholder_id)
        .where(
            col(Answer.initiative_id) == initiative_id,
            col(Answer.question) == Question.IMPACT,
            or_(col(Answer.version) == bounds.c.first, col(Answer.version) == bounds.c.last),
        )
    ).all()
    firsts: dict[int, Answer] = {}
    lasts: dict[int, Answer] = {}
    for answer, first, last in rows:
        if answer.version == first:
            firsts[answer.stakeholder_id] = answer
        if answer.version == last:
            lasts[answer.stakeholder_id] = answer
    return {s: (firsts[s], lasts[s]) for s in firsts}


def shifts_since(session: Session, initiative_id: int, since: datetime) -> list[tuple[Shift, str, ShiftOutcome | None]]:
    """The initiative's live shifts detected since `since`, each with its stakeholder's user id and its outcome."""
    query = (
        select(Shift, col(Stakeholder.user_id), ShiftOutcome)
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .outerjoin(ShiftOutcome, col(ShiftOutcome.id) == col(Shift.outcome_id))
        .where(
            col(Shift.initiative_id) == initiative_id,
            col(Shift.detected_at) >= since,
            col(Shift.withdrawn_at).is_(None),
        )
        .order_by(col(Shift.detected_at), col(Shift.id))
    )
    return [(s, u, o) for s, u, o in session.execute(query).all()]


def adjustments_since(session: Session, initiative_id: int, since: datetime) -> list[tuple[Answer, str]]:
    """What stakeholders said should be adjusted since `since` (the newest version of each answer), oldest first."""
    query = (
        select(Answer, col(Stakeholder.user_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Answer.stakeholder_id))
        .where(
            col(Answer.initiative_id) == initiative_id,
            col(Answer.question) == Question.ADJUST,
            col(Answer.answered_at) >= since,
            col(Answer.text) != "",
        )
        .order_by(col(Answer.answered_at), col(Answer.id))
    )
    newest: dict[tuple[int, int | None], tuple[Answer, str]] = {}
    for answer, user_id in session.execute(query).all():
        newest[(answer.stakeholder_id, answer.touchpoint_id)] = (answer, user_id)
    return sorted(newest.values(), key=lambda pair: pair[0].answered_at)


# Sessions


def add_session(session: Session, row: CalibrationSession) -> int:
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def session_by_id(session: Session, team_id: str, session_id: int) -> tuple[CalibrationSession, Initiative] | None:
    row = session.execute(
        select(CalibrationSession, Initiative)
        .join(Initiative, col(Initiative.id) == col(CalibrationSession.initiative_id))
        .where(col(CalibrationSession.id) == session_id, col(CalibrationSession.team_id) == team_id)
    ).first()
    return (row[0], row[1]) if row else None


def sessions_of(session: Session, initiative_ids: Iterable[int]) -> list[CalibrationSession]:
    """Sessions of these initiatives, the latest held (then recorded) last."""
    ids = list(initiative_ids)
    if not ids:
        return []
    query = (
        select(CalibrationSession)
        .where(col(CalibrationSession.initiative_id).in_(ids))
        .order_by(col(CalibrationSession.held_on), col(CalibrationSession.id))
    )
    return list(session.execute(query).scalars())


def team_sessions(session: Session, team_id: str) -> list[tuple[CalibrationSession, str]]:
    query = (
        select(CalibrationSession, col(Initiative.name))
        .join(Initiative, col(Initiative.id) == col(CalibrationSession.initiative_id))
        .where(col(CalibrationSession.team_id) == team_id)
        .order_by(col(Initiative.name), col(CalibrationSession.held_on), col(CalibrationSession.id))
    )
    return [(s, n) for s, n in session.execute(query).all()]


def set_session(session: Session, session_id: int, values: dict) -> None:
    session.execute(update(CalibrationSession).where(col(CalibrationSession.id) == session_id).values(**values))


# The outcome's DMs


def active_stakeholders(session: Session, initiative_id: int) -> list[Stakeholder]:
    query = (
        select(Stakeholder)
        .join(InitiativeStakeholder, col(InitiativeStakeholder.stakeholder_id) == col(Stakeholder.id))
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id,
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Stakeholder.active).is_(True),
        )
        .order_by(col(InitiativeStakeholder.id))
    )
    return list(session.execute(query).scalars())


def add_outcomes(session: Session, rows: list[dict]) -> int:
    return insert_ignoring_conflicts(session, table_of(CalibrationOutcome), rows)


def claim_outcomes(
    session: Session, now: datetime, lease_before: datetime, limit: int, session_id: int | None = None
) -> list[tuple[CalibrationOutcome, CalibrationSession, Initiative]]:
    where = () if session_id is None else (col(CalibrationOutcome.session_id) == session_id,)
    ids = claim_due_or_stale(session, CalibrationOutcome, now, lease_before, limit, *where)
    if not ids:
        return []
    rows = session.execute(
        select(CalibrationOutcome, CalibrationSession, Initiative)
        .join(CalibrationSession, col(CalibrationSession.id) == col(CalibrationOutcome.session_id))
        .join(Initiative, col(Initiative.id) == col(CalibrationSession.initiative_id))
        .where(col(CalibrationOutcome.id).in_(ids))
        .order_by(col(CalibrationOutcome.id))
    ).all()
    return [(o, s, i) for o, s, i in rows]


def set_outcome(session: Session, outcome_id: int, values: dict) -> None:
    session.execute(update(CalibrationOutcome).where(col(CalibrationOutcome.id) == outcome_id).values(**values))


def outcomes_of(session: Session, session_id: int) -> list[CalibrationOutcome]:
    query = (
        select(CalibrationOutcome)
        .where(col(CalibrationOutcome.session_id) == session_id)
        .order_by(col(CalibrationOutcome.id))
    )
    return list(session.execute(query).scalars())
