"""Tracked measures and their readings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from storage.models import (
    Initiative,
    InitiativeStakeholder,
    Measure,
    MeasureProposal,
    MeasureVersion,
    Reading,
    ReadingStatus,
    Stakeholder,
)
from storage.repositories._shared import claim_posts


def measures_of(session: Session, initiative_ids: Iterable[int]) -> list[tuple[Measure, str, str]]:
    """Active measures of these initiatives, each with its owner's user id and name, in the order they were agreed."""
    query = (
        select(Measure, col(Stakeholder.user_id), col(Stakeholder.display_name))
        .join(Stakeholder, col(Stakeholder.id) == col(Measure.owner_id))
        .where(col(Measure.initiative_id).in_(list(initiative_ids)), col(Measure.active).is_(True))
        .order_by(col(Measure.initiative_id), col(Measure.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


def latest_readings(session: Session, measure_ids: Iterable[int]) -> dict[int, tuple[float, date]]:
    """The latest value given for each measure ("no change" and "don't know" are not values)."""
    ids = list(measure_ids)
    if not ids:
        return {}
    newest = (
        select(col(Reading.measure_id), func.max(col(Reading.id)).label("id"))
        .where(col(Reading.measure_id).in_(ids), col(Reading.status) == ReadingStatus.VALUE)
        .group_by(col(Reading.measure_id))
        .subquery()
    )
    rows = session.execute(
        select(col(Reading.measure_id), col(Reading.value), col(Reading.read_on)).join(
            newest, col(Reading.id) == newest.c.id
        )
    )
    return {measure_id: (value, read_on) for measure_id, value, read_on in rows}


def measure_name_taken(session: Session, initiative_id: int, name_key: str) -> bool:
    query = select(col(Measure.id)).where(
        col(Measure.initiative_id) == initiative_id, col(Measure.name_key) == name_key
    )
    return session.execute(query).first() is not None


def add_measure(session: Session, measure: Measure) -> None:
    session.add(measure)
    session.flush()


def readings_of_touchpoint(session: Session, touchpoint_id: int) -> dict[int, tuple[str, float | None]]:
    """measure id -> (status, value) of the newest reading given with this touchpoint's answers."""
    query = (
        select(col(Reading.measure_id), col(Reading.status), col(Reading.value))
        .where(col(Reading.touchpoint_id) == touchpoint_id)
        .order_by(col(Reading.id))
    )
    return {measure_id: (status, value) for measure_id, status, value in session.execute(query).all()}


def add_readings(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(Reading), rows)


# Agreement with the measure's owner


def add_version(session: Session, row: dict) -> None:
    """The next version of a measure (its number after the newest one), as one statement."""
    newest = (
        select(func.coalesce(func.max(col(MeasureVersion.version)), 0) + 1)
        .where(col(MeasureVersion.measure_id) == row["measure_id"])
        .scalar_subquery()
    )
    session.execute(insert(MeasureVersion).values(**row, version=newest))


def versions_of(session: Session, measure_ids: Iterable[int]) -> list[MeasureVersion]:
    query = (
        select(MeasureVersion)
        .where(col(MeasureVersion.measure_id).in_(list(measure_ids)))
        .order_by(col(MeasureVersion.measure_id), col(MeasureVersion.version))
    )
    return list(session.execute(query).scalars().all())


def add_proposal(session: Session, row: dict) -> int:
    proposal = MeasureProposal(**row)
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    return proposal.id


def claim_proposals(session: Session, now: datetime, limit: int, lease_before: datetime | None = None) -> list[int]:
    """Proposals to send (pending), or with lease_before those whose sender took them before then and never finished."""
    return claim_posts(session, MeasureProposal, now, limit, lease_before=lease_before)


def proposals(
    session: Session, proposal_ids: Iterable[int]
) -> list[tuple[MeasureProposal, Measure, Stakeholder, Initiative, bool]]:
    """Each proposal with its measure, the measure's owner, its initiative, and whether the owner is still one of
    the initiative's stakeholders (not removed from it)."""
    on_initiative = (
        select(col(InitiativeStakeholder.id))
        .where(
            col(InitiativeStakeholder.initiative_id) == col(Measure.initiative_id),
            col(InitiativeStakeholder.stakeholder_id) == col(Measure.owner_id),
            col(InitiativeStakeholder.removed_at).is_(None),
        )
        .exists()
    )
    query = (
        select(MeasureProposal, Measure, Stakeholder, Initiative, on_initiative)
        .join(Measure, col(Measure.id) == col(MeasureProposal.measure_id))
        .join(Initiative, col(Initiative.id) == col(Measure.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(Measure.owner_id))
        .where(col(MeasureProposal.id).in_(list(proposal_ids)))
        .order_by(col(MeasureProposal.id))
    )
    return [tuple(row) for row in session.execute(query).all()]


def proposal_of_measure(session: Session, measure_id: int) -> MeasureProposal | None:
    query = select(MeasureProposal).where(col(MeasureProposal.measure_id) == measure_id)
    return session.execute(query).scalars().first()


def mark_proposal(session: Session, proposal_id: int, values: dict) -> None:
    session.execute(update(MeasureProposal).where(col(MeasureProposal.id) == proposal_id).values(**values))


def measure_with_owner(session: Session, team_id: str, measure_id: int) -> tuple[Measure, Stakeholder] | None:
    query = (
        select(Measure, Stakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(Measure.owner_id))
        .where(col(Measure.id) == measure_id, col(Measure.team_id) == team_id)
    )
    found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def name_taken_by_another(session: Session, initiative_id: int, name_key: str, measure_id: int) -> bool:
    query = select(col(Measure.id)).where(
        col(Measure.initiative_id) == initiative_id, col(Measure.name_key) == name_key, col(Measure.id) != measure_id
    )
    return session.execute(query).first() is not None


def set_measure(session: Session, measure_id: int, values: dict) -> None:
    session.execute(update(Measure).where(col(Measure.id) == measure_id).values(**values))
