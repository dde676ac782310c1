"""Submitting the digest settings modal: day, time and channel of the weekly digest."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import digest as blocks
from bot.blocks.notices import notice_view
from bot.errors import FormInvalid
from bot.ids import Callback
from bot.runtime import Deps
from bot.usecases import schedules
from handlers.authorization import LdOnly


def register(app: App) -> None:
    app.view(Callback.DIGEST_SETTINGS, middleware=[LdOnly()])(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    weekday, send_time, channel_id = blocks.read_digest_settings(view.get("state", {}).get("values", {}))
    try:
        when = schedules.save_digest_time(deps, context["team_id"], body["user"]["id"], weekday, send_time, channel_id)
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack(response_action="update", view=notice_view(blocks.digest_settings_saved(when).text))
