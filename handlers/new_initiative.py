"""Submitting the "new initiative" modal: validate inline, store in one transaction, then DM the stakeholders who
are in working hours (the pass asks the others at a sensible hour of their day) and tell the opener when."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.blocks import initiatives as blocks
from bot.errors import FormInvalid
from bot.ids import Callback, Shortcut
from bot.runtime import Deps
from bot.usecases import initiatives, touchpoint_dms
from handlers.authorization import LdOnly
from handlers.errors import after_ack

# users.info for the chosen stakeholders must finish well inside Slack's 3 seconds.
PROFILE_BUDGET_SECONDS = 1.5


def register(app: App) -> None:
    app.view(Callback.NEW_INITIATIVE, middleware=[LdOnly()])(on_submit)
    app.shortcut(Shortcut.NEW_INITIATIVE, middleware=[LdOnly()])(on_shortcut)


def on_shortcut(ack: Ack, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    """The "New initiative" global shortcut: the modal of `/touchpoint new`."""
    ack()
    view = blocks.new_initiative_modal(deps.ld_team.ld_channel(context["team_id"]))

    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=view)

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    form = blocks.read_new_initiative(view.get("state", {}).get("values", {}))
    people = deps.slack_now.profiles(form.stakeholder_ids, PROFILE_BUDGET_SECONDS)
    try:
        created = initiatives.open_initiative(deps, context["team_id"], body["user"]["id"], form, people)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack()
    deps.background.submit(touchpoint_dms.open_initiative, deps.outbound, created)
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows
