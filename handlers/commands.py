"""`/touchpoint <subcommand>`: new, list, edit, close, reopen, retire, schedule, upcoming, pause, digest, shifts,
alignment, measures, plan, import (L&D members), export (anyone), and help for anything else."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import Message
from bot.blocks import changes as change_blocks
from bot.blocks import digest as digest_blocks
from bot.blocks import exports as export_blocks
from bot.blocks import initiatives as blocks
from bot.blocks import installs as install_blocks
from bot.blocks import measures as measure_blocks
from bot.blocks import plans as plan_blocks
from bot.blocks import schedules as schedule_blocks
from bot.blocks import shifts as shift_blocks
from bot.errors import UserError
from bot.ids import COMMAND, USER_ID, Action, Subcommand
from bot.runtime import Deps
from bot.services.calendar import parse_day
from bot.usecases import (
    commands,
    digests,
    initiative_changes,
    initiatives,
    measures,
    plans,
    schedules,
    shift_followups,
    workbooks,
)
from handlers.authorization import LdOnly, require_ld_member
from handlers.errors import after_ack


def register(app: App) -> None:
    app.command(COMMAND)(on_command)  # who may use it is declared per subcommand, in ROUTES
    app.action(re.compile(f"^{Action.LIST_PAGE}"), middleware=[LdOnly()])(on_list_page)


@dataclass(frozen=True)
class _Call:
    ack: Ack
    command: dict
    client: WebClient
    respond: Respond
    deps: Deps
    team_id: str
    rest: str  # what follows the subcommand, as typed

    def reply(self, message: Message) -> None:
        self.ack(text=message.text, blocks=message.blocks, response_type="ephemeral")

    def open_modal(self, view) -> None:
        self.ack()
        after_ack(
            self.deps,
            self.command,
            self.respond,
            lambda: self.client.views_open(trigger_id=self.command["trigger_id"], view=view),
        )


def on_command(ack: Ack, command: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    # Slack sends the text with &, < and > escaped; read it as typed (builders escape it again where it is shown).
    subcommand, _, rest = unescape((command.get("text") or "").strip()).partition(" ")
    subcommand = subcommand.lower()
    call = _Call(ack, command, client, respond, deps, context["team_id"], rest.strip())
    route = ROUTES.get(subcommand)
    if route is None:
        return call.reply(blocks.help_message(None if subcommand in ("", Subcommand.HELP) else subcommand))
    if route.ld_only:
        require_ld_member(deps, call.team_id, command.get("user_id", ""))
    route.run(call)


def _new(call: _Call) -> None:
    call.open_modal(blocks.new_initiative_modal(call.deps.ld_team.ld_channel(call.team_id)))


def _list_command(call: _Call) -> None:
    call.reply(_list(call.deps, call.team_id, call.rest))


def _edit(call: _Call) -> None:
    if not call.rest:
        raise UserError(f"Which initiative? For example: `{COMMAND} edit Sales onboarding refresh`")
    editing = initiative_changes.edit_form(call.deps, call.team_id, name=call.rest)
    call.open_modal(blocks.new_initiative_modal(call.deps.ld_team.ld_channel(call.team_id), editing))


def _set_open(open_: bool) -> Callable[[_Call], None]:
    def run(call: _Call) -> None:
        if not call.rest:
            verb = Subcommand.REOPEN if open_ else Subcommand.CLOSE
            raise UserError(f"Which initiative? For example: `{COMMAND} {verb} Sales onboarding refresh`")
        user_id = call.command.get("user_id", "")
        change = initiative_changes.set_open(call.deps, call.team_id, user_id, call.rest, open_)
        call.reply(change_blocks.changed(change, call.deps.clock()))
        call.deps.background.submit(initiative_changes.announce, call.deps.outbound, change, tell=False)

    return run


def _retire(call: _Call) -> None:
    line = initiative_changes.retire_measure(call.deps, call.team_id, call.command.get("user_id", ""), call.rest)
    call.reply(change_blocks.retired(line))


def _upcoming(call: _Call) -> None:
    call.reply(schedule_blocks.upcoming_list(schedules.upcoming(call.deps, call.team_id)))


def _schedule(call: _Call) -> None:
    if not call.rest:
        raise UserError(f"Which initiative? For example: `{COMMAND} schedule Sales onboarding refresh`")
    initiative, schedule = schedules.find(call.deps, call.team_id, call.rest)
    call.open_modal(schedule_blocks.schedule_modal(initiative.id, initiative.name, schedule))


def _digest(call: _Call) -> None:
    deps, user_id = call.deps, call.command.get("user_id", "")
    if call.rest.lower() == "settings":
        when = schedules.digest_time(deps, call.team_id)
        return call.open_modal(digest_blocks.digest_settings_modal(when, deps.ld_team.ld_channel(call.team_id)))
    if call.rest:
        raise UserError(
            f"`{COMMAND} digest` sends you a preview of this week's digest; "
            f"`{COMMAND} digest settings` sets when and where it goes."
        )
    call.ack(text="Putting your preview together…", response_type="ephemeral")
    week = schedules.current_digest_week(deps, call.team_id)

    def preview() -> None:
        message = digest_blocks.preview_sent(digests.preview(deps.outbound, call.team_id, user_id, week))
        call.respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    after_ack(deps, call.command, call.respond, preview)


def _shifts(call: _Call) -> None:
    call.reply(shift_blocks.recent_shifts(shift_followups.recent(call.deps, call.team_id, call.rest)))


def _alignment(call: _Call) -> None:
    call.reply(digest_blocks.alignment_report(commands.alignment_report(call.deps, call.team_id, call.rest)))


def _export(call: _Call) -> None:
    deps, user_id = call.deps, call.command.get("user_id", "")
    scope = commands.export_scope(deps, call.team_id, call.rest, user_id)
    call.ack(
        text=f"Building the workbook of {scope.title}… it will arrive in our DM in a moment.", response_type="ephemeral"
    )

    def export() -> None:
        try:
            workbooks.export_to_dm(deps.outbound, scope, user_id, deps.settings.touchpoint_tz)
        except Exception:
            call.respond(
                text="Sorry, I couldn't deliver the workbook. Please try again in a minute.",
                response_type="ephemeral",
                replace_original=False,
            )
            raise

    deps.background.submit(export)


def _delete(call: _Call) -> None:
    if call.rest.lower() != "my data":
        return call.reply(install_blocks.delete_usage())
    call.open_modal(install_blocks.delete_modal())


def _import(call: _Call) -> None:
    if call.rest.lower() == "template":
        call.ack(text="Sending you the blank import template in our DM…", response_type="ephemeral")
        call.deps.background.submit(workbooks.template_to_dm, call.deps.outbound, call.command.get("user_id", ""))
        return
    call.reply(export_blocks.import_instructions())


def _measures(call: _Call) -> None:
    if not call.rest:
        raise UserError(f"Which initiative? For example: `{COMMAND} measures Sales onboarding refresh`")
    call.open_modal(measure_blocks.measure_modal(measures.form(call.deps, call.team_id, call.rest)))


def _plan(call: _Call) -> None:
    if not call.rest:
        raise UserError(f"Which initiative? For example: `{COMMAND} plan Sales onboarding refresh`")
    call.open_modal(plan_blocks.plan_modal(plans.form_by_name(call.deps, call.team_id, call.rest)))


@dataclass(frozen=True)
class Route:
    run: Callable[[_Call], None]
    ld_only: bool  # True: for L&D members only (NotAllowed for anyone else)


ROUTES: dict[str, Route] = {
    Subcommand.NEW: Route(_new, ld_only=True),
    Subcommand.LIST: Route(_list_command, ld_only=True),
    Subcommand.EDIT: Route(_edit, ld_only=True),
    Subcommand.CLOSE: Route(_set_open(False), ld_only=True),
    Subcommand.REOPEN: Route(_set_open(True), ld_only=True),
    Subcommand.RETIRE: Route(_retire, ld_only=True),
    Subcommand.SCHEDULE: Route(_schedule, ld_only=True),
    Subcommand.UPCOMING: Route(_upcoming, ld_only=True),
    Subcommand.PAUSE: Route(lambda call: call.reply(_pause(call.deps, call.team_id, call.rest)), ld_only=True),
    Subcommand.DIGEST: Route(_digest, ld_only=True),
    Subcommand.SHIFTS: Route(_shifts, ld_only=True),
    Subcommand.ALIGNMENT: Route(_alignment, ld_only=True),
    Subcommand.MEASURES: Route(_measures, ld_only=True),
    Subcommand.PLAN: Route(_plan, ld_only=True),
    Subcommand.IMPORT: Route(_import, ld_only=True),
    Subcommand.EXPORT: Route(_export, ld_only=False),  # anyone may export their own answers
    Subcommand.DELETE: Route(_delete, ld_only=True),
}
_PAUSE = re.compile(rf"^<@({USER_ID})(?:\|[^>]*)?>\s+(?:until\s+)?(\S+)$", re.IGNORECASE)


def _pause(deps: Deps, team_id: str, text: str) -> Message:
    match = _PAUSE.match(text)
    if not match:
        raise UserError(f"Say who and until when, for example: `{COMMAND} pause @sam until 2027-01-15`")
    user_id, until = match.group(1), parse_day(match.group(2), deps.clock())
    moved = schedules.pause(deps, team_id, user_id, until)
    return schedule_blocks.paused(user_id, until, moved, self_service=False)


def on_list_page(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()

    def page() -> None:
        message = _list(deps, context["team_id"], str(action.get("value") or ""))
        respond(text=message.text, blocks=message.blocks, replace_original=True, response_type="ephemeral")

    after_ack(deps, body, respond, page)


def unescape(text: str) -> str:
    """Command text as typed: Slack sends &, < and > as entities (and mentions as <@U…|name>, which stay)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _page(text: object) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _list(deps: Deps, team_id: str, text: str) -> Message:
    """`list [--all] [page]`: the open initiatives, or with --all the closed ones too."""
    words = text.split()
    include_closed = "--all" in words
    page = _page(" ".join(w for w in words if w != "--all"))
    return blocks.initiative_list(initiatives.list_page(deps, team_id, page, include_closed=include_closed))
