"""Editing an initiative: the Home tab's "Edit" button opens the edit modal (the new-initiative modal pre-filled);
submitting it validates inline, stores every change with its change-log rows in one transaction, then (after the
ack) sends the kickoffs of stakeholders added, shows closed touchpoints as closed and tells the L&D member."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import initiatives as blocks
from bot.blocks.common import read_number
from bot.errors import FormInvalid, UserError
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import initiative_changes
from handlers.authorization import LdOnly
from handlers.errors import after_ack
from handlers.new_initiative import PROFILE_BUDGET_SECONDS


def register(app: App) -> None:
    app.action(Action.HOME_EDIT, middleware=[LdOnly()])(on_edit_button)
    app.view(Callback.EDIT_INITIATIVE, middleware=[LdOnly()])(on_submit)


def on_edit_button(
    ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps
) -> None:
    ack()
    initiative_id = read_number(str(action.get("value") or ""))
    if initiative_id is None:
        raise UserError("That initiative no longer exists.")
    editing = initiative_changes.edit_form(deps, context["team_id"], initiative_id=initiative_id)
    view = blocks.new_initiative_modal(deps.ld_team.ld_channel(context["team_id"]), editing)

    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=view)

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    values = view.get("state", {}).get("values", {})
    form, active = blocks.read_new_initiative(values), blocks.read_status(values)
    initiative_id = read_number(str(view.get("private_metadata") or ""))
    if initiative_id is None:
        raise UserError("That initiative no longer exists.")
    people = deps.slack_now.profiles(form.stakeholder_ids, PROFILE_BUDGET_SECONDS)
    try:
        change = initiative_changes.save_edit(
            deps, context["team_id"], body["user"]["id"], initiative_id, form, active, people
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()
    deps.background.submit(initiative_changes.announce, deps.outbound, change)
