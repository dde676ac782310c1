"""What the read-only `/touchpoint` subcommands ask for: the alignment report and what an export covers."""

from __future__ import annotations

from bot.runtime import Deps
from bot.services import digest, exporting
from bot.services.digest import AlignmentReport
from bot.services.exporting import Scope


def alignment_report(deps: Deps, team_id: str, initiative_name: str) -> AlignmentReport:
    with deps.db.reading() as session:
        when = digest.digest_time(session, team_id)
        week = digest.current_week(deps.clock(), when, deps.settings.touchpoint_tz)
        return digest.alignment_report(session, team_id, initiative_name, deps.clock(), week)


def export_scope(deps: Deps, team_id: str, what: str, user_id: str) -> Scope:
    """What `/touchpoint export …` covers for this person (L&D members may export any initiative, others their own)."""
    is_ld_member = deps.ld_team.is_member(team_id, user_id)
    with deps.db.reading() as session:
        return exporting.scope_for(session, team_id, what, user_id, is_ld_member=is_ld_member)
