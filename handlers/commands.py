"""`/touchpoint <subcommand>`: new, list, help (and help for anything else)."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import Message
from bot.blocks import initiatives as blocks
from bot.errors import NotAllowed
from bot.ids import COMMAND, Action, Subcommand
from bot.runtime import Deps
from bot.blocks import schedules as schedule_blocks
from bot.errors import UserError
from bot.services import cadence, initiatives, planning, touchpoints
from bot.services.calendar import parse_day
from handlers.errors import after_ack


def register(app: App) -> None:
    app.command(COMMAND)(on_command)
    app.action(re.compile(f"^{Action.LIST_PAGE}"))(on_list_page)


_MANAGING = (Subcommand.NEW, Subcommand.LIST, Subcommand.SCHEDULE, Subcommand.UPCOMING, Subcommand.PAUSE)
_PAUSE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s+(?:until\s+)?(\S+)$", re.IGNORECASE)


def on_command(ack: Ack, command: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    subcommand, _, rest = (command.get("text") or "").strip().partition(" ")
    subcommand, rest, team_id = subcommand.lower(), unescape(rest.strip()), context["team_id"]
    if subcommand not in _MANAGING:
        return _ack_message(ack, blocks.help_message(None if subcommand in ("", Subcommand.HELP) else subcommand))
    if not deps.ld_team.is_member(command.get("user_id", "")):
        return _ack_message(ack, blocks.not_allowed(NotAllowed().message))
    if subcommand == Subcommand.NEW:
        ack()
        modal = blocks.new_initiative_modal(deps.settings.ld_channel_id)
        after_ack(deps, command, respond, lambda: client.views_open(trigger_id=command["trigger_id"], view=modal))
    elif subcommand == Subcommand.LIST:
        _ack_message(ack, _list(deps, team_id, _page(rest)))
    elif subcommand == Subcommand.UPCOMING:
        with deps.db.reading() as session:
            rows = planning.upcoming(session, team_id, deps.settings.touchpoint_tz)
        _ack_message(ack, schedule_blocks.upcoming_list(rows))
    elif subcommand == Subcommand.SCHEDULE:
        if not rest:
            raise UserError("Which initiative? For example: `/touchpoint schedule Sales onboarding refresh`")
        with deps.db.reading() as session:
            initiative, schedule = cadence.find(session, team_id, rest)
        ack()
        modal = schedule_blocks.schedule_modal(initiative.id, initiative.name, schedule)
        after_ack(deps, command, respond, lambda: client.views_open(trigger_id=command["trigger_id"], view=modal))
    else:
        _ack_message(ack, _pause(deps, team_id, rest))


def _pause(deps: Deps, team_id: str, text: str) -> Message:
    match = _PAUSE.match(text)
    if not match:
        raise UserError("Say who and until when, for example: `/touchpoint pause @sam until 2027-01-15`")
    user_id, until = match.group(1), parse_day(match.group(2), deps.clock())
    with deps.db.session() as session:
        moved = touchpoints.pause(session, team_id, user_id, until, deps.clock())
    return schedule_blocks.paused(user_id, until, moved, self_service=False)


def on_list_page(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    if not deps.ld_team.is_member(body["user"]["id"]):
        raise NotAllowed()
    message = _list(deps, context["team_id"], _page(action.get("value")))
    respond(text=message.text, blocks=message.blocks, replace_original=True, response_type="ephemeral")


def unescape(text: str) -> str:
    """Slack escapes &, < and > in command text (it also escapes mentions, which we read as <@U…|name>)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") if "<@" not in text else text


def _page(text: object) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _list(deps: Deps, team_id: str, page: int) -> Message:
    with deps.db.reading() as session:
        listing = initiatives.list_page(session, team_id, page)
    return blocks.initiative_list(listing)


def _ack_message(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
