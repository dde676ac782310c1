"""Opening initiatives and listing them, each in its own transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bot.runtime import Deps
from bot.services import business_calendar, initiatives
from bot.services.initiatives import CreatedInitiative, Listing, NewInitiative, Person


def open_initiative(
    deps: Deps, team_id: str, user_id: str, form: NewInitiative, people: Mapping[str, Person | None]
) -> CreatedInitiative:
    """Store the initiative, its stakeholders and their kickoffs; FormInvalid if the form needs fixing."""
    with deps.db.session() as session:
        created = initiatives.create(
            session,
            team_id,
            user_id,
            form,
            people,
            deps.ld_team.ld_channel(team_id),
            deps.clock(),
            deps.settings.touchpoint_tz,
        )
        busy = business_calendar.warnings_for_users(session, team_id, list(form.stakeholder_ids), deps.clock())
    return dataclasses.replace(created, busy=tuple(busy))


def list_page(deps: Deps, team_id: str, page: int, *, include_closed: bool = False) -> Listing:
    with deps.db.reading() as session:
        return initiatives.list_page(session, team_id, page, include_closed=include_closed)
