"""Each workspace's status: installed, or uninstalled (and until when its data is kept), or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from storage.models import TeamState, TeamStatus


def status(session: Session, team_id: str) -> TeamStatus | None:
    return session.get(TeamStatus, team_id)


def mark(
    session: Session,
    team_id: str,
    state: TeamState,
    now: datetime,
    *,
    installed_by: str | None = None,
    delete_after: datetime | None = None,
) -> TeamStatus:
    row = session.get(TeamStatus, team_id, with_for_update=True) or TeamStatus(team_id=team_id)
    row.state, row.changed_at, row.delete_after = state, now, delete_after
    if installed_by is not None:
        row.installed_by = installed_by
    session.add(row)
    session.flush()
    return row


def inactive_teams(session: Session) -> set[str]:
    """Teams nothing may run for: uninstalled (or deleted) ones."""
    query = select(col(TeamStatus.team_id)).where(col(TeamStatus.state) != TeamState.ACTIVE)
    return {str(t) for t in session.execute(query).scalars()}


def active_installed_teams(session: Session) -> list[str]:
    query = select(col(TeamStatus.team_id)).where(col(TeamStatus.state) == TeamState.ACTIVE)
    return sorted(str(t) for t in session.execute(query).scalars())


def due_for_deletion(session: Session, now: datetime) -> list[str]:
    query = select(col(TeamStatus.team_id)).where(
        col(TeamStatus.state) == TeamState.UNINSTALLED, col(TeamStatus.delete_after) <= now
    )
    return sorted(str(t) for t in session.execute(query).scalars())
