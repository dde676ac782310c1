"""An L&D member takes the follow-up of a stakeholder's priority shifts; the summary message shows who took it."""

from __future__ import annotations

from bot.blocks import shifts as blocks
from bot.runtime import Deps
from bot.services import shifts
from bot.services.shifts import RecentShifts


def take(deps: Deps, team_id: str, summary_id: int, stakeholder_id: int, user_id: str, message_ts: str | None) -> None:
    """Record the follow-up (the first click keeps it) and update the summary for everyone in the channel."""
    with deps.db.session() as session:
        view = shifts.follow_up(session, team_id, summary_id, stakeholder_id, user_id, deps.clock())
    message = blocks.shift_summary(view)
    ts = view.message_ts or message_ts
    if ts is not None:  # a summary that never reached the channel has no message to update
        deps.slack.update(view.channel_id, ts, message.text, message.blocks)
    deps.home.after_activity(team_id, [])  # the L&D members' open Homes


def recent(deps: Deps, team_id: str, initiative_name: str) -> RecentShifts:
    with deps.db.reading() as session:
        return shifts.recent(session, team_id, initiative_name, deps.clock())
