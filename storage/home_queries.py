"""The App Home's reads. Each is one set-based query over all the initiatives a Home shows, so a Home costs the same
number of queries however many initiatives, stakeholders or answers there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session

from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    Measure,
    Question,
    Reading,
    ReadingStatus,
    Shift,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)


@dataclass(frozen=True)
class StakeholderRow:
    stakeholder_id: int
    tz: str | None
    paused_until: date | None


@dataclass(frozen=True)
class InitiativeRow:
    initiative_id: int
    name: str
    business_goal: str
    summary_channel_id: str


@dataclass(frozen=True)
class StatementRow:
    initiative_id: int
    question: str
    text: str
    answered_at: datetime


@dataclass(frozen=True)
class MeasureRow:
    measure_id: int
    initiative_id: int
    name: str
    unit: str
    direction: str
    baseline: float | None
    target: float | None
    target_on: date | None


@dataclass(frozen=True)
class TouchpointRow:
    touchpoint_id: int
    initiative_id: int
    kind: str
    status: str
    due_at: datetime
    expires_at: datetime | None


def stakeholder(session: Session, team_id: str, user_id: str) -> StakeholderRow | None:
    row = session.exec(
        select(Stakeholder.id, Stakeholder.tz, Stakeholder.paused_until).where(
            Stakeholder.team_id == team_id, Stakeholder.user_id == user_id, Stakeholder.active.is_(True)
        )
    ).first()
    return StakeholderRow(*row) if row else None


def initiatives_of(session: Session, stakeholder_id: int) -> list[InitiativeRow]:
    """The active initiatives this person is a stakeholder of, by name."""
    rows = session.exec(
        select(Initiative.id, Initiative.name, Initiative.business_goal, Initiative.summary_channel_id)
        .join(InitiativeStakeholder, InitiativeStakeholder.initiative_id == Initiative.id)
        .where(
            InitiativeStakeholder.stakeholder_id == stakeholder_id,
            InitiativeStakeholder.removed_at.is_(None),
            Initiative.active.is_(True),
        )
        .order_by(Initiative.name_key)
    ).all()
    return [InitiativeRow(*row) for row in rows]


def statements(session: Session, stakeholder_id: int, questions: tuple[str, ...]) -> list[StatementRow]:
    """This person's latest version of each of `questions`, on every initiative, in one query."""
    latest = (
        select(Answer.initiative_id, Answer.question, func.max(Answer.version).label("version"))
        .where(Answer.stakeholder_id == stakeholder_id, Answer.question.in_(questions))
        .group_by(Answer.initiative_id, Answer.question)
        .subquery()
    )
    rows = session.exec(
        select(Answer.initiative_id, Answer.question, Answer.text, Answer.answered_at)
        .join(
            latest,
            and_(
                Answer.initiative_id == latest.c.initiative_id,
                Answer.question == latest.c.question,
                Answer.version == latest.c.version,
            ),
        )
        .where(Answer.stakeholder_id == stakeholder_id)
    ).all()
    return [StatementRow(*row) for row in rows]


def measures_owned(session: Session, stakeholder_id: int) -> list[MeasureRow]:
    rows = session.exec(
        select(
            Measure.id,
            Measure.initiative_id,
            Measure.name,
            Measure.unit,
            Measure.direction,
            Measure.baseline,
            Measure.target,
            Measure.target_on,
        )
        .where(Measure.owner_id == stakeholder_id, Measure.active.is_(True))
        .order_by(Measure.name_key)
    ).all()
    return [MeasureRow(*row) for row in rows]


def latest_values(session: Session, stakeholder_id: int) -> dict[int, tuple[float, date]]:
    """The latest reading with a value of each measure this person owns."""
    latest = (
        select(Reading.measure_id, func.max(Reading.id).label("id"))
        .join(Measure, Measure.id == Reading.measure_id)
        .where(Measure.owner_id == stakeholder_id, Reading.status == ReadingStatus.VALUE)
        .group_by(Reading.measure_id)
        .subquery()
    )
    rows = session.exec(
        select(Reading.measure_id, Reading.value, Reading.read_on).join(latest, Reading.id == latest.c.id)
    ).all()
    return {measure_id: (value, read_on) for measure_id, value, read_on in rows if value is not None}


def touchpoints_ahead(session: Session, stakeholder_id: int) -> list[TouchpointRow]:
    """This person's open touchpoints and those still to come, soonest first."""
    rows = session.exec(
        select(
            Touchpoint.id,
            Touchpoint.initiative_id,
            Touchpoint.kind,
            Touchpoint.status,
            Touchpoint.due_at,
            Touchpoint.expires_at,
        )
        .where(
            Touchpoint.stakeholder_id == stakeholder_id,
            Touchpoint.status.in_((TouchpointStatus.SENT, TouchpointStatus.PENDING, TouchpointStatus.SENDING)),
        )
        .order_by(Touchpoint.due_at)
    ).all()
    return [TouchpointRow(*row) for row in rows]


def next_touchpoints(session: Session, team_id: str, initiative_ids: list[int]) -> dict[int, tuple[datetime, int]]:
    """Per initiative (those of one page of a Home): when its next touchpoint is due and how many wait to go out."""
    rows = session.exec(
        select(Touchpoint.initiative_id, func.min(Touchpoint.due_at), func.count())
        .where(
            Touchpoint.team_id == team_id,
            Touchpoint.initiative_id.in_(initiative_ids),
            Touchpoint.status == TouchpointStatus.PENDING,
        )
        .group_by(Touchpoint.initiative_id)
    ).all()
    return {initiative_id: (due_at, count) for initiative_id, due_at, count in rows}


def open_shifts(session: Session, team_id: str, initiative_ids: list[int]) -> dict[int, int]:
    """Per initiative (those of one page of a Home): the priority shifts nobody has taken the follow-up of."""
    rows = session.exec(
        select(Shift.initiative_id, func.count())
        .where(Shift.team_id == team_id, Shift.initiative_id.in_(initiative_ids), Shift.followed_up_by.is_(None))
        .group_by(Shift.initiative_id)
    ).all()
    return dict(rows)


STATEMENT_QUESTIONS = (Question.IMPACT, Question.TRACKING)


def initiative_name(session: Session, team_id: str, initiative_id: int) -> str | None:
    """The name of one of the team's active initiatives (a Home button carries its id)."""
    row = session.exec(
        select(Initiative.name).where(
            Initiative.team_id == team_id, Initiative.id == initiative_id, Initiative.active.is_(True)
        )
    ).first()
    return row[0] if row else None
