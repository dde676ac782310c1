"""The App Home tab: published when it is opened (after the ack, in the background), and the buttons on it.

The tab's Answer / Snooze / Skip buttons are the DM's own and their listeners are the DM's: on the Home there is no
message and no response URL, so `home_tab_responses` gives those listeners a `respond` that shows what they say at
the top of the refreshed Home instead."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import initiatives as initiative_blocks
from bot.blocks import measures as measure_blocks
from bot.blocks import schedules as schedule_blocks
from bot.blocks.common import read_number
from bot.errors import NotAllowed, UserError
from bot.ids import Action, Event
from bot.runtime import Deps
from bot.services import cadence, exporting, measures, touchpoints
from bot.services.calendar import parse_day
from bot.usecases import workbooks
from handlers.errors import after_ack
from storage import home_queries


def register(app: App) -> None:
    app.middleware(home_tab_responses)
    app.event(Event.HOME_OPENED)(on_home_opened)
    app.action(Action.HOME_AWAY)(on_away)
    app.action(Action.HOME_EXPORT_MINE)(on_export_mine)
    app.action(Action.HOME_NEW_INITIATIVE)(on_new_initiative)
    app.action(Action.HOME_SCHEDULE)(on_schedule)
    app.action(Action.HOME_MEASURES)(on_measures)
    app.action(Action.HOME_EXPORT)(on_export)
    app.action(re.compile(f"^{Action.HOME_PAGE}"))(on_page)


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


def on_home_opened(event: dict, context, deps: Deps) -> None:
    if event.get("tab") == "home" and event.get("user"):
        deps.home.opened(context.get("team_id") or "", event["user"])


def on_away(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    user_id, now = body["user"]["id"], deps.clock()
    until = parse_day(str(action.get("selected_date") or ""), now)
    with deps.db.session() as session:
        moved = touchpoints.pause(session, context["team_id"], user_id, until, now, deps.settings.touchpoint_tz)
    deps.home.refresh(
        context["team_id"], [user_id], notice=schedule_blocks.paused(user_id, until, moved, self_service=True).text
    )


def on_export_mine(ack: Ack, body: dict, context, deps: Deps) -> None:
    ack()
    _export(deps, context["team_id"], body["user"]["id"], "mine")


def _export(deps: Deps, team_id: str, user_id: str, what: str) -> None:
    with deps.db.reading() as session:
        scope = exporting.scope_for(
            session, team_id, what, user_id, is_ld_member=deps.ld_team.is_member(team_id, user_id)
        )
    deps.home.refresh(team_id, [user_id], notice=f"Building the workbook of {scope.title}… it arrives in our DM.")
    deps.background.submit(workbooks.export_to_dm, deps.outbound, scope, user_id, deps.settings.touchpoint_tz)


def _ld_member(deps: Deps, body: dict) -> str:
    user_id = body["user"]["id"]
    if not deps.ld_team.is_member((body.get("team") or {}).get("id") or "", user_id):
        raise NotAllowed()
    return user_id


def _initiative_name(deps: Deps, team_id: str, action: dict) -> str:
    initiative_id = read_number(str(action.get("value") or ""))
    name = None
    if initiative_id is not None:
        with deps.db.reading() as session:
            name = home_queries.initiative_name(session, team_id, initiative_id)
    if name is None:
        raise UserError("That initiative is no longer active.")
    return name


def _open(deps: Deps, body: dict, respond: Respond, client: WebClient, view) -> None:
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_new_initiative(ack: Ack, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    _ld_member(deps, body)
    ld_channel = deps.ld_team.ld_channel(context["team_id"])
    _open(deps, body, respond, client, initiative_blocks.new_initiative_modal(ld_channel))


def on_schedule(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    _ld_member(deps, body)
    name = _initiative_name(deps, context["team_id"], action)
    with deps.db.reading() as session:
        initiative, schedule = cadence.find(session, context["team_id"], name)
    _open(deps, body, respond, client, schedule_blocks.schedule_modal(initiative.id, initiative.name, schedule))


def on_measures(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    _ld_member(deps, body)
    name = _initiative_name(deps, context["team_id"], action)
    with deps.db.reading() as session:
        form = measures.form(session, context["team_id"], name)
    _open(deps, body, respond, client, measure_blocks.measure_modal(form))


def on_export(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    user_id = _ld_member(deps, body)
    _export(deps, context["team_id"], user_id, _initiative_name(deps, context["team_id"], action))


def on_page(ack: Ack, action: dict, body: dict, context, deps: Deps) -> None:
    ack()
    user_id = _ld_member(deps, body)
    page = read_number(str(action.get("value") or "")) or 1
    deps.home.show_page(context["team_id"], user_id, min(page, 100_000))
