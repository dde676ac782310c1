"""Queries. Each function takes the caller's session; none commits (the unit of work does)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import (
    Answer,
    Initiative,
    InitiativeStakeholder,
    ProcessedEvent,
    Question,
    Stakeholder,
    Touchpoint,
    TouchpointStatus,
)


def _insert_ignoring_conflicts(session: Session, table, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on either database, so concurrent writers of the same row both succeed.
    Returns how many rows were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: drivers disagree on rowcount for multi-row inserts.
    statement = insert(table).values(rows).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return len(session.execute(statement).all())


# Initiatives


def initiative_name_taken(session: Session, team_id: str, name_key: str) -> bool:
    query = select(Initiative.id).where(Initiative.team_id == team_id, Initiative.name_key == name_key)
    return session.execute(query).first() is not None


def count_initiatives(session: Session, team_id: str) -> int:
    return session.execute(select(func.count(Initiative.id)).where(Initiative.team_id == team_id)).scalar_one()


def initiatives_with_answer_counts(session: Session, team_id: str, *, offset: int, limit: int) -> list[dict]:
    """A page of initiatives with their stakeholder count and how many of them have answered: three queries."""
    page = session.execute(
        select(Initiative)
        .where(Initiative.team_id == team_id)
        .order_by(Initiative.created_at.desc(), Initiative.id.desc())
        .offset(offset)
        .limit(limit)
    ).scalars().all()
    ids = [i.id for i in page]
    stakeholders = dict(
        session.execute(
            select(InitiativeStakeholder.initiative_id, func.count())
            .where(InitiativeStakeholder.initiative_id.in_(ids))
            .group_by(InitiativeStakeholder.initiative_id)
        ).all()
    )
    answered = dict(
        session.execute(
            select(Answer.initiative_id, func.count(func.distinct(Answer.stakeholder_id)))
            .where(Answer.initiative_id.in_(ids), Answer.question == Question.IMPACT, Answer.version == 1)
            .group_by(Answer.initiative_id)
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
        }
        for i in page
    ]


# Stakeholders


def upsert_stakeholders(
    session: Session,
    team_id: str,
    profiles: Mapping[str, tuple[str, str | None] | None],
    user_ids: Iterable[str],
    now: datetime,
) -> list[Stakeholder]:
    """The stakeholder rows for user_ids, created where missing and refreshed where a profile is given."""
    user_ids = list(dict.fromkeys(user_ids))
    _insert_ignoring_conflicts(
        session,
        Stakeholder.__table__,
        [
            {
                "team_id": team_id,
                "user_id": u,
                "display_name": (profiles.get(u) or ("", None))[0],
                "tz": (profiles.get(u) or ("", None))[1],
                "active": True,
                "updated_at": now,
            }
            for u in user_ids
        ],
    )
    rows = {
        s.user_id: s
        for s in session.execute(
            select(Stakeholder).where(Stakeholder.team_id == team_id, Stakeholder.user_id.in_(user_ids))
        ).scalars()
    }
    for user_id, profile in profiles.items():
        if profile is not None and user_id in rows:
            row = rows[user_id]
            row.display_name, row.tz, row.active, row.updated_at = profile[0], profile[1], True, now
    return [rows[u] for u in user_ids]


def stakeholder_by_user(session: Session, team_id: str, user_id: str) -> Stakeholder | None:
    query = select(Stakeholder).where(Stakeholder.team_id == team_id, Stakeholder.user_id == user_id)
    return session.execute(query).scalars().first()


def set_stakeholder_dm(session: Session, stakeholder_id: int, channel_id: str) -> None:
    session.execute(update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(dm_channel_id=channel_id))


def deactivate_stakeholder(session: Session, stakeholder_id: int, now: datetime) -> None:
    session.execute(update(Stakeholder).where(Stakeholder.id == stakeholder_id).values(active=False, updated_at=now))


def refresh_stakeholder(
    session: Session, team_id: str, user_id: str, *, display_name: str, tz: str | None, active: bool, now: datetime
) -> bool:
    result = session.execute(
        update(Stakeholder)
        .where(Stakeholder.team_id == team_id, Stakeholder.user_id == user_id)
        .values(display_name=display_name, tz=tz, active=active, updated_at=now)
    )
    return result.rowcount > 0


# Touchpoints


def claim_touchpoints(session: Session, touchpoint_ids: Iterable[int], now: datetime) -> list[int]:
    """Move pending touchpoints to sending, atomically: of two concurrent claimers only one gets each row."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    result = session.execute(
        update(Touchpoint)
        .where(Touchpoint.id.in_(ids), Touchpoint.status == TouchpointStatus.PENDING)
        .values(status=TouchpointStatus.SENDING, claimed_at=now, attempts=Touchpoint.attempts + 1)
        .returning(Touchpoint.id)
    )
    return sorted(result.scalars().all())


