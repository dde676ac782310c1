"""The export's reads: one query per sheet, streamed in batches of plain rows (no ORM objects: they cost more than
the writing), so a workbook of any size is written in bounded memory and time. Each takes the initiatives to export (None: all of the team's) and, for `/touchpoint export mine`, the one
stakeholder whose own words are wanted."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from storage.models import (
    Answer,
    Initiative,
    InitiativeChange,
    InitiativeStakeholder,
    Measure,
    Reading,
    Shift,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)

BATCH = 5000


def _scoped(query, column, team_column, team_id: str, initiative_ids: list[int] | None):
    query = query.where(team_column == team_id)
    return query.where(column.in_(initiative_ids)) if initiative_ids is not None else query


def _stream(session: Session, query) -> Iterator[tuple]:
    yield from session.execute(query.execution_options(yield_per=BATCH))


def initiatives(session: Session, team_id: str, initiative_ids: list[int] | None) -> list[Initiative]:
    query = _scoped(select(Initiative), Initiative.id, Initiative.team_id, team_id, initiative_ids)
    return list(session.execute(query.order_by(Initiative.name_key)).scalars())


def pairs(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    """(initiative name, stakeholder, when they were removed from it or None) for every stakeholder the initiatives
    have had, in the order they were added."""
    query = (
        select(Initiative.name, Stakeholder, InitiativeStakeholder.removed_at)
        .join(InitiativeStakeholder, InitiativeStakeholder.initiative_id == Initiative.id)
        .join(Stakeholder, Stakeholder.id == InitiativeStakeholder.stakeholder_id)
        .order_by(Initiative.name_key, InitiativeStakeholder.id)
    )
    query = _scoped(query, Initiative.id, Initiative.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Stakeholder.id == stakeholder_id)
    return _stream(session, query)


def touchpoints(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    """Every touchpoint that went out (pending ones are plans, not conversations)."""
    query = (
        select(
            Initiative.name,
            Stakeholder.display_name,
            Stakeholder.user_id,
            Touchpoint.kind,
            Touchpoint.period,
            Touchpoint.status,
            Touchpoint.due_at,
            Touchpoint.sent_at,
            Touchpoint.answered_at,
        )
        .join(Initiative, Initiative.id == Touchpoint.initiative_id)
        .join(Stakeholder, Stakeholder.id == Touchpoint.stakeholder_id)
        .where(Touchpoint.status.not_in((TouchpointStatus.PENDING, TouchpointStatus.SENDING)))
        .order_by(Touchpoint.due_at, Touchpoint.id)
    )
    query = _scoped(query, Touchpoint.initiative_id, Touchpoint.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Touchpoint.stakeholder_id == stakeholder_id)
    return _stream(session, query)


def answers(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    query = (
        select(
            Initiative.name,
            Stakeholder.display_name,
            Stakeholder.user_id,
            Answer.question,
            Answer.version,
            Answer.text,
            Answer.answered_at,
            Answer.touchpoint_id,
        )
        .join(Initiative, Initiative.id == Answer.initiative_id)
        .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
        .order_by(Answer.initiative_id, Answer.stakeholder_id, Answer.question, Answer.version)
    )
    query = _scoped(query, Answer.initiative_id, Answer.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Answer.stakeholder_id == stakeholder_id)
    return _stream(session, query)


def measures(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    query = (
        select(Initiative.name, Measure, Stakeholder.display_name, Stakeholder.user_id)
        .join(Initiative, Initiative.id == Measure.initiative_id)
        .join(Stakeholder, Stakeholder.id == Measure.owner_id)
        .order_by(Initiative.name_key, Measure.id)
    )
    query = _scoped(query, Measure.initiative_id, Measure.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Measure.owner_id == stakeholder_id)
    return list(session.execute(query).all())


def changes(session: Session, team_id: str, initiative_ids: list[int] | None):
    """(initiative name, change) of the initiatives' change log, oldest first."""
    query = (
        select(Initiative.name, InitiativeChange)
        .join(Initiative, Initiative.id == InitiativeChange.initiative_id)
        .order_by(InitiativeChange.changed_at, InitiativeChange.id)
    )
    return _stream(session, _scoped(query, Initiative.id, Initiative.team_id, team_id, initiative_ids))


