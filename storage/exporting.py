"""The export's reads: one query per sheet, streamed in batches of plain rows (no ORM objects: they cost more than
the writing), so a workbook of any size is written in bounded memory and time. Each takes the initiatives to export (None: all of the team's) and, for `/touchpoint export mine`, the one
stakeholder whose own words are wanted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select, case, func, select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from storage.models import (
    Answer,
    Initiative,
    InitiativeChange,
    InitiativeStakeholder,
    Measure,
    PlanSignoff,
    PlanVersion,
    Reading,
    Shift,
    ShiftOutcome,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)
from storage.repositories._shared import is_newest, newest_answers

BATCH = 5000

_Ts = TypeVarTuple("_Ts")
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _scoped(
    query: _Query, column: Mapped[int | None], team_column: Mapped[str], team_id: str, initiative_ids: list[int] | None
) -> _Query:
    query = query.where(team_column == team_id)
    return query.where(column.in_(initiative_ids)) if initiative_ids is not None else query


def _stream(session: Session, query: Select[*_Ts]) -> Iterator[Row[*_Ts]]:
    yield from session.execute(query.execution_options(yield_per=BATCH))


def initiatives(session: Session, team_id: str, initiative_ids: list[int] | None) -> list[Initiative]:
    query = _scoped(select(Initiative), col(Initiative.id), col(Initiative.team_id), team_id, initiative_ids)
    return list(session.execute(query.order_by(col(Initiative.name_key))).scalars())


def pairs(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    """(initiative name, stakeholder, when they were removed from it or None, the pair: where they sit on the
    stakeholder map) for every stakeholder the initiatives have had, in the order they were added."""
    query = (
        select(col(Initiative.name), Stakeholder, col(InitiativeStakeholder.removed_at), InitiativeStakeholder)
        .join(InitiativeStakeholder, col(InitiativeStakeholder.initiative_id) == col(Initiative.id))
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .order_by(col(Initiative.name_key), col(InitiativeStakeholder.id))
    )
    query = _scoped(query, col(Initiative.id), col(Initiative.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Stakeholder.id) == stakeholder_id)
    return _stream(session, query)


def touchpoints(
    session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None
) -> Iterator[Row[str, str, str, str, str, str, datetime, datetime | None, datetime | None]]:
    """Every touchpoint that went out (pending ones are plans, not conversations)."""
    query = (
        select(
            col(Initiative.name),
            col(Stakeholder.display_name),
            col(Stakeholder.user_id),
            col(Touchpoint.kind),
            col(Touchpoint.period),
            col(Touchpoint.status),
            col(Touchpoint.due_at),
            col(Touchpoint.sent_at),
            col(Touchpoint.answered_at),
        )
        .join(Initiative, col(Initiative.id) == col(Touchpoint.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Touchpoint.stakeholder_id))
        .where(col(Touchpoint.status).not_in((TouchpointStatus.PENDING, TouchpointStatus.SENDING)))
        .order_by(col(Touchpoint.due_at), col(Touchpoint.id))
    )
    query = _scoped(query, col(Touchpoint.initiative_id), col(Touchpoint.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Touchpoint.stakeholder_id) == stakeholder_id)
    return _stream(session, query)


def answers(
    session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None
) -> Iterator[Row[str, str, str, str, int, str, datetime, int | None, str | None]]:
    query = (
        select(
            col(Initiative.name),
            col(Stakeholder.display_name),
            col(Stakeholder.user_id),
            col(Answer.question),
            col(Answer.version),
            col(Answer.text),
            col(Answer.answered_at),
            col(Answer.touchpoint_id),
            col(Answer.judgement),
        )
        .join(Initiative, col(Initiative.id) == col(Answer.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Answer.stakeholder_id))
        .order_by(col(Answer.initiative_id), col(Answer.stakeholder_id), col(Answer.question), col(Answer.version))
    )
    query = _scoped(query, col(Answer.initiative_id), col(Answer.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Answer.stakeholder_id) == stakeholder_id)
    return _stream(session, query)


def measures(
    session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None
) -> list[Row[str, Measure, str, str]]:
    query = (
        select(col(Initiative.name), Measure, col(Stakeholder.display_name), col(Stakeholder.user_id))
        .join(Initiative, col(Initiative.id) == col(Measure.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Measure.owner_id))
        .order_by(col(Initiative.name_key), col(Measure.id))
    )
    query = _scoped(query, col(Measure.initiative_id), col(Measure.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Measure.owner_id) == stakeholder_id)
    return list(session.execute(query).all())


def signoffs(session: Session, team_id: str, initiative_ids: list[int] | None):
    """(initiative name, stakeholder, the plan's version number, sign-off) of every stakeholder asked to sign a
    version of a plan, by initiative and in the order they were asked."""
    query = (
        select(col(Initiative.name), Stakeholder, col(PlanVersion.version), PlanSignoff)
        .join(Initiative, col(Initiative.id) == col(PlanSignoff.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(PlanSignoff.stakeholder_id))
        .join(PlanVersion, col(PlanVersion.id) == col(PlanSignoff.plan_version_id))
        .order_by(col(Initiative.name_key), col(PlanSignoff.id))
    )
    return _stream(
        session, _scoped(query, col(PlanSignoff.initiative_id), col(PlanSignoff.team_id), team_id, initiative_ids)
    )


def changes(session: Session, team_id: str, initiative_ids: list[int] | None):
    """(initiative name, change) of the initiatives' change log, oldest first."""
    query = (
        select(col(Initiative.name), InitiativeChange)
        .join(Initiative, col(Initiative.id) == col(InitiativeChange.initiative_id))
        .order_by(col(InitiativeChange.changed_at), col(InitiativeChange.id))
    )
    return _stream(session, _scoped(query, col(Initiative.id), col(Initiative.team_id), team_id, initiative_ids))


def readings(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    query = (
        select(
            col(Initiative.name),
            col(Measure.id),
            col(Measure.name),
            col(Reading.read_on),
            col(Reading.status),
            col(Reading.value),
            col(Reading.given_by),
        )
        .join(Measure, col(Measure.id) == col(Reading.measure_id))
        .join(Initiative, col(Initiative.id) == col(Measure.initiative_id))
        .order_by(col(Measure.initiative_id), col(Measure.id), col(Reading.read_on), col(Reading.id))
    )
    query = _scoped(query, col(Measure.initiative_id), col(Reading.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Measure.owner_id) == stakeholder_id)
    return _stream(session, query)


def shifts(
    session: Session, team_id: str, initiative_ids: list[int] | None
) -> Iterator[
    Row[
        str,
        str,
        str,
        datetime,
        str,
        str,
        int,
        str,
        str,
        str,
        str | None,
        datetime | None,
        str | None,
        str | None,
        str | None,
        str | None,
        datetime | None,
        datetime | None,
    ]
]:
    """Every shift, withdrawn ones too (with when they were withdrawn), with its follow-up and the follow-up's latest
    outcome."""
    query = (
        select(
            col(Initiative.name),
            col(Stakeholder.display_name),
            col(Stakeholder.user_id),
            col(Shift.detected_at),
            col(Shift.rule),
            col(Shift.question),
            col(Shift.strength),
            col(Shift.before),
            col(Shift.after),
            col(Shift.evidence),
            col(Shift.followed_up_by),
            col(Shift.followed_up_at),
            col(Shift.judgement),
            col(ShiftOutcome.outcome),
            col(ShiftOutcome.note),
            col(ShiftOutcome.recorded_by),
            col(ShiftOutcome.recorded_at),
            col(Shift.withdrawn_at),
        )
        .join(Initiative, col(Initiative.id) == col(Shift.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Shift.stakeholder_id))
        .outerjoin(ShiftOutcome, col(ShiftOutcome.id) == col(Shift.outcome_id))
        .order_by(col(Shift.detected_at), col(Shift.id))
    )
    return _stream(session, _scoped(query, col(Shift.initiative_id), col(Shift.team_id), team_id, initiative_ids))


def responses_by_month(
    session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None
) -> list[tuple[str, int, int]]:
    """(YYYY-MM of the due date in UTC, touchpoints that went out, answered) per month, oldest first."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", col(Touchpoint.due_at)), "YYYY-MM")
    else:  # stored as ISO text in UTC
        month = func.substr(col(Touchpoint.due_at), 1, 7)
    went_out = col(Touchpoint.status).not_in(
        (TouchpointStatus.PENDING, TouchpointStatus.SENDING, TouchpointStatus.SKIPPED)
    )
    answered = func.sum(case((col(Touchpoint.status) == TouchpointStatus.ANSWERED, 1), else_=0))
    query = select(month, func.count(), answered).where(went_out).group_by(month).order_by(month)
    query = _scoped(query, col(Touchpoint.initiative_id), col(Touchpoint.team_id), team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(col(Touchpoint.stakeholder_id) == stakeholder_id)
    return [(m, int(sent), int(done or 0)) for m, sent, done in session.execute(query).all()]


def latest_texts(
    session: Session,
    team_id: str,
    initiative_ids: list[int] | None,
    questions: list[str],
    stakeholder_id: int | None = None,
) -> dict[tuple[int, int, str], str]:
    """The current text of each (initiative, stakeholder, question) among `questions`, in one query."""
    where = [col(Answer.team_id) == team_id, col(Answer.question).in_(questions)]
    if initiative_ids is not None:
        where.append(col(Answer.initiative_id).in_(initiative_ids))
    if stakeholder_id is not None:
        where.append(col(Answer.stakeholder_id) == stakeholder_id)
    latest = newest_answers(*where)
    query = select(col(Answer.initiative_id), col(Answer.stakeholder_id), col(Answer.question), col(Answer.text)).join(
        latest, is_newest(latest)
    )
    return {(i, s, q): t for i, s, q, t in session.execute(query).all()}
