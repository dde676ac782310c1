"""The one workspace a unit of work is for, when there is one: with installs into many workspaces, the clock runs
each pass for one team at a time, and every claim it makes takes only that team's rows (so each row is sent with its
own team's token). Unset (one workspace, and requests), claims take every team's rows, as they always did."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from storage.models import TeamState, TeamStatus

CLAIM_TEAM: ContextVar[str | None] = ContextVar("touchpoint_claim_team", default=None)


def team_scope(table: Any) -> list:
    """The condition that keeps a claim to the team of this unit of work, if it has one; otherwise to the teams
    that have not uninstalled Touchpoint (team_status is a row per installed or removed team: a handful)."""
    team_id = CLAIM_TEAM.get()
    if team_id is not None:
        return [table.team_id == team_id]
    inactive = select(col(TeamStatus.team_id)).where(col(TeamStatus.state) != TeamState.ACTIVE)
    return [table.team_id.not_in(inactive)]


def in_scope(team_id: str) -> bool:
    """Whether a team's work belongs to this unit of work (every team's does when it is for none in particular)."""
    scoped = CLAIM_TEAM.get()
    return scoped is None or scoped == team_id
