"""An L&D member taking the follow-up of a stakeholder's priority shifts from the summary channel."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot.blocks import shifts as blocks
from bot.errors import NotAllowed, UserError
from bot.ids import Action
from bot.runtime import Deps
from bot.services import shifts
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.FOLLOW_UP)(on_follow_up)


def on_follow_up(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    user_id = body["user"]["id"]
    if not deps.ld_team.is_member(user_id):
        raise NotAllowed("Only L&D members can take the follow-up of a priority shift.")
    target = blocks.read_follow_up_value(action.get("value"))
    if target is None:
        raise UserError("That button doesn't belong to a shift I know.")

    def take() -> None:
        with deps.db.session() as session:
            view = shifts.follow_up(session, context["team_id"], *target, user_id, deps.clock())
        message = blocks.shift_summary(view)
        # The message itself shows who took it, for everyone in the channel (the first click keeps it).
        deps.slack.update(
            view.channel_id, view.message_ts or body["container"]["message_ts"], message.text, message.blocks
        )
        deps.home.after_activity(context["team_id"], [])  # the L&D members' open Homes

    after_ack(deps, body, respond, take)
