"""What a stakeholder can do from a check-in or review DM besides answering: snooze, skip, or say they're away.
Each is acknowledged at once; its write and the reply to the DM follow on the interactive pool."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.blocks import schedules as schedule_blocks
from bot.blocks import touchpoints as blocks
from bot.errors import TouchpointClosed
from bot.ids import Action
from bot.runtime import Deps
from bot.usecases import touchpoint_actions
from handlers.errors import after_ack
from storage.models import TouchpointStatus


def register(app: App) -> None:
    app.action(Action.SNOOZE)(on_snooze)
    app.action(Action.SKIP)(on_skip)
    app.action(Action.AWAY)(on_away)


def on_snooze(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    touchpoint_id, _, days = str((action.get("selected_option") or {}).get("value") or "").partition(":")
    if not (touchpoint_id.isdigit() and days in ("1", "7")):
        raise TouchpointClosed("That snooze doesn't belong to a touchpoint I know.")

    def snooze() -> None:
        until = touchpoint_actions.snooze(deps, context["team_id"], int(touchpoint_id), body["user"]["id"], int(days))
        message = schedule_blocks.snoozed(until)
        respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    after_ack(deps, body, respond, snooze)


def on_skip(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")

    def skip() -> None:
        skipped = touchpoint_actions.skip(deps, context["team_id"], int(value), body["user"]["id"])
        message = blocks.closed_dm(skipped.item, skipped.current, TouchpointStatus.SKIPPED)
        respond(text=message.text, blocks=message.blocks, replace_original=True)

    after_ack(deps, body, respond, skip)


def on_away(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    touchpoint_id = blocks.read_actions_block_id(action.get("block_id"))
    if touchpoint_id is None:
        raise TouchpointClosed("That date picker doesn't belong to a touchpoint I know.")
    user_id = body["user"]["id"]

    def away() -> None:
        held = touchpoint_actions.away(
            deps, context["team_id"], touchpoint_id, user_id, str(action.get("selected_date") or "")
        )
        message = schedule_blocks.paused(user_id, held.until, held.moved, self_service=True)
        closed = blocks.closed_dm(held.skipped.item, held.skipped.current, TouchpointStatus.SKIPPED)
        respond(text=closed.text, blocks=closed.blocks + message.blocks, replace_original=True)

    after_ack(deps, body, respond, away)
