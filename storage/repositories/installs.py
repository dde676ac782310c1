"""Each workspace's status: installed, or uninstalled (and until when its data is kept), or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, SQLModel, col

from storage.models import SlackBot, SlackInstallation, TeamState, TeamStatus
from storage.repositories._shared import rows_matched

INSTALLATION_TABLES = {SlackInstallation.__tablename__, SlackBot.__tablename__}


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


def delete_team_rows(session: Session, team_id: str, *, keep_installation: bool = False) -> int:
    """Delete every row of a team from every table that has a team_id (children before parents, by the foreign
    keys), except its status (and, if told, its installation). Returns how many rows went."""
    kept = {TeamStatus.__tablename__} | (INSTALLATION_TABLES if keep_installation else set())
    deleted = 0
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "team_id" in table.c and table.name not in kept:
            deleted += rows_matched(session, delete(table).where(table.c.team_id == team_id))
    return deleted
