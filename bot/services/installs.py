"""A workspace installing Touchpoint, removing it, and asking for its data to go: its status, its first L&D member,
and how long its data is kept once it has gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage.models import TeamState
from storage.repositories import installs as install_rows
from storage.repositories import team_settings as team_rows


@dataclass(frozen=True)
class Installed:
    team_id: str
    installer: str
    first_time: bool  # no settings were kept for the team: the installer is its first L&D member
    ld_channel_id: str  # "" until someone chooses one


def installed(session: Session, team_id: str, installer: str, now: datetime) -> Installed:
    """The team installed (or reinstalled before its data was deleted: everything comes back as it was). On a first
    install the installer becomes the team's one L&D member, with no L&D channel yet: they choose it."""
    install_rows.mark(session, team_id, TeamState.ACTIVE, now, installed_by=installer)
    kept = team_rows.team_settings(session, team_id)
    if kept is not None:
        return Installed(team_id, installer, False, kept.ld_channel_id)
    values = {"ld_channel_id": "", "admin_user_ids": installer, "updated_by": installer, "updated_at": now}
    team_rows.save_team_settings(session, team_id, values)
    return Installed(team_id, installer, True, "")


def uninstalled(session: Session, team_id: str, now: datetime, keep: timedelta) -> datetime:
    """The app was removed from the team (or its tokens revoked): nothing runs for it until it is installed again;
    its data is deleted after `keep`. Returns when."""
    status = install_rows.status(session, team_id)
    if status is not None and status.state == TeamState.UNINSTALLED and status.delete_after is not None:
        return status.delete_after  # tokens_revoked and app_uninstalled both come: the first one counts
    delete_after = now + keep
    install_rows.mark(session, team_id, TeamState.UNINSTALLED, now, delete_after=delete_after)
    return delete_after


def is_active(session: Session, team_id: str) -> bool:
    status = install_rows.status(session, team_id)
    return status is None or status.state == TeamState.ACTIVE


def inactive_teams(session: Session) -> frozenset[str]:
    return frozenset(install_rows.inactive_teams(session))


def active_teams(session: Session) -> list[str]:
    return install_rows.active_installed_teams(session)


def due_for_deletion(session: Session, now: datetime) -> list[str]:
    return install_rows.due_for_deletion(session, now)


def delete_data(session: Session, team_id: str, now: datetime, *, keep_installation: bool = False) -> int:
    """Every row of the team, in every table, deleted (its installation too unless told), and its status says so
    (a reinstall starts afresh). Returns how many rows went."""
    deleted = install_rows.delete_team_rows(session, team_id, keep_installation=keep_installation)
    install_rows.mark(session, team_id, TeamState.DELETED, now)
    return deleted


def reinstalled(session: Session, team_id: str, now: datetime) -> bool:
    """An uninstalled team whose token works again is active again, with its data (True if it was uninstalled)."""
    status = install_rows.status(session, team_id)
    if status is None or status.state != TeamState.UNINSTALLED:
        return False
    install_rows.mark(session, team_id, TeamState.ACTIVE, now)
    return True
