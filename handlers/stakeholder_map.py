"""The stakeholder map: the Home tab's "Map" button opens the modal; submitting it validates inline and saves it."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.blocks import stakeholder_map as blocks
from bot.blocks.common import read_number
from bot.blocks.notices import refusal_view
from bot.errors import FormInvalid, UserError
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import stakeholder_map
from handlers.authorization import LdOnly
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.HOME_MAP, middleware=[LdOnly()])(on_map_button)
    app.view(Callback.STAKEHOLDER_MAP, middleware=[LdOnly()])(on_submit)


def on_map_button(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    form = stakeholder_map.form(deps, context["team_id"], read_number(str(action.get("value") or "")))
    view = blocks.map_modal(form)

    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=view)

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    if initiative_id is None:
        raise UserError("This form doesn't belong to an initiative I know.")
    chosen = blocks.read_map(view.get("state", {}).get("values", {}))
    try:
        name, lines = stakeholder_map.save(deps, context["team_id"], body["user"]["id"], initiative_id, chosen)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=refusal_view(blocks.saved_text(name, lines)))
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows
