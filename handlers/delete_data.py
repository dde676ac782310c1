"""Confirming `/touchpoint delete my data`: everything the team stored deleted at once (L&D members only)."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import installs as blocks
from bot.blocks.notices import notice_view
from bot.ids import Callback
from bot.runtime import Deps
from bot.usecases import installs
from handlers.authorization import LdOnly


def register(app: App) -> None:
    app.view(Callback.DELETE_DATA, middleware=[LdOnly("Only L&D members can delete the team's data.")])(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    errors = blocks.confirmation_errors(blocks.read_confirmation(view.get("state", {}).get("values", {})))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    installs.delete_now(deps, context["team_id"], body["user"]["id"])
    ack(response_action="update", view=notice_view(blocks.deleted_notice()))
