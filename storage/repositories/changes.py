"""Initiatives that change after they open: the change log, stakeholders removed and restored, touchpoints closed
with their initiative or their stakeholder, and kickoffs asked afresh."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from storage.models import (
    RECURRING_KINDS,
    InitiativeChange,
    InitiativeStakeholder,
    Measure,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories._shared import CHUNK

# A claimed (sending) touchpoint closes too: its sender checks again before it posts and when it records the post.
_OPEN = (TouchpointStatus.PENDING, TouchpointStatus.SENDING, TouchpointStatus.SENT)


def record(session: Session, rows: list[dict]) -> None:
    """Add change-log rows (team_id, initiative_id, changed_by, changed_at, kind, text) in the caller's transaction."""
    if rows:
        session.execute(insert(InitiativeChange), rows)


def changes_of(session: Session, team_id: str, initiative_ids: list[int] | None) -> list[InitiativeChange]:
    """The change log of the team's initiatives (all of them for None), oldest first."""
    query = select(InitiativeChange).where(col(InitiativeChange.team_id) == team_id)
    if initiative_ids is not None:
        query = query.where(col(InitiativeChange.initiative_id).in_(initiative_ids))
    return list(session.execute(query.order_by(col(InitiativeChange.changed_at), col(InitiativeChange.id))).scalars())


def pairs_of(session: Session, initiative_id: int) -> list[tuple[InitiativeStakeholder, Stakeholder]]:
    """Every stakeholder the initiative ever had (removed ones too), in the order they were added."""
    return [
        (pair, stakeholder)
        for pair, stakeholder in session.execute(
            select(InitiativeStakeholder, Stakeholder)
            .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
            .where(col(InitiativeStakeholder.initiative_id) == initiative_id)
            .order_by(col(InitiativeStakeholder.id))
        ).all()
    ]


def set_removed(session: Session, pair_ids: Iterable[int], removed_at: datetime | None) -> None:
    """Remove pairs (a time) or restore them (None); a restored pair's next check-in or review is to plan."""
    ids = list(pair_ids)
    if ids:
        values: dict = {"removed_at": removed_at}
        if removed_at is None:
            values["planned"] = False
        session.execute(update(InitiativeStakeholder).where(col(InitiativeStakeholder.id).in_(ids)).values(**values))


def unplan_pairs(session: Session, initiative_id: int) -> None:
    """The initiative's current pairs get their next check-in or review planned afresh (from now)."""
    session.execute(
        update(InitiativeStakeholder)
        .where(
            col(InitiativeStakeholder.initiative_id) == initiative_id, col(InitiativeStakeholder.removed_at).is_(None)
        )
        .values(planned=False)
    )


def close_open(session: Session, initiative_id: int, stakeholder_ids: Iterable[int] | None, why: str) -> list[int]:
    """Close the open touchpoints of an initiative (of only these stakeholders, if given): check-ins and reviews not
    sent yet are dropped (reopening plans afresh), the rest closed. Returns the ids of those that had gone out."""
    ids = None if stakeholder_ids is None else list(stakeholder_ids)
    chunks = [None] if ids is None else [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    went_out: list[int] = []
    for chunk in chunks:
        where = [col(Touchpoint.initiative_id) == initiative_id]
        if chunk is not None:
            where.append(col(Touchpoint.stakeholder_id).in_(chunk))
        session.execute(
            delete(Touchpoint).where(
                *where, col(Touchpoint.status) == TouchpointStatus.PENDING, col(Touchpoint.kind).in_(RECURRING_KINDS)
            )
        )
        closed = session.execute(
            update(Touchpoint)
            .where(*where, col(Touchpoint.status).in_(_OPEN))
            .values(status=TouchpointStatus.CLOSED, last_error=why)
            .returning(col(Touchpoint.id), col(Touchpoint.message_ts))
        ).all()
        went_out += [touchpoint_id for touchpoint_id, ts in closed if ts]
    return sorted(went_out)


def kickoffs_of(session: Session, initiative_id: int, stakeholder_ids: Iterable[int]) -> dict[int, Touchpoint]:
    ids = list(stakeholder_ids)
    if not ids:
        return {}
    return {
        t.stakeholder_id: t
        for t in session.execute(
            select(Touchpoint).where(
                col(Touchpoint.initiative_id) == initiative_id,
                col(Touchpoint.stakeholder_id).in_(ids),
                col(Touchpoint.kind) == TouchpointKind.KICKOFF,
            )
        ).scalars()
    }


def ask_kickoff_again(session: Session, touchpoint_id: int, due_at: datetime) -> None:
    """A kickoff closed unanswered (its initiative closed, or its stakeholder removed) is asked afresh."""
    session.execute(
        update(Touchpoint)
        .where(col(Touchpoint.id) == touchpoint_id, col(Touchpoint.status) == TouchpointStatus.CLOSED)
        .values(
            status=TouchpointStatus.PENDING,
            due_at=due_at,
            claimed_at=None,
            sent_at=None,
            remind_at=None,
            reminded_at=None,
            expires_at=None,
            channel_id=None,
            message_ts=None,
            attempts=0,
            last_error=None,
        )
    )


def measure_named(session: Session, initiative_id: int, name_key: str) -> Measure | None:
    query = select(Measure).where(col(Measure.initiative_id) == initiative_id, col(Measure.name_key) == name_key)
    return session.execute(query).scalars().first()


def retire_measure(session: Session, measure_id: int) -> None:
    session.execute(update(Measure).where(col(Measure.id) == measure_id).values(active=False))
