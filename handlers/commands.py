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
from bot.services import initiatives
from handlers.errors import after_ack


def register(app: App) -> None:
    app.command(COMMAND)(on_command)
    app.action(re.compile(f"^{Action.LIST_PAGE}"))(on_list_page)


def on_command(ack: Ack, command: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    subcommand, _, rest = (command.get("text") or "").strip().partition(" ")
    subcommand = subcommand.lower()
    if subcommand not in (Subcommand.NEW, Subcommand.LIST):
        return _ack_message(ack, blocks.help_message(None if subcommand in ("", Subcommand.HELP) else subcommand))
    if not deps.ld_team.is_member(command.get("user_id", "")):
        return _ack_message(ack, blocks.not_allowed(NotAllowed().message))
    if subcommand == Subcommand.NEW:
        ack()
        modal = blocks.new_initiative_modal(deps.settings.ld_channel_id)
        after_ack(deps, command, respond, lambda: client.views_open(trigger_id=command["trigger_id"], view=modal))
    else:
        _ack_message(ack, _list(deps, context["team_id"], _page(rest)))


def on_list_page(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    if not deps.ld_team.is_member(body["user"]["id"]):
        raise NotAllowed()
    message = _list(deps, context["team_id"], _page(action.get("value")))
    respond(text=message.text, blocks=message.blocks, replace_original=True, response_type="ephemeral")


def _page(text: object) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _list(deps: Deps, team_id: str, page: int) -> Message:
    with deps.db.reading() as session:
        listing = initiatives.list_page(session, team_id, page)
    return blocks.initiative_list(listing)


def _ack_message(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
