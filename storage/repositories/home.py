"""The App Home's reads. Each is one set-based query over all the initiatives a Home shows, so a Home costs the same
number of queries however many initiatives, stakeholders or answers there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

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
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories._shared import is_newest, newest_answers


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


def _id(value: int | None) -> int:
    assert value is not None, "a stored row has its id"
    return value


def stakeholder(session: Session, team_id: str, user_id: str) -> StakeholderRow | None:
    row = session.exec(
        select(col(Stakeholder.id), col(Stakeholder.tz), col(Stakeholder.paused_until)).where(
            col(Stakeholder.team_id) == team_id, col(Stakeholder.user_id) == user_id, col(Stakeholder.active).is_(True)
        )
    ).first()
    return StakeholderRow(_id(row[0]), row[1], row[2]) if row else None


def initiatives_of(session: Session, stakeholder_id: int) -> list[InitiativeRow]:
    """The active initiatives this person is a stakeholder of, by name."""
    rows = session.exec(
        select(
            col(Initiative.id), col(Initiative.name), col(Initiative.business_goal), col(Initiative.summary_channel_id)
        )
        .join(InitiativeStakeholder, col(InitiativeStakeholder.initiative_id) == col(Initiative.id))
        .where(
            col(InitiativeStakeholder.stakeholder_id) == stakeholder_id,
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Initiative.active).is_(True),
        )
        .order_by(col(Initiative.name_key))
    ).all()
    return [InitiativeRow(_id(i), name, goal, channel) for i, name, goal, channel in rows]


def statements(session: Session, stakeholder_id: int, questions: tuple[str, ...]) -> list[StatementRow]:
    """This person's latest version of each of `questions`, on every initiative, in one query."""
    latest = newest_answers(col(Answer.stakeholder_id) == stakeholder_id, col(Answer.question).in_(questions))
    rows = session.exec(
        select(col(Answer.initiative_id), col(Answer.question), col(Answer.text), col(Answer.answered_at)).join(
            latest, is_newest(latest)
        )
    ).all()
    return [StatementRow(*row) for row in rows]


def measures_owned(session: Session, stakeholder_id: int) -> list[MeasureRow]:
    found = session.exec(
        select(Measure)
        .where(col(Measure.owner_id) == stakeholder_id, col(Measure.active).is_(True))
        .order_by(col(Measure.name_key))
    ).all()
    return [
        MeasureRow(_id(m.id), m.initiative_id, m.name, m.unit, m.direction, m.baseline, m.target, m.target_on)
        for m in found
    ]


def latest_values(session: Session, stakeholder_id: int) -> dict[int, tuple[float, date]]:
    """The latest reading with a value of each measure this person owns."""
    latest = (
        select(col(Reading.measure_id), func.max(col(Reading.id)).label("id"))
        .join(Measure, col(Measure.id) == col(Reading.measure_id))
        .where(col(Measure.owner_id) == stakeholder_id, col(Reading.status) == ReadingStatus.VALUE)
        .group_by(col(Reading.measure_id))
        .subquery()
    )
    rows = session.exec(
        select(col(Reading.measure_id), col(Reading.value), col(Reading.read_on)).join(
            latest, col(Reading.id) == latest.c.id
        )
    ).all()
    return {measure_id: (value, read_on) for measure_id, value, read_on in rows if value is not None}


def touchpoints_ahead(session: Session, stakeholder_id: int) -> list[TouchpointRow]:
    """This person's open touchpoints and those still to come, soonest first, and their answered kickoffs (what a
    "Revise" of their impact statement reopens)."""
    found = session.exec(
        select(Touchpoint)
        .where(
            col(Touchpoint.stakeholder_id) == stakeholder_id,
            or_(
                col(Touchpoint.status).in_((TouchpointStatus.SENT, TouchpointStatus.PENDING, TouchpointStatus.SENDING)),
                and_(
                    col(Touchpoint.kind) == TouchpointKind.KICKOFF, col(Touchpoint.status) == TouchpointStatus.ANSWERED
                ),
            ),
        )
        .order_by(col(Touchpoint.due_at))
    ).all()
    return [TouchpointRow(_id(t.id), t.initiative_id, t.kind, t.status, t.due_at, t.expires_at) for t in found]


def next_touchpoints(session: Session, team_id: str, initiative_ids: list[int]) -> dict[int, tuple[datetime, int]]:
    """Per initiative (those of one page of a Home): when its next touchpoint is due and how many wait to go out."""
    rows = session.exec(
        select(col(Touchpoint.initiative_id), func.min(col(Touchpoint.due_at)), func.count())
        .where(
            col(Touchpoint.team_id) == team_id,
            col(Touchpoint.initiative_id).in_(initiative_ids),
            col(Touchpoint.status) == TouchpointStatus.PENDING,
        )
        .group_by(col(Touchpoint.initiative_id))
    ).all()
    return {initiative_id: (due_at, count) for initiative_id, due_at, count in rows}


def open_shifts(session: Session, team_id: str, initiative_ids: list[int]) -> dict[int, int]:
    """Per initiative (those of one page of a Home): the priority shifts nobody has taken the follow-up of."""
    rows = session.exec(
        select(col(Shift.initiative_id), func.count())
        .where(
            col(Shift.team_id) == team_id,
            col(Shift.initiative_id).in_(initiative_ids),
            col(Shift.followed_up_by).is_(None),
        )
        .group_by(col(Shift.initiative_id))
    ).all()
    return dict(rows)


STATEMENT_QUESTIONS = (Question.IMPACT, Question.TRACKING)


def initiative_name(session: Session, team_id: str, initiative_id: int) -> str | None:
    """The name of one of the team's active initiatives (a Home button carries its id)."""
    return session.exec(
        select(col(Initiative.name)).where(
            col(Initiative.team_id) == team_id, col(Initiative.id) == initiative_id, col(Initiative.active).is_(True)
        )
    ).first()


def answered_kickoff(session: Session, team_id: str, user_id: str, initiative_id: int) -> int | None:
    """The id of this person's answered kickoff of one of the team's active initiatives: what stays open to revise
    their impact statement and what they track."""
    return session.exec(
        select(col(Touchpoint.id))
        .join(Stakeholder, col(Stakeholder.id) == col(Touchpoint.stakeholder_id))
        .join(Initiative, col(Initiative.id) == col(Touchpoint.initiative_id))
        .where(
            col(Touchpoint.team_id) == team_id,
            col(Touchpoint.initiative_id) == initiative_id,
            col(Touchpoint.kind) == TouchpointKind.KICKOFF,
            col(Touchpoint.status) == TouchpointStatus.ANSWERED,
            col(Stakeholder.user_id) == user_id,
            col(Initiative.active).is_(True),
        )
        .order_by(col(Touchpoint.id).desc())
    ).first()


def teams_with_active_initiatives(session: Session) -> list[str]:
    """The workspaces whose L&D members have something on their Home."""
    return list(session.exec(select(col(Initiative.team_id)).where(col(Initiative.active).is_(True)).distinct()).all())
