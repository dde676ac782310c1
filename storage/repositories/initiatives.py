"""Initiatives: their names, pages of them, and switching them off."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from storage.models import Answer, Initiative, InitiativeStakeholder, Question
from storage.repositories._shared import CHUNK


def initiative_name_taken(session: Session, team_id: str, name_key: str) -> bool:
    query = select(col(Initiative.id)).where(col(Initiative.team_id) == team_id, col(Initiative.name_key) == name_key)
    return session.execute(query).first() is not None


def _listed(team_id: str, include_closed: bool) -> list:
    return [col(Initiative.team_id) == team_id] + ([] if include_closed else [col(Initiative.active).is_(True)])


def count_initiatives(session: Session, team_id: str, *, include_closed: bool = True) -> int:
    return session.execute(select(func.count(col(Initiative.id))).where(*_listed(team_id, include_closed))).scalar_one()


def initiatives_with_answer_counts(
    session: Session, team_id: str, *, offset: int, limit: int, include_closed: bool = True
) -> list[dict]:
    """A page of initiatives with their current stakeholder count and how many of them have answered: three
    queries."""
    page = (
        session.execute(
            select(Initiative)
            .where(*_listed(team_id, include_closed))
            .order_by(col(Initiative.created_at).desc(), col(Initiative.id).desc())
            .offset(offset)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    ids = [i.id for i in page]
    stakeholders = dict(
        session.execute(
            select(col(InitiativeStakeholder.initiative_id), func.count())
            .where(col(InitiativeStakeholder.initiative_id).in_(ids), col(InitiativeStakeholder.removed_at).is_(None))
            .group_by(col(InitiativeStakeholder.initiative_id))
        ).all()
    )
    answered = dict(
        session.execute(
            select(col(Answer.initiative_id), func.count(func.distinct(col(Answer.stakeholder_id))))
            .where(
                col(Answer.initiative_id).in_(ids), col(Answer.question) == Question.IMPACT, col(Answer.version) == 1
            )
            .group_by(col(Answer.initiative_id))
        ).all()
    )
    return [
        {
            "id": i.id,
            "name": i.name,
            "business_goal": i.business_goal,
            "summary_channel_id": i.summary_channel_id,
            "created_by": i.created_by,
            "stakeholders": stakeholders.get(i.id, 0),
            "answered": answered.get(i.id, 0),
            "active": i.active,
        }
        for i in page
    ]


def initiative_by_name(session: Session, team_id: str, name_key: str) -> Initiative | None:
    query = select(Initiative).where(col(Initiative.team_id) == team_id, col(Initiative.name_key) == name_key)
    return session.execute(query).scalars().first()


def initiative_by_id(session: Session, team_id: str, initiative_id: int) -> Initiative | None:
    initiative = session.get(Initiative, initiative_id)
    return initiative if initiative is not None and initiative.team_id == team_id else None


def deactivate_initiatives(session: Session, initiative_ids: list[int]) -> None:
    for start in range(0, len(initiative_ids), CHUNK):
        session.execute(
            update(Initiative).where(col(Initiative.id).in_(initiative_ids[start : start + CHUNK])).values(active=False)
        )


def teams(session: Session) -> list[str]:
    return list(session.execute(select(col(Initiative.team_id)).distinct().order_by(col(Initiative.team_id))).scalars())
