"""A stakeholder opening the answer modal from their DM, and submitting it."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import answers as blocks
from bot.errors import FormInvalid, TouchpointClosed
from bot.ids import Action, Block, Callback
from bot.runtime import Deps
from bot.services import answer_outbox, answers
from bot.usecases import answer_posts
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
        if not value.isdigit():
            raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")
        with deps.db.reading() as session:
            ctx = answers.for_answering(session, team_id, int(value), user_id, deps.clock())
        client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(ctx))

    after_ack(deps, body, respond, open_modal)


def on_change(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    """ "Change my answer" in an answered DM: the answer modal pre-filled, while the touchpoint is open; once it has
    closed, the person is told so and the DM loses the button."""
    ack()
    value = str(action.get("value") or "")
    team_id, user_id = context["team_id"], body["user"]["id"]

    def open_modal() -> None:
        try:
            if not value.isdigit():
                raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")
            with deps.db.reading() as session:
                ctx = answers.for_answering(session, team_id, int(value), user_id, deps.clock())
        except TouchpointClosed:
            answer_posts.drop_change_button(deps.slack_now, body)
            raise
        client.views_open(trigger_id=body["trigger_id"], view=blocks.answer_modal(ctx))

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    touchpoint_id = blocks.read_touchpoint_id(view.get("private_metadata"))
    values = view.get("state", {}).get("values", {})
    texts, readings = blocks.read_answers(values), blocks.read_readings(values)
    try:
        if touchpoint_id is None:
            raise TouchpointClosed("This form doesn't belong to a touchpoint I know.")
        recorded = answers.submit(
            deps.db,
            context["team_id"],
            touchpoint_id,
            body["user"]["id"],
            texts,
            deps.clock(),
            deps.settings.touchpoint_tz,
            readings,
            blocks.read_judgement(values),
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    except TouchpointClosed as exc:
        first_input = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), Block.IMPACT)
        ack(response_action="errors", errors={first_input: exc.message})
        return
    ack()
    if recorded is None:  # a correction that changed nothing (or the same one again): nothing to post
        return
    # The post is stored with the answers: if this process stops before making it, the scheduling pass does.
    post = [answer_outbox.outgoing(recorded)]
    fresh_for = timedelta(seconds=deps.settings.touchpoint_sending_lease_seconds / 2)
    deps.background.submit(
        answer_posts.publish,
        deps.outbound,
        post,
        fresh_for=fresh_for,
        hand_back=lambda: answer_posts.hand_back(deps.outbound, post),
    )
    deps.home.after_activity(context["team_id"], [body["user"]["id"]])
