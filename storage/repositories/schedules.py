"""Each initiative's schedule of check-ins and reviews."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from storage.models import Schedule, table_of


def schedules_for(session: Session, initiative_ids: Iterable[int]) -> dict[int, Schedule]:
    ids = list(set(initiative_ids))
    if not ids:
        return {}
    return {
        s.initiative_id: s
        for s in session.execute(select(Schedule).where(col(Schedule.initiative_id).in_(ids))).scalars()
    }


def save_schedule(session: Session, schedule: Schedule) -> None:
    existing = (
        session.execute(select(Schedule).where(col(Schedule.initiative_id) == schedule.initiative_id)).scalars().first()
    )
    if existing is None:
        session.add(schedule)
        return
    for column in table_of(Schedule).columns:
        if column.key != "id":
            setattr(existing, column.key, getattr(schedule, column.key))
