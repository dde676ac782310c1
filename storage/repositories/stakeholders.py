"""Stakeholders: their rows by Slack user, their profiles, DMs and pauses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from storage.models import InitiativeStakeholder, Stakeholder, table_of
from storage.repositories._shared import CHUNK, insert_ignoring_conflicts, rows_matched


def upsert_stakeholders(
    session: Session,
    team_id: str,
    profiles: Mapping[str, tuple[str, str | None, str | None] | None],
    user_ids: Iterable[str],
    now: datetime,
) -> list[Stakeholder]:
    """The stakeholder rows for user_ids, created where missing and refreshed where a profile is given."""
    user_ids = list(dict.fromkeys(user_ids))
    insert_ignoring_conflicts(
        session,
        table_of(Stakeholder),
        [
            {
                "team_id": team_id,
                "user_id": u,
                "display_name": (profiles.get(u) or ("", None, None))[0],
                "tz": (profiles.get(u) or ("", None, None))[1],
                "country": (profiles.get(u) or ("", None, None))[2],
                "active": True,
                "updated_at": now,
            }
            for u in user_ids
        ],
    )
    rows = {s.user_id: s for s in stakeholders_by_users(session, team_id, user_ids)}
    for user_id, profile in profiles.items():
        if profile is not None and user_id in rows:
            row = rows[user_id]
            row.display_name, row.tz, row.country, row.active, row.updated_at = (*profile, True, now)
    return [rows[u] for u in user_ids]


def stakeholders_by_users(session: Session, team_id: str, user_ids: list[str]) -> list[Stakeholder]:
    return [
        s
        for start in range(0, len(user_ids), CHUNK)
        for s in session.execute(
            select(Stakeholder).where(
                col(Stakeholder.team_id) == team_id, col(Stakeholder.user_id).in_(user_ids[start : start + CHUNK])
            )
        ).scalars()
    ]


def stakeholder_by_user(session: Session, team_id: str, user_id: str) -> Stakeholder | None:
    query = select(Stakeholder).where(col(Stakeholder.team_id) == team_id, col(Stakeholder.user_id) == user_id)
    return session.execute(query).scalars().first()


def set_stakeholder_dm(session: Session, stakeholder_id: int, channel_id: str) -> None:
    session.execute(update(Stakeholder).where(col(Stakeholder.id) == stakeholder_id).values(dm_channel_id=channel_id))


def deactivate_stakeholder(session: Session, stakeholder_id: int, now: datetime) -> None:
    session.execute(
        update(Stakeholder).where(col(Stakeholder.id) == stakeholder_id).values(active=False, updated_at=now)
    )


def refresh_stakeholder(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    display_name: str,
    tz: str | None,
    country: str | None,
    active: bool,
    now: datetime,
) -> bool:
    return (
        rows_matched(
            session,
            update(Stakeholder)
            .where(col(Stakeholder.team_id) == team_id, col(Stakeholder.user_id) == user_id)
            .values(display_name=display_name, tz=tz, country=country, active=active, updated_at=now),
        )
        > 0
    )


def pause_stakeholder(session: Session, stakeholder_id: int, until: date | None, now: datetime) -> None:
    session.execute(
        update(Stakeholder).where(col(Stakeholder.id) == stakeholder_id).values(paused_until=until, updated_at=now)
    )


def stakeholders_of(session: Session, initiative_id: int) -> list[Stakeholder]:
    query = (
        select(Stakeholder)
        .join(InitiativeStakeholder, col(InitiativeStakeholder.stakeholder_id) == col(Stakeholder.id))
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id, col(InitiativeStakeholder.removed_at).is_(None)
        )
        .order_by(col(InitiativeStakeholder.id))
    )
    return list(session.execute(query).scalars())


def user_ids_of(session: Session, initiative_id: int) -> list[str]:
    """The Slack user ids of an initiative's current stakeholders, in the order they were added."""
    return [s.user_id for s in stakeholders_of(session, initiative_id)]


def pause_users(session: Session, team_id: str, user_ids: list[str], until: date, now: datetime) -> None:
    for start in range(0, len(user_ids), CHUNK):
        session.execute(
            update(Stakeholder)
            .where(col(Stakeholder.team_id) == team_id, col(Stakeholder.user_id).in_(user_ids[start : start + CHUNK]))
            .values(paused_until=until, updated_at=now)
        )


def current_pairs_of(session: Session, initiative_id: int) -> list[tuple[InitiativeStakeholder, Stakeholder]]:
    """An initiative's current stakeholders with their pair rows (where each sits on the map), in the order added."""
    query = (
        select(InitiativeStakeholder, Stakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id, col(InitiativeStakeholder.removed_at).is_(None)
        )
        .order_by(col(InitiativeStakeholder.id))
    )
    return [(pair, stakeholder) for pair, stakeholder in session.execute(query).all()]


def set_place(session: Session, pair_id: int, influence: str, interest: str, cadence: str) -> None:
    """Put one pair on the stakeholder map; its next check-in or review is to be planned again by it."""
    session.execute(
        update(InitiativeStakeholder)
        .where(col(InitiativeStakeholder.id) == pair_id)
        .values(influence=influence, interest=interest, cadence=cadence, planned=False)
    )
