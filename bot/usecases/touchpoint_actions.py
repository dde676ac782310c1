"""What a stakeholder does from a check-in or review DM besides answering: snooze it, skip it, or say they are away
(which skips it too), each in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.runtime import Deps
from bot.services import open_touchpoints, pauses, touchpoints
from bot.services.calendar import parse_day
from bot.services.open_touchpoints import OpenTouchpoint
from bot.services.touchpoints import Outgoing


@dataclass(frozen=True)
class Skipped:
    item: OpenTouchpoint
    current: list[Outgoing]  # every touchpoint in its DM, as it stands now (one, unless the DM is a bundle)


@dataclass(frozen=True)
class Away:
    skipped: Skipped
    until: date
    moved: int  # coming touchpoints moved to after the pause


def snooze(deps: Deps, team_id: str, touchpoint_id: int, user_id: str, days: int) -> datetime:
    """Remind again after `days`; returns when."""
    with deps.db.session() as session:
        _, until = open_touchpoints.snooze(
            session, team_id, touchpoint_id, user_id, days, deps.clock(), deps.settings.touchpoint_tz
        )
    return until


def skip(deps: Deps, team_id: str, touchpoint_id: int, user_id: str) -> Skipped:
    with deps.db.session() as session:
        item = open_touchpoints.skip(session, team_id, touchpoint_id, user_id)
        return Skipped(item, touchpoints.bundle(session, item.touchpoint_id))


def away(deps: Deps, team_id: str, touchpoint_id: int, user_id: str, day: str) -> Away:
    """Skip this touchpoint and pause the person's others until `day` (as the date picker gives it, YYYY-MM-DD)."""
    now = deps.clock()
    until = parse_day(day, now)
    with deps.db.session() as session:
        item = open_touchpoints.skip(session, team_id, touchpoint_id, user_id)
        moved = pauses.pause(session, team_id, user_id, until, now, deps.settings.touchpoint_tz)
        return Away(Skipped(item, touchpoints.bundle(session, item.touchpoint_id)), until, moved)