def readings(session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None):
    query = (
        select(
            Initiative.name, Measure.id, Measure.name, Reading.read_on, Reading.status, Reading.value, Reading.given_by
        )
        .join(Measure, Measure.id == Reading.measure_id)
        .join(Initiative, Initiative.id == Measure.initiative_id)
        .order_by(Measure.initiative_id, Measure.id, Reading.read_on, Reading.id)
    )
    query = _scoped(query, Measure.initiative_id, Reading.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Measure.owner_id == stakeholder_id)
    return _stream(session, query)


def shifts(session: Session, team_id: str, initiative_ids: list[int] | None):
    query = (
        select(
            Initiative.name,
            Stakeholder.display_name,
            Stakeholder.user_id,
            Shift.detected_at,
            Shift.rule,
            Shift.question,
            Shift.strength,
            Shift.before,
            Shift.after,
            Shift.evidence,
            Shift.followed_up_by,
            Shift.followed_up_at,
        )
        .join(Initiative, Initiative.id == Shift.initiative_id)
        .join(Stakeholder, Stakeholder.id == Shift.stakeholder_id)
        .order_by(Shift.detected_at, Shift.id)
    )
    return _stream(session, _scoped(query, Shift.initiative_id, Shift.team_id, team_id, initiative_ids))


def responses_by_month(
    session: Session, team_id: str, initiative_ids: list[int] | None, stakeholder_id: int | None = None
):
    """(YYYY-MM of the due date in UTC, touchpoints that went out, answered) per month, oldest first."""
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", Touchpoint.due_at), "YYYY-MM")
    else:  # stored as ISO text in UTC
        month = func.substr(Touchpoint.due_at, 1, 7)
    went_out = Touchpoint.status.not_in((TouchpointStatus.PENDING, TouchpointStatus.SENDING, TouchpointStatus.SKIPPED))
    answered = func.sum(case((Touchpoint.status == TouchpointStatus.ANSWERED, 1), else_=0))
    query = select(month, func.count(), answered).where(went_out).group_by(month).order_by(month)
    query = _scoped(query, Touchpoint.initiative_id, Touchpoint.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        query = query.where(Touchpoint.stakeholder_id == stakeholder_id)
    return [(m, int(sent), int(done or 0)) for m, sent, done in session.execute(query).all()]


def latest_texts(
    session: Session,
    team_id: str,
    initiative_ids: list[int] | None,
    questions: list[str],
    stakeholder_id: int | None = None,
) -> dict[tuple[int, int, str], str]:
    """The current text of each (initiative, stakeholder, question) among `questions`, in one query."""
    newest = (
        select(Answer.initiative_id, Answer.stakeholder_id, Answer.question, func.max(Answer.version).label("version"))
        .where(Answer.question.in_(questions))
        .group_by(Answer.initiative_id, Answer.stakeholder_id, Answer.question)
    )
    newest = _scoped(newest, Answer.initiative_id, Answer.team_id, team_id, initiative_ids)
    if stakeholder_id is not None:
        newest = newest.where(Answer.stakeholder_id == stakeholder_id)
    newest = newest.subquery()
    query = select(Answer.initiative_id, Answer.stakeholder_id, Answer.question, Answer.text).join(
        newest,
        and_(
            Answer.initiative_id == newest.c.initiative_id,
            Answer.stakeholder_id == newest.c.stakeholder_id,
            Answer.question == newest.c.question,
            Answer.version == newest.c.version,
        ),
    )
    return {(i, s, q): t for i, s, q, t in session.execute(query).all()}
