"""Changing an initiative after it opens, each change in one transaction with its change-log rows; then, after the
listener's ack, the Slack side: kickoffs of stakeholders added, DMs of closed touchpoints shown closed, and the L&D
member told what was recorded."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.blocks import changes as blocks
from bot.runtime import Deps
from bot.services import changes
from bot.services.changes import Changed, EditForm
from bot.services.initiatives import NewInitiative, Person
from bot.usecases import notices, touchpoint_dms
from bot.usecases.outbound import Outbound

logger = logging.getLogger(__name__)


def edit_form(deps: Deps, team_id: str, *, name: str | None = None, initiative_id: int | None = None) -> EditForm:
    """The edit modal's contents, for an initiative found by name (the command) or id (the Home button)."""
    with deps.db.reading() as session:
        if initiative_id is None:
            initiative_id = changes.find(session, team_id, name or "").id
        return changes.edit_form(session, team_id, initiative_id)


def save_edit(
    deps: Deps,
    team_id: str,
    user_id: str,
    initiative_id: int,
    form: NewInitiative,
    active: bool,
    people: Mapping[str, Person | None],
) -> Changed:
    """Store the edit modal's changes; FormInvalid if it needs fixing."""
    with deps.db.session() as session:
        return changes.edit(
            session,
            team_id,
            user_id,
            initiative_id,
            form,
            active,
            people,
            deps.clock(),
            deps.ld_team.ld_channel(team_id),
            deps.settings.touchpoint_tz,
        )


def set_open(deps: Deps, team_id: str, user_id: str, name: str, open_: bool) -> Changed:
    with deps.db.session() as session:
        return changes.set_open(session, team_id, user_id, name, open_, deps.clock(), deps.settings.touchpoint_tz)


def retire_measure(deps: Deps, team_id: str, user_id: str, text: str) -> str:
    with deps.db.session() as session:
        return changes.retire_measure(session, team_id, user_id, text, deps.clock())


def announce(out: Outbound, change: Changed, *, tell: bool = True) -> None:
    """After the ack: show closed touchpoints as closed in their DMs (a failure is logged: the touchpoint is closed
    whatever its DM says, and an answer to it is refused), send the kickoffs now due (the pass sends the rest), and
    tell who made the change what was recorded."""
    touchpoint_dms.show_closed(out, change.closed)
    if change.initiative.touchpoint_ids:
        touchpoint_dms.send(out, change.initiative.touchpoint_ids)
    if tell:
        notices.tell(out, change.initiative.opened_by, blocks.changed(change, out.clock()))
