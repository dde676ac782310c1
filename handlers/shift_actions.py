"""An L&D member taking the follow-up of a stakeholder's priority shifts from the summary channel."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.blocks import shifts as blocks
from bot.errors import UserError
from bot.ids import Action
from bot.runtime import Deps
from bot.usecases import shift_followups
from handlers.authorization import LdOnly
from handlers.errors import after_ack


def register(app: App) -> None:
    only_ld = LdOnly("Only L&D members can take the follow-up of a priority shift.")
    app.action(Action.FOLLOW_UP, middleware=[only_ld])(on_follow_up)


def on_follow_up(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    target = blocks.read_follow_up_value(action.get("value"))
    if target is None:
        raise UserError("That button doesn't belong to a shift I know.")
    team_id, user_id, message_ts = (
        context["team_id"],
        body["user"]["id"],
        (body.get("container") or {}).get("message_ts"),
    )
    after_ack(deps, body, respond, lambda: shift_followups.take(deps, team_id, *target, user_id, message_ts))
