"""The App Home tab: published when it is opened (after the ack, in the background), and the buttons on it.

The tab's Answer / Snooze / Skip buttons are the DM's own and their listeners are the DM's: on the Home there is no
message and no response URL, so `home_tab_responses` gives those listeners a `respond` that shows what they say at
the top of the refreshed Home instead. A stakeholder's buttons are open to everyone (each use case checks the
person's own rows); the L&D team's are declared L&D-only where they are registered."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks import answers as answer_blocks
from bot.blocks import initiatives as initiative_blocks
from bot.blocks import measures as measure_blocks
from bot.blocks import schedules as schedule_blocks
from bot.blocks.common import read_number
from bot.ids import Action, Event
from bot.runtime import Deps
from bot.services.calendar import parse_day
from bot.usecases import home
from handlers.authorization import LdOnly
from handlers.errors import after_ack

PAGES_MAX = 100_000


def register(app: App) -> None:
    app.middleware(home_tab_responses)
    app.event(Event.HOME_OPENED)(on_home_opened)
    app.action(Action.HOME_AWAY)(on_away)
    app.action(Action.HOME_EXPORT_MINE)(on_export_mine)
    app.action(Action.HOME_REVISE)(on_revise)
    app.action(Action.HOME_NEW_INITIATIVE, middleware=[LdOnly()])(on_new_initiative)
    app.action(Action.HOME_SCHEDULE, middleware=[LdOnly()])(on_schedule)
    app.action(Action.HOME_MEASURES, middleware=[LdOnly()])(on_measures)
    app.action(Action.HOME_EXPORT, middleware=[LdOnly()])(on_export)
    app.action(re.compile(f"^{Action.HOME_PAGE}"), middleware=[LdOnly()])(on_page)


def on_home_tab(body: dict) -> bool:
    container, view = body.get("container") or {}, body.get("view") or {}
    return body.get("type") == "block_actions" and container.get("type") == "view" and view.get("type") == "home"


def home_tab_responses(body: dict, context, next, deps: Deps):
    if on_home_tab(body):
        team_id, user_id = context.get("team_id") or "", (body.get("user") or {}).get("id") or ""

        def respond(text: str = "", **_ignored) -> None:
            deps.home.refresh(team_id, [user_id], notice=text or None)

        context["respond"] = respond
    return next()


def _initiative_id(action: dict) -> int | None:
    return read_number(str(action.get("value") or ""))


def _open(deps: Deps, body: dict, respond: Respond, client: WebClient, view: View) -> None:
    def open_modal() -> None:
        client.views_open(trigger_id=body["trigger_id"], view=view)

    after_ack(deps, body, respond, open_modal)


def on_home_opened(event: dict, context, deps: Deps) -> None:
    if event.get("tab") == "home" and event.get("user"):
        home.opened(deps, context.get("team_id") or "", event["user"])


def on_away(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    until = parse_day(str(action.get("selected_date") or ""), deps.clock())
    home.go_away(deps, context["team_id"], body["user"]["id"], until)


def on_export_mine(ack: Ack, body: dict, context, deps: Deps) -> None:
    ack()
    home.export_mine(deps, context["team_id"], body["user"]["id"])


def on_revise(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    ctx = home.revision_form(deps, context["team_id"], body["user"]["id"], _initiative_id(action))
    _open(deps, body, respond, client, answer_blocks.answer_modal(ctx))


def on_new_initiative(ack: Ack, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    _open(
        deps, body, respond, client, initiative_blocks.new_initiative_modal(deps.ld_team.ld_channel(context["team_id"]))
    )


def on_schedule(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    initiative, schedule = home.schedule_form(deps, context["team_id"], _initiative_id(action))
    _open(deps, body, respond, client, schedule_blocks.schedule_modal(initiative.id, initiative.name, schedule))


def on_measures(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    form = home.measure_form(deps, context["team_id"], _initiative_id(action))
    _open(deps, body, respond, client, measure_blocks.measure_modal(form))


def on_export(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    home.export_initiative(deps, context["team_id"], body["user"]["id"], _initiative_id(action))


def on_page(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    page = read_number(str(action.get("value") or "")) or 1
    home.show_page(deps, context["team_id"], body["user"]["id"], min(page, PAGES_MAX))
