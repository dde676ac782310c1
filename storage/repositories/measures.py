"""Tracked measures and their readings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from storage.models import Measure, Reading, ReadingStatus, Stakeholder


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