def touchpoint_context(session: Session, touchpoint_ids: Iterable[int]) -> list[tuple[Touchpoint, Initiative, Stakeholder]]:
    """Each touchpoint with its initiative and stakeholder, in one query."""
    ids = list(touchpoint_ids)
    if not ids:
        return []
    query = (
        select(Touchpoint, Initiative, Stakeholder)
        .join(Initiative, Initiative.id == Touchpoint.initiative_id)
        .join(Stakeholder, Stakeholder.id == Touchpoint.stakeholder_id)
        .where(Touchpoint.id.in_(ids))
        .order_by(Touchpoint.id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def mark_touchpoint_sent(session: Session, touchpoint_id: int, channel_id: str, ts: str, now: datetime) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
        .values(status=TouchpointStatus.SENT, channel_id=channel_id, message_ts=ts, sent_at=now, last_error=None)
    )


def mark_touchpoint_failed(session: Session, touchpoint_id: int, error: str) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
        .values(status=TouchpointStatus.FAILED, last_error=error[:500])
    )


def mark_touchpoint_answered(session: Session, touchpoint_id: int, now: datetime) -> None:
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id == touchpoint_id, Touchpoint.answered_at.is_(None))
        .values(status=TouchpointStatus.ANSWERED, answered_at=now)
    )


# Answers


def latest_answers(session: Session, initiative_id: int, stakeholder_id: int) -> dict[str, Answer]:
    """The newest version of each question's answer."""
    newest = (
        select(Answer.question, func.max(Answer.version).label("version"))
        .where(Answer.initiative_id == initiative_id, Answer.stakeholder_id == stakeholder_id)
        .group_by(Answer.question)
        .subquery()
    )
    query = select(Answer).join(
        newest,
        and_(
            Answer.question == newest.c.question,
            Answer.version == newest.c.version,
            Answer.initiative_id == initiative_id,
            Answer.stakeholder_id == stakeholder_id,
        ),
    )
    return {a.question: a for a in session.execute(query).scalars()}


def add_answer_versions(
    session: Session,
    *,
    team_id: str,
    initiative_id: int,
    stakeholder_id: int,
    touchpoint_id: int,
    texts: Mapping[str, str],
    now: datetime,
) -> dict[str, Answer]:
    """Store each text as the next version of its question. Concurrent writers of one version collide on the
    unique constraint and the later one fails, rather than both claiming the same version."""
    current = latest_answers(session, initiative_id, stakeholder_id)
    added = {}
    for question, text in texts.items():
        answer = Answer(
            team_id=team_id,
            initiative_id=initiative_id,
            stakeholder_id=stakeholder_id,
            touchpoint_id=touchpoint_id,
            question=question,
            text=text,
            version=(current[question].version + 1) if question in current else 1,
            answered_at=now,
        )
        session.add(answer)
        added[question] = answer
    session.flush()
    return added


# Events


def first_time_seen(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was recorded before (Slack retried the event)."""
    row = {"event_id": event_id, "team_id": team_id, "received_at": now}
    return _insert_ignoring_conflicts(session, ProcessedEvent.__table__, [row]) == 1
