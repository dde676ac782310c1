"""Slack saying the app is gone from a workspace (app_uninstalled, tokens_revoked): nothing more is done for it."""

from __future__ import annotations

from slack_bolt import App

from bot.ids import Event
from bot.runtime import Deps
from bot.usecases import installs


def register(app: App) -> None:
    app.event(Event.APP_UNINSTALLED)(on_removed)
    app.event(Event.TOKENS_REVOKED)(on_removed)


def on_removed(context, deps: Deps) -> None:
    installs.removed(deps, context.get("team_id") or "")
