"""Calibration sessions: "Record the session" (in the pack, and on the L&D Home) opens the modal; submitting it
validates inline and stores the session; "Send the outcome to stakeholders" queues their DMs, once each."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.blocks import calibration as blocks
from bot.blocks.common import read_number
from bot.errors import FormInvalid
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import calibration
from handlers.authorization import LdOnly
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.RECORD_CALIBRATION, middleware=[LdOnly()])(on_record)
    app.view(Callback.CALIBRATION_SESSION, middleware=[LdOnly()])(on_submit)
    app.action(Action.CALIBRATION_OUTCOME, middleware=[LdOnly()])(on_send_outcome)


def on_record(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    form = calibration.record_form(deps, context["team_id"], read_number(str(action.get("value") or "")))
    view = blocks.record_modal(form)
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    form = blocks.read_record(view.get("state", {}).get("values", {}))
    try:
        recorded = calibration.record(deps, context["team_id"], initiative_id, body["user"]["id"], form)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=recorded)
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows


def on_send_outcome(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    session_id = read_number(str(action.get("value") or ""))
    user_id = body["user"]["id"]
    after_ack(deps, body, respond, lambda: calibration.send_outcome(deps, context["team_id"], session_id, user_id))
