"""A team's settings (its L&D channel and members) and the record of who changed them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from storage.models import TeamSettings, TeamSettingsChange
from storage.repositories._shared import save_team_row


def team_settings(session: Session, team_id: str) -> TeamSettings | None:
    return session.execute(select(TeamSettings).where(col(TeamSettings.team_id) == team_id)).scalar_one_or_none()


def _saved_values(session: Session, team_ids: Iterable[str], column) -> dict[str, Any]:
    """{team: one column of its settings} for those of the teams that saved their settings."""
    wanted = list(team_ids)
    if not wanted:
        return {}
    query = select(col(TeamSettings.team_id), column).where(col(TeamSettings.team_id).in_(wanted))
    return {str(team_id): value for team_id, value in session.execute(query).all()}


def ld_channels(session: Session, team_ids: Iterable[str]) -> dict[str, str]:
    """{team: L&D channel} for those of the teams that saved their settings."""
    return {t: str(c) for t, c in _saved_values(session, team_ids, col(TeamSettings.ld_channel_id)).items()}


def planning_weeks(session: Session, team_ids: Iterable[str]) -> dict[str, int]:
    """{team: weeks before a financial year for its planning touchpoints} for those of the teams that saved."""
    return {t: int(w) for t, w in _saved_values(session, team_ids, col(TeamSettings.planning_weeks)).items()}


def save_team_settings(session: Session, team_id: str, values: Mapping[str, Any]) -> None:
    save_team_row(session, TeamSettings, team_settings(session, team_id), team_id, values)


def record_change(session: Session, team_id: str, changed_by: str, changed_at: datetime, changes: str) -> None:
    session.add(TeamSettingsChange(team_id=team_id, changed_by=changed_by, changed_at=changed_at, changes=changes))
    session.flush()


def changes(session: Session, team_id: str) -> list[TeamSettingsChange]:
    """The team's settings changes, oldest first."""
    query = (
        select(TeamSettingsChange)
        .where(col(TeamSettingsChange.team_id) == team_id)
        .order_by(col(TeamSettingsChange.id))
    )
    return list(session.execute(query).scalars())
