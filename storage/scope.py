"""The one workspace a unit of work is for, when there is one: with installs into many workspaces, the clock runs
each pass for one team at a time, and every claim it makes takes only that team's rows (so each row is sent with its
own team's token). Unset (one workspace, and requests), claims take every team's rows, as they always did."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

CLAIM_TEAM: ContextVar[str | None] = ContextVar("touchpoint_claim_team", default=None)


def team_scope(table: Any) -> list:
    """The condition that keeps a query to the team of this unit of work, if it has one."""
    team_id = CLAIM_TEAM.get()
    return [] if team_id is None else [table.team_id == team_id]


def in_scope(team_id: str) -> bool:
    """Whether a team's work belongs to this unit of work (every team's does when it is for none in particular)."""
    scoped = CLAIM_TEAM.get()
    return scoped is None or scoped == team_id
