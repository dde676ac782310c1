"""A stakeholder answering their planning touchpoint (the business calendar) from its DM, in a modal. Open to anyone
in Slack's eyes: the use case checks that the person is the one it was sent to."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import business_calendar as blocks
from bot.blocks.common import read_number
from bot.errors import FormInvalid
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import business_calendar
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.PLANNING_ANSWER)(on_open)
    app.view(Callback.PLANNING)(on_submit)


def on_open(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    ask_id = read_number(action.get("value") or "")
    view = blocks.planning_modal(business_calendar.form(deps, context["team_id"], ask_id, body["user"]["id"]))
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    ask_id = blocks.read_ask_id(view.get("private_metadata"))
    values = blocks.read_planning(view.get("state", {}).get("values", {}))
    try:
        business_calendar.answer(
            deps,
            context["team_id"],
            ask_id,
            body["user"]["id"],
            values,
            acknowledge=lambda notice: ack(response_action="update", view=notice),
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
