"""Planning: which (initiative, stakeholder) pairs have their next check-in or review planned, and unplanning them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, tuple_, update
from sqlmodel import Session, col

from storage.models import (
    RECURRING_KINDS,
    Initiative,
    InitiativeStakeholder,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories._shared import CHUNK, rows_matched


def unplan_pair(session: Session, initiative_id: int, stakeholder_id: int) -> None:
    """Mark one pair's next check-in or review as still to plan."""
    session.execute(
        update(InitiativeStakeholder)
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id,
            col(InitiativeStakeholder.stakeholder_id) == stakeholder_id,
        )
        .values(planned=False)
    )


def pairs_to_plan(
    session: Session, limit: int
) -> list[tuple[InitiativeStakeholder, Stakeholder, datetime | None, str | None]]:
    """Pairs whose next check-in or review is not planned yet, with each stakeholder, when the kickoff reached them,
    and the last recurring period already planned: three queries, whatever the number of pairs."""
    rows = session.execute(
        select(InitiativeStakeholder, Stakeholder)
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .join(Initiative, col(Initiative.id) == col(InitiativeStakeholder.initiative_id))
        .where(
            col(InitiativeStakeholder.planned).is_(False),
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Initiative.active).is_(True),
            col(Stakeholder.active).is_(True),
        )
        .order_by(col(InitiativeStakeholder.id))
        .limit(limit)
    ).all()
    if not rows:
        return []
    keys = [(pair.initiative_id, pair.stakeholder_id) for pair, _ in rows]
    pair_filter = tuple_(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id)).in_(keys)
    kickoffs = {
        (i, s): sent
        for i, s, sent in session.execute(
            select(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id), col(Touchpoint.sent_at)).where(
                pair_filter, col(Touchpoint.kind) == TouchpointKind.KICKOFF
            )
        ).all()
    }
    last_periods = {
        (i, s): period
        for i, s, period in session.execute(
            select(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id), func.max(col(Touchpoint.period)))
            .where(pair_filter, col(Touchpoint.kind).in_(RECURRING_KINDS))
            .group_by(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id))
        ).all()
    }
    return [
        (pair, stakeholder, kickoffs.get(key), last_periods.get(key))
        for (pair, stakeholder), key in zip(rows, keys, strict=True)
    ]


def add_pairs(session: Session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(InitiativeStakeholder), rows)


def set_planned(session: Session, pair_ids: Iterable[int], planned: bool) -> None:
    ids = list(pair_ids)
    if ids:
        session.execute(
            update(InitiativeStakeholder).where(col(InitiativeStakeholder.id).in_(ids)).values(planned=planned)
        )


def unplan(session: Session, *, initiative_id: int | None = None, stakeholder_ids: Iterable[int] = ()) -> int:
    """Drop the not-yet-sent recurring touchpoints of an initiative or of stakeholders, so they are planned afresh."""
    if initiative_id is not None:
        return _unplan(
            session,
            col(Touchpoint.initiative_id) == initiative_id,
            col(InitiativeStakeholder.initiative_id) == initiative_id,
        )
    ids = list(stakeholder_ids)
    return sum(
        _unplan(
            session, col(Touchpoint.stakeholder_id).in_(chunk), col(InitiativeStakeholder.stakeholder_id).in_(chunk)
        )
        for chunk in (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
    )


def unplan_in(session: Session, initiative_id: int, stakeholder_ids: Iterable[int]) -> int:
    """Drop the not-yet-sent recurring touchpoints of some stakeholders of one initiative, to be planned afresh."""
    ids = list(stakeholder_ids)
    return sum(
        _unplan(
            session,
            and_(col(Touchpoint.initiative_id) == initiative_id, col(Touchpoint.stakeholder_id).in_(chunk)),
            and_(
                col(InitiativeStakeholder.initiative_id) == initiative_id,
                col(InitiativeStakeholder.stakeholder_id).in_(chunk),
            ),
        )
        for chunk in (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
    )


def _unplan(session: Session, touchpoints_of, pairs_of) -> int:
    dropped = rows_matched(
        session,
        delete(Touchpoint).where(
            col(Touchpoint.status) == TouchpointStatus.PENDING,
            col(Touchpoint.kind).in_(RECURRING_KINDS),
            touchpoints_of,
        ),
    )
    session.execute(update(InitiativeStakeholder).where(pairs_of).values(planned=False))
    return dropped


def miss_stale_pending(session: Session, before: datetime) -> int:
    """Check-ins and reviews that fell due too long ago (the app was down) are missed, not sent late; their pairs'
    next ones are to be planned."""
    missed = session.execute(
        update(Touchpoint)
        .where(
            col(Touchpoint.status) == TouchpointStatus.PENDING,
            col(Touchpoint.kind).in_(RECURRING_KINDS),
            col(Touchpoint.due_at) < before,
        )
        .values(status=TouchpointStatus.MISSED, last_error="fell due while Touchpoint was not running")
        .returning(col(Touchpoint.initiative_id), col(Touchpoint.stakeholder_id))
    ).all()
    for initiative_id, stakeholder_id in set(missed):
        unplan_pair(session, initiative_id, stakeholder_id)
    return len(missed)
