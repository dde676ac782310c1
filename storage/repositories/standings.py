"""Where each stakeholder stands on an initiative: what they have answered and how many cycles they were silent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, tuple_, update
from sqlmodel import Session, col

from storage.models import RECURRING_KINDS, InitiativeStakeholder, Touchpoint


def note_answered(
    session: Session,
    initiative_id: int,
    stakeholder_id: int,
    *,
    has_impact: bool,
    has_tracking: bool,
    rating: int | None,
    now: datetime,
    touchpoint_id: int | None = None,
) -> None:
    values: dict[str, Any] = {"last_answered_at": now, "silent_cycles": 0}
    if has_impact:
        values["has_impact"] = True
    if has_tracking:
        values["has_tracking"] = True
    if rating is not None:
        values["rating"] = rating
        # A new touchpoint's rating moves the current one to previous; a correction of the same one does not.
        values["previous_rating"] = case(
            (
                col(InitiativeStakeholder.rated_touchpoint_id) == touchpoint_id,
                col(InitiativeStakeholder.previous_rating),
            ),
            else_=col(InitiativeStakeholder.rating),
        )
        values["rated_touchpoint_id"] = touchpoint_id
    session.execute(
        update(InitiativeStakeholder)
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id,
            col(InitiativeStakeholder.stakeholder_id) == stakeholder_id,
        )
        .values(**values)
    )


def note_missed(session: Session, touchpoint_ids: Iterable[int]) -> None:
    """One more cycle of silence for the stakeholders of these missed check-ins and reviews."""
    ids = list(touchpoint_ids)
    if not ids:
        return
    pairs = select(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id)).where(
        col(Touchpoint.id).in_(ids), col(Touchpoint.kind).in_(RECURRING_KINDS)
    )
    session.execute(
        update(InitiativeStakeholder)
        .where(tuple_(col(InitiativeStakeholder.initiative_id), col(InitiativeStakeholder.stakeholder_id)).in_(pairs))
        .values(silent_cycles=col(InitiativeStakeholder.silent_cycles) + 1)
    )
