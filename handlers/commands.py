"""`/touchpoint <subcommand>`: new, list, schedule, upcoming, pause, digest, shifts, alignment (L&D members), and
help for anything else."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import Message
from bot.blocks import digest as digest_blocks
from bot.blocks import exports as export_blocks
from bot.blocks import initiatives as blocks
from bot.blocks import measures as measure_blocks
from bot.blocks import schedules as schedule_blocks
from bot.blocks import shifts as shift_blocks
from bot.errors import NotAllowed, UserError
from bot.ids import COMMAND, Action, Subcommand
from bot.runtime import Deps
from bot.services import cadence, digest, exporting, initiatives, measures, planning, shifts, touchpoints
from bot.services.calendar import parse_day
from bot.usecases import digests, workbooks
from handlers.errors import after_ack


def register(app: App) -> None:
    app.command(COMMAND)(on_command)
    app.action(re.compile(f"^{Action.LIST_PAGE}"))(on_list_page)


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
    if subcommand == Subcommand.EXPORT:  # anyone may export their own answers; the rest is for L&D members
        return _export(call)
    run = _MANAGING.get(subcommand)
    if run is None:
        return call.reply(blocks.help_message(None if subcommand in ("", Subcommand.HELP) else subcommand))
    if not deps.ld_team.is_member(command.get("user_id", "")):
        return call.reply(blocks.not_allowed(NotAllowed().message))
    run(call)


def _new(call: _Call) -> None:
    call.open_modal(blocks.new_initiative_modal(call.deps.settings.ld_channel_id))


def _list_command(call: _Call) -> None:
    call.reply(_list(call.deps, call.team_id, _page(call.rest)))


def _upcoming(call: _Call) -> None:
    with call.deps.db.reading() as session:
        rows = planning.upcoming(session, call.team_id, call.deps.settings.touchpoint_tz)
    call.reply(schedule_blocks.upcoming_list(rows))


def _schedule(call: _Call) -> None:
    if not call.rest:
        raise UserError("Which initiative? For example: `/touchpoint schedule Sales onboarding refresh`")
    with call.deps.db.reading() as session:
        initiative, schedule = cadence.find(session, call.team_id, call.rest)
    call.open_modal(schedule_blocks.schedule_modal(initiative.id, initiative.name, schedule))


def _digest(call: _Call) -> None:
    deps, user_id = call.deps, call.command.get("user_id", "")
    with deps.db.reading() as session:
        when = digest.digest_time(session, call.team_id)
    if call.rest.lower() == "settings":
        return call.open_modal(digest_blocks.digest_settings_modal(when, deps.settings.ld_channel_id))
    if call.rest:
        raise UserError(
            "`/touchpoint digest` sends you a preview of this week's digest; "
            "`/touchpoint digest settings` sets when and where it goes."
        )
    call.ack(text="Putting your preview together…", response_type="ephemeral")
    week = digest.current_week(deps.clock(), when, deps.settings.touchpoint_tz)

    def preview() -> None:
        message = digest_blocks.preview_sent(digests.preview(deps.outbound, call.team_id, user_id, week))
        call.respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    after_ack(deps, call.command, call.respond, preview)


def _shifts(call: _Call) -> None:
    with call.deps.db.reading() as session:
        found = shifts.recent(session, call.team_id, call.rest, call.deps.clock())
    call.reply(shift_blocks.recent_shifts(found))


def _alignment(call: _Call) -> None:
    deps = call.deps
    with deps.db.reading() as session:
        when = digest.digest_time(session, call.team_id)
        week = digest.current_week(deps.clock(), when, deps.settings.touchpoint_tz)
        report = digest.alignment_report(session, call.team_id, call.rest, deps.clock(), week)
    call.reply(digest_blocks.alignment_report(report))


def _export(call: _Call) -> None:
    deps, user_id = call.deps, call.command.get("user_id", "")
    with deps.db.reading() as session:
        scope = exporting.scope_for(
            session, call.team_id, call.rest, user_id, is_ld_member=deps.ld_team.is_member(user_id)
        )
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


def _import(call: _Call) -> None:
    if call.rest.lower() == "template":
        call.ack(text="Sending you the blank import template in our DM…", response_type="ephemeral")
        call.deps.background.submit(workbooks.template_to_dm, call.deps.outbound, call.command.get("user_id", ""))
        return
    call.reply(export_blocks.import_instructions())


def _measures(call: _Call) -> None:
    if not call.rest:
        raise UserError("Which initiative? For example: `/touchpoint measures Sales onboarding refresh`")
    with call.deps.db.reading() as session:
        form = measures.form(session, call.team_id, call.rest)
    call.open_modal(measure_blocks.measure_modal(form))


_MANAGING: dict[str, Callable[[_Call], None]] = {
    Subcommand.NEW: _new,
    Subcommand.LIST: _list_command,
    Subcommand.SCHEDULE: _schedule,
    Subcommand.UPCOMING: _upcoming,
    Subcommand.PAUSE: lambda call: call.reply(_pause(call.deps, call.team_id, call.rest)),
    Subcommand.DIGEST: _digest,
    Subcommand.SHIFTS: _shifts,
    Subcommand.ALIGNMENT: _alignment,
    Subcommand.MEASURES: _measures,
    Subcommand.IMPORT: _import,
}
_PAUSE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s+(?:until\s+)?(\S+)$", re.IGNORECASE)


def _pause(deps: Deps, team_id: str, text: str) -> Message:
    match = _PAUSE.match(text)
    if not match:
        raise UserError("Say who and until when, for example: `/touchpoint pause @sam until 2027-01-15`")
    user_id, until = match.group(1), parse_day(match.group(2), deps.clock())
    with deps.db.session() as session:
        moved = touchpoints.pause(session, team_id, user_id, until, deps.clock(), deps.settings.touchpoint_tz)
    return schedule_blocks.paused(user_id, until, moved, self_service=False)


def on_list_page(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    if not deps.ld_team.is_member(body["user"]["id"]):
        raise NotAllowed()
    message = _list(deps, context["team_id"], _page(action.get("value")))
    respond(text=message.text, blocks=message.blocks, replace_original=True, response_type="ephemeral")


def unescape(text: str) -> str:
    """Command text as typed: Slack sends &, < and > as entities (and mentions as <@U…|name>, which stay)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _page(text: object) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _list(deps: Deps, team_id: str, page: int) -> Message:
    with deps.db.reading() as session:
        listing = initiatives.list_page(session, team_id, page)
    return blocks.initiative_list(listing)
