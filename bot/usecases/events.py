"""What Slack's events change: an event's first delivery remembered (so its retries are dropped), and a person's
profile kept in step with Slack."""

from __future__ import annotations

from bot.runtime import Deps
from bot.services import touchpoints


def first_time_seen(deps: Deps, team_id: str, event_id: str) -> bool:
    """Whether this is the first delivery of the event (and remember it, in its own transaction)."""
    with deps.db.session() as session:
        return touchpoints.first_time_seen(session, team_id, event_id, deps.clock())


def person_changed(deps: Deps, team_id: str, user_id: str, *, display_name: str, tz: str | None, active: bool) -> bool:
    """Keep a stakeholder's name, time zone and active flag as Slack now has them; False if they are no stakeholder."""
    with deps.db.session() as session:
        return touchpoints.refresh_person(
            session, team_id, user_id, display_name=display_name, tz=tz, active=active, now=deps.clock()
        )
