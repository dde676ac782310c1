"""Submitting the digest settings modal: day, time and channel of the weekly digest."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import digest as blocks
from bot.blocks.common import state_of, state_text
from bot.blocks.initiatives import notice_view, refusal_view
from bot.errors import FormInvalid, NotAllowed
from bot.ids import Block, Callback
from bot.runtime import Deps
from bot.services import digest


def register(app: App) -> None:
    app.view(Callback.DIGEST_SETTINGS)(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    user_id = body["user"]["id"]
    if not deps.ld_team.is_member(user_id):
        return ack(response_action="update", view=refusal_view(NotAllowed().message))
    values = view.get("state", {}).get("values", {})
    send_time = state_of(values, Block.DIGEST_TIME).get("selected_time")
    channel_id = state_of(values, Block.DIGEST_CHANNEL).get("selected_channel")
    try:
        with deps.db.session() as session:
            when = digest.save_time(
                session,
                context["team_id"],
                user_id,
                state_text(values, Block.DIGEST_WEEKDAY),
                send_time if isinstance(send_time, str) else "",
                channel_id if isinstance(channel_id, str) else "",
                deps.clock(),
            )
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=notice_view(blocks.digest_settings_saved(when).text))
