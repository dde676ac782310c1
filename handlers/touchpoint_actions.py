"""What a stakeholder can do from a check-in or review DM besides answering: snooze, skip, or say they're away."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.blocks import schedules as schedule_blocks
from bot.blocks import touchpoints as blocks
from bot.errors import TouchpointClosed
from bot.ids import Action
from bot.runtime import Deps
from bot.services import open_touchpoints, pauses, touchpoints
from bot.services.calendar import parse_day
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
    with deps.db.session() as session:
        _, until = open_touchpoints.snooze(
            session,
            context["team_id"],
            int(touchpoint_id),
            body["user"]["id"],
            int(days),
            deps.clock(),
            deps.settings.touchpoint_tz,
        )
    message = schedule_blocks.snoozed(until)
    respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)


def on_skip(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise TouchpointClosed("That button doesn't belong to a touchpoint I know.")
    with deps.db.session() as session:
        item = open_touchpoints.skip(session, context["team_id"], int(value), body["user"]["id"])
        current = touchpoints.bundle(session, item.touchpoint_id)
    message = blocks.closed_dm(item, current, TouchpointStatus.SKIPPED)
    respond(text=message.text, blocks=message.blocks, replace_original=True)


def on_away(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    touchpoint_id = blocks.read_actions_block_id(action.get("block_id"))
    if touchpoint_id is None:
        raise TouchpointClosed("That date picker doesn't belong to a touchpoint I know.")
    user_id, now = body["user"]["id"], deps.clock()
    until = parse_day(str(action.get("selected_date") or ""), now)
    with deps.db.session() as session:
        item = open_touchpoints.skip(session, context["team_id"], touchpoint_id, user_id)
        moved = pauses.pause(session, context["team_id"], user_id, until, now, deps.settings.touchpoint_tz)
        current = touchpoints.bundle(session, item.touchpoint_id)
    message = schedule_blocks.paused(user_id, until, moved, self_service=True)
    closed = blocks.closed_dm(item, current, TouchpointStatus.SKIPPED)
    respond(text=closed.text, blocks=closed.blocks + message.blocks, replace_original=True)
