"""The stakeholder map of an initiative: the form to show, and the places chosen saved in one transaction with their
change-log lines (the coming touchpoints of anyone whose cadence changed are planned afresh by the next pass)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.runtime import Deps
from bot.services import stakeholder_map
from bot.services.stakeholder_map import StakeholderMap


def form(deps: Deps, team_id: str, initiative_id: int | None) -> StakeholderMap:
    with deps.db.reading() as session:
        return stakeholder_map.find(session, team_id, initiative_id or 0)


def save(
    deps: Deps, team_id: str, user_id: str, initiative_id: int, chosen: Mapping[int, tuple[str, str]]
) -> tuple[str, tuple[str, ...]]:
    with deps.db.session() as session:
        return stakeholder_map.save(session, team_id, user_id, initiative_id, chosen, deps.clock())
