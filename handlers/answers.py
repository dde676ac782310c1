"""A stakeholder opening the answer modal from their DM, and submitting it."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import answers as blocks
from bot.errors import FormInvalid, TouchpointClosed
from bot.ids import Action, Block, Callback
from bot.runtime import Deps
from bot.usecases import answers
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.OPEN_ANSWER)(on_open)
    app.action(Action.CHANGE_ANSWER)(on_change)
    app.view(Callback.ANSWER)(on_submit)


def on_open(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    value = str(action.get("value") or "")
    team_id, user_id = context["team_id"], body["user"]["id"]

    def open_modal() -> None:
        ctx = answers.to_answer(deps, team_id, value, user_id)
        client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(ctx))

    after_ack(deps, body, respond, open_modal)


def on_change(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    """ "Change my answer" in an answered DM: the answer modal pre-filled, while the touchpoint is open; once it has
    closed, the person is told so and the DM loses the button."""
    ack()
    value = str(action.get("value") or "")
    team_id, user_id = context["team_id"], body["user"]["id"]

    def open_modal() -> None:
        ctx = answers.to_change(deps, team_id, value, user_id, body)
        client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(ctx))

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    touchpoint_id = blocks.read_touchpoint_id(view.get("private_metadata"))
    values = view.get("state", {}).get("values", {})
    texts, readings = blocks.read_answers(values), blocks.read_readings(values)
    try:
        answers.submit(
            deps,
            context["team_id"],
            touchpoint_id,
            body["user"]["id"],
            texts,
            readings,
            blocks.read_judgement(values),
            acknowledge=ack,
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
    except TouchpointClosed as exc:
        first_input = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), Block.IMPACT)
        ack(response_action="errors", errors={first_input: exc.message})
