"""A measure's owner agreeing it from their DM ("Yes, that's right"), or correcting it in a modal. Open to anyone
in Slack's eyes: the use case checks that the person is the measure's owner."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import agreement as blocks
from bot.blocks.common import read_number
from bot.errors import FormInvalid
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import measure_agreement
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.MEASURE_AGREE)(on_agree)
    app.action(Action.MEASURE_CORRECT)(on_correct)
    app.view(Callback.MEASURE_CORRECTION)(on_correction_submit)


def on_agree(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    measure_id = read_number(action.get("value") or "")
    container = body.get("container") or {}
    clicked = (container.get("channel_id"), container.get("message_ts"))
    after_ack(
        deps,
        body,
        respond,
        lambda: measure_agreement.agree(deps, context["team_id"], measure_id, body["user"]["id"], clicked),
    )


def on_correct(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    measure_id = read_number(action.get("value") or "")
    view = blocks.correction_modal(
        measure_agreement.correction_form(deps, context["team_id"], measure_id, body["user"]["id"])
    )
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_correction_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    measure_id = blocks.read_measure_id(view.get("private_metadata"))
    values = blocks.read_correction(view.get("state", {}).get("values", {}))
    try:
        measure_agreement.correct(
            deps,
            context["team_id"],
            measure_id,
            body["user"]["id"],
            values,
            acknowledge=lambda notice: ack(response_action="update", view=notice),
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
