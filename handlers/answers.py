"""A stakeholder opening the answer modal from their DM, and submitting it."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import touchpoints as blocks
from bot.errors import TouchpointClosed
from bot.ids import Action, Block, Callback
from bot.runtime import Deps
from bot.services import answers
from bot.services.initiatives import FormInvalid


def register(app: App) -> None:
    app.action(Action.OPEN_ANSWER)(on_open)
    app.view(Callback.ANSWER)(on_submit)


def on_open(ack: Ack, action: dict, body: dict, client: WebClient, context, deps: Deps) -> None:
    ack()
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")
    with deps.db.session() as session:
        ctx = answers.for_answering(session, context["team_id"], int(value), body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(ctx))


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    touchpoint_id = blocks.read_touchpoint_id(view.get("private_metadata"))
    texts = blocks.read_answers(view.get("state", {}).get("values", {}))
    try:
        if touchpoint_id is None:
            raise TouchpointClosed("This form doesn't belong to a touchpoint I know.")
        with deps.db.session() as session:
            recorded = answers.record(session, context["team_id"], touchpoint_id, body["user"]["id"], texts, deps.clock())
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    except TouchpointClosed as exc:
        return ack(response_action="errors", errors={Block.IMPACT: exc.message})
    ack()
    deps.background.submit(deps.delivery.publish_answers, recorded)
