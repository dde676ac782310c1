"""The Home tab's "Team settings" button and its modal: the L&D channel, the L&D members, the weekly digest."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import team_settings as blocks
from bot.blocks.notices import notice_view
from bot.errors import FormInvalid
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import team_settings
from handlers.authorization import LdOnly
from handlers.errors import after_ack

ONLY_LD = "Sorry, only the L&D team can change the team settings."


def register(app: App) -> None:
    app.action(Action.HOME_TEAM_SETTINGS, middleware=[LdOnly(ONLY_LD)])(on_open)
    app.view(Callback.TEAM_SETTINGS, middleware=[LdOnly(ONLY_LD)])(on_submit)


def on_open(ack: Ack, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    current, when = team_settings.current(deps, context["team_id"])
    view = blocks.team_settings_modal(current, when)

    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=view)

    after_ack(deps, body, respond, open_modal)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    team_id, user_id = context["team_id"], body["user"]["id"]
    form = blocks.read_team_settings(view.get("state", {}).get("values", {}))
    try:
        saved, when = team_settings.save(deps, team_id, user_id, form)
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    message = blocks.team_settings_saved(saved, when)
    ack(response_action="update", view=notice_view(message.text))
    deps.home.refresh(team_id, [user_id], notice=message.text)
