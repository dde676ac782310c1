"""The business calendar: the high-influence stakeholders whose financial year is coming, their planning touchpoints
(claimed like an outbox's rows) and their answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from storage.models import (
    Initiative,
    InitiativeStakeholder,
    PlanningAnswer,
    PlanningAsk,
    PostStatus,
    Schedule,
    Stakeholder,
    table_of,
)
from storage.repositories._shared import CHUNK, claim, insert_ignoring_conflicts
from storage.scope import team_scope

SKIPPED = "skipped"


class HighInfluence(NamedTuple):
    """A high-influence stakeholder of an active initiative: what the business calendar needs of the pair."""

    stakeholder_id: int
    team_id: str
    tz: str | None
    country: str | None
    paused_until: date | None
    initiative_id: int
    year_month: int  # the month the initiative's financial year starts


def high_influence_pairs(session: Session, stakeholder_ids: Iterable[int] | None = None) -> list[HighInfluence]:
    """Every high-influence stakeholder of an active initiative (of these stakeholders only, when given), of the
    pass's team when it is for one (storage.scope), and never of a team that uninstalled Touchpoint. Columns, not
    rows: every pass reads them all."""
    query = (
        select(
            col(Stakeholder.id),
            col(Stakeholder.team_id),
            col(Stakeholder.tz),
            col(Stakeholder.country),
            col(Stakeholder.paused_until),
            col(Initiative.id),
            col(Schedule.fiscal_year_start),
        )
        .join(InitiativeStakeholder, col(InitiativeStakeholder.stakeholder_id) == col(Stakeholder.id))
        .join(Initiative, col(Initiative.id) == col(InitiativeStakeholder.initiative_id))
        .outerjoin(Schedule, col(Schedule.initiative_id) == col(Initiative.id))
        .where(
            col(InitiativeStakeholder.influence) == "high",
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Initiative.active).is_(True),
            col(Stakeholder.active).is_(True),
            *team_scope(Stakeholder),
        )
        .order_by(col(Stakeholder.id), col(Initiative.id))
    )
    queries = [query]
    if stakeholder_ids is not None:
        ids = list(stakeholder_ids)
        queries = [query.where(col(Stakeholder.id).in_(ids[at : at + CHUNK])) for at in range(0, len(ids), CHUNK)]
    rows = [row for q in queries for row in session.execute(q).all()]
    return [
        HighInfluence(person, team, tz, country, paused, initiative, month or 1)
        for (person, team, tz, country, paused, initiative, month) in rows
    ]


def asked(session: Session, stakeholder_ids: Iterable[int]) -> set[tuple[int, date]]:
    """(stakeholder, year start) of the planning touchpoints already queued for these stakeholders."""
    ids, found = list(stakeholder_ids), set()
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(col(PlanningAsk.stakeholder_id), col(PlanningAsk.year_start)).where(
                col(PlanningAsk.stakeholder_id).in_(ids[start : start + CHUNK])
            )
        ).all()
        found |= {(person, start_on) for person, start_on in rows}
    return found


def add_asks(session: Session, rows: list[dict]) -> int:
    """New planning touchpoints; one already queued for the same person and year is left as it is."""
    return insert_ignoring_conflicts(session, table_of(PlanningAsk), rows)


def claim_asks(session: Session, now: datetime, limit: int, *, lease_before: datetime | None = None) -> list[int]:
    """Due planning touchpoints, or with lease_before those whose sender took them before then and never finished."""
    if lease_before is None:
        where = [col(PlanningAsk.status) == PostStatus.PENDING, col(PlanningAsk.due_at) <= now]
    else:
        where = [col(PlanningAsk.status) == PostStatus.SENDING, col(PlanningAsk.claimed_at) < lease_before]
    values = {"status": PostStatus.SENDING, "claimed_at": now, "attempts": col(PlanningAsk.attempts) + 1}
    return claim(session, where, values, limit, order=PlanningAsk.due_at, table=PlanningAsk)


def asks_with_people(session: Session, ask_ids: Iterable[int]) -> list[tuple[PlanningAsk, Stakeholder]]:
    ids = list(ask_ids)
    if not ids:
        return []
    rows = session.execute(
        select(PlanningAsk, Stakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(PlanningAsk.stakeholder_id))
        .where(col(PlanningAsk.id).in_(ids))
        .order_by(col(PlanningAsk.id))
    ).all()
    return [(a, s) for a, s in rows]


def mark(session: Session, ask_id: int, values: dict) -> None:
    session.execute(update(PlanningAsk).where(col(PlanningAsk.id) == ask_id).values(**values))


def ask_of(session: Session, team_id: str, ask_id: int) -> tuple[PlanningAsk, Stakeholder] | None:
    row = session.execute(
        select(PlanningAsk, Stakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(PlanningAsk.stakeholder_id))
        .where(col(PlanningAsk.id) == ask_id, col(PlanningAsk.team_id) == team_id)
    ).first()
    return (row[0], row[1]) if row else None


def initiative_names(session: Session, initiative_ids: Iterable[int]) -> dict[int, str]:
    ids = list(initiative_ids)
    if not ids:
        return {}
    rows = session.execute(select(col(Initiative.id), col(Initiative.name)).where(col(Initiative.id).in_(ids)))
    return {int(i): str(name) for i, name in rows.all()}


def add_answer(session: Session, values: dict) -> None:
    session.add(PlanningAnswer(**values))
    session.flush()


def busy_ranges_of(session: Session, stakeholder_ids: Iterable[int], since: date) -> dict[int, list[str]]:
    """{stakeholder: the busy ranges of each of their answered planning touchpoints of a year starting after
    `since`}: a year long past says nothing of the weeks to come."""
    ids = list(stakeholder_ids)
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(col(PlanningAsk.stakeholder_id), col(PlanningAsk.busy_ranges)).where(
                col(PlanningAsk.stakeholder_id).in_(ids[start : start + CHUNK]),
                col(PlanningAsk.busy_ranges) != "",
                col(PlanningAsk.year_start) > since,
            )
        ).all()
        for stakeholder_id, ranges in rows:
            found.setdefault(int(stakeholder_id), []).append(str(ranges))
    return found


def answered(
    session: Session, team_id: str, *, since: datetime | None = None, stakeholder_ids: Iterable[int] | None = None
) -> list[tuple[PlanningAsk, Stakeholder, PlanningAnswer]]:
    """The newest answer of each answered planning touchpoint of the team (answered since `since`, of these
    stakeholders), newest year first."""
    latest = (
        select(func.max(col(PlanningAnswer.id)).label("answer_id"))
        .where(col(PlanningAnswer.team_id) == team_id)
        .group_by(col(PlanningAnswer.ask_id))
        .subquery()
    )
    query = (
        select(PlanningAsk, Stakeholder, PlanningAnswer)
        .join(PlanningAnswer, col(PlanningAnswer.ask_id) == col(PlanningAsk.id))
        .join(latest, latest.c.answer_id == col(PlanningAnswer.id))
        .join(Stakeholder, col(Stakeholder.id) == col(PlanningAsk.stakeholder_id))
        .where(col(PlanningAsk.team_id) == team_id)
        .order_by(col(PlanningAsk.year_start).desc(), col(Stakeholder.display_name), col(PlanningAsk.id))
    )
    if since is not None:
        query = query.where(col(PlanningAnswer.given_at) >= since)
    if stakeholder_ids is not None:
        query = query.where(col(PlanningAsk.stakeholder_id).in_(list(stakeholder_ids)))
    return [(a, s, p) for a, s, p in session.execute(query).all()]


def asks_of_team(session: Session, team_id: str) -> list[PlanningAsk]:
    return list(
        session.execute(
            select(PlanningAsk).where(col(PlanningAsk.team_id) == team_id).order_by(col(PlanningAsk.id))
        ).scalars()
    )
