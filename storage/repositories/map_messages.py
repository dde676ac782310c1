"""The stakeholder map's DMs (status updates, alerts to owners): planning them, claiming what is due, recording what
Slack did with each; and the high-influence stakeholders who need attention."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlmodel import Session, col

from storage.models import (
    Initiative,
    InitiativeStakeholder,
    MapMessage,
    MapMessageKind,
    PostStatus,
    Stakeholder,
    table_of,
)
from storage.repositories._shared import CHUNK, claim_due_or_stale, insert_ignoring_conflicts
from storage.scope import team_scope

SKIPPED = "skipped"
SILENT_CYCLES = 2


def add(session: Session, rows: list[dict]) -> int:
    """New messages; one already planned or sent (same initiative, stakeholder, kind and key) is left as it is."""
    return insert_ignoring_conflicts(session, table_of(MapMessage), rows)


def known(session: Session, keys: Iterable[tuple[int, int, str, str]]) -> set[tuple[int, int, str, str]]:
    """Of these (initiative, stakeholder, kind, key), those already planned or sent."""
    wanted = set(keys)
    initiative_ids = sorted({k[0] for k in wanted})
    found: set[tuple[int, int, str, str]] = set()
    for start in range(0, len(initiative_ids), CHUNK):
        rows = session.execute(
            select(
                col(MapMessage.initiative_id), col(MapMessage.stakeholder_id), col(MapMessage.kind), col(MapMessage.key)
            ).where(
                col(MapMessage.initiative_id).in_(initiative_ids[start : start + CHUNK]),
                col(MapMessage.kind).in_({k[2] for k in wanted}),
            )
        ).all()
        found |= {(i, s, kind, key) for i, s, kind, key in rows if (i, s, kind, key) in wanted}
    return found


def last_status_periods(session: Session, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    wanted = list(set(keys))
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(wanted), CHUNK):
        for initiative_id, stakeholder_id, period in session.execute(
            select(col(MapMessage.initiative_id), col(MapMessage.stakeholder_id), func.max(col(MapMessage.key)))
            .where(
                tuple_(col(MapMessage.initiative_id), col(MapMessage.stakeholder_id)).in_(
                    wanted[start : start + CHUNK]
                ),
                col(MapMessage.kind) == MapMessageKind.STATUS,
            )
            .group_by(col(MapMessage.initiative_id), col(MapMessage.stakeholder_id))
        ).all():
            found[(initiative_id, stakeholder_id)] = period
    return found


def drop_pending_status(session: Session, initiative_id: int, stakeholder_ids: Iterable[int]) -> None:
    ids = list(stakeholder_ids)
    if ids:
        session.execute(
            delete(MapMessage).where(
                col(MapMessage.initiative_id) == initiative_id,
                col(MapMessage.stakeholder_id).in_(ids),
                col(MapMessage.kind) == MapMessageKind.STATUS,
                col(MapMessage.status) == PostStatus.PENDING,
            )
        )


def claim_due(
    session: Session, now: datetime, lease_before: datetime, limit: int
) -> list[tuple[MapMessage, Initiative, Stakeholder, InitiativeStakeholder | None]]:
    """Take what is due (and what a sender took before lease_before and never finished), with its initiative, its
    stakeholder and their pair (None once they were removed)."""
    ids = claim_due_or_stale(session, MapMessage, now, lease_before, limit)
    if not ids:
        return []
    rows = session.execute(
        select(MapMessage, Initiative, Stakeholder, InitiativeStakeholder)
        .join(Initiative, col(Initiative.id) == col(MapMessage.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(MapMessage.stakeholder_id))
        .outerjoin(
            InitiativeStakeholder,
            and_(
                col(InitiativeStakeholder.initiative_id) == col(MapMessage.initiative_id),
                col(InitiativeStakeholder.stakeholder_id) == col(MapMessage.stakeholder_id),
                col(InitiativeStakeholder.removed_at).is_(None),
            ),
        )
        .where(col(MapMessage.id).in_(ids))
        .order_by(col(MapMessage.id))
    ).all()
    return [(m, i, s, p) for m, i, s, p in rows]


def finish(session: Session, message_id: int, status: str, now: datetime, error: str | None = None) -> None:
    values: dict = {"status": status, "last_error": error}
    if status == PostStatus.POSTED:
        values["sent_at"] = now
    session.execute(update(MapMessage).where(col(MapMessage.id) == message_id).values(**values))


def at_risk(
    session: Session, team_id: str | None, limit: int, after_pair_id: int = 0
) -> list[tuple[InitiativeStakeholder, Initiative, Stakeholder]]:
    """High-influence stakeholders of active initiatives silent for two cycles or more, or whose latest rating is
    lower than the one before (of one team; with None, of the pass's team when it is for one, storage.scope, and
    never of a team that uninstalled), oldest pair first from after_pair_id on."""
    query = (
        select(InitiativeStakeholder, Initiative, Stakeholder)
        .join(Initiative, col(Initiative.id) == col(InitiativeStakeholder.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(InitiativeStakeholder.stakeholder_id))
        .where(
            col(InitiativeStakeholder.id) > after_pair_id,
            col(InitiativeStakeholder.influence) == "high",
            col(InitiativeStakeholder.removed_at).is_(None),
            col(Initiative.active).is_(True),
            col(Stakeholder.active).is_(True),
            or_(
                col(InitiativeStakeholder.silent_cycles) >= SILENT_CYCLES,
                col(InitiativeStakeholder.rating) < col(InitiativeStakeholder.previous_rating),
            ),
        )
        .order_by(col(InitiativeStakeholder.id))
        .limit(limit)
    )
    query = (
        query.where(col(Initiative.team_id) == team_id) if team_id is not None else query.where(*team_scope(Initiative))
    )
    return [(p, i, s) for p, i, s in session.execute(query).all()]


def messages_of(session: Session, team_id: str, kind: str) -> list[MapMessage]:
    return list(
        session.execute(
            select(MapMessage)
            .where(col(MapMessage.team_id) == team_id, col(MapMessage.kind) == kind)
            .order_by(col(MapMessage.id))
        ).scalars()
    )


def upcoming_status(session: Session, team_id: str, limit: int) -> list[tuple[MapMessage, Initiative, Stakeholder]]:
    """Status updates planned and not yet sent, soonest first, with their initiative and stakeholder."""
    query = (
        select(MapMessage, Initiative, Stakeholder)
        .join(Initiative, col(Initiative.id) == col(MapMessage.initiative_id))
        .join(Stakeholder, col(Stakeholder.id) == col(MapMessage.stakeholder_id))
        .where(
            col(MapMessage.team_id) == team_id,
            col(MapMessage.kind) == MapMessageKind.STATUS,
            col(MapMessage.status) == PostStatus.PENDING,
        )
        .order_by(col(MapMessage.due_at), col(MapMessage.id))
        .limit(limit)
    )
    return [(m, i, s) for m, i, s in session.execute(query).all()]
