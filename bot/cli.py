"""The `touchpoint` command: serve (the default), migrate, tick, clock, demo, export, template and import."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.logs import configure_from_environment
from bot.settings import SettingsError, load_settings
from storage.db import Database, DatabaseUnavailable

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2


def open_database(url: str) -> Database:
    """The database, migrated to the current schema; a SettingsError naming DATABASE_URL if it cannot be used."""
    try:
        db = Database(url)
        db.migrate()
    except DatabaseUnavailable as exc:
        raise SettingsError("DATABASE_URL", str(exc)) from None
    return db


def _serve(_: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.server import serve
    from bot.slack.pacing import SharedPacing
    from bot.usecases import installs

    settings = load_settings()
    db = open_database(settings.database_url)
    try:
        touchpoint = create_app(settings, db=db, pacing=SharedPacing(db))
    except SlackApiError as exc:
        raise SettingsError(
            "SLACK_BOT_TOKEN", f"Slack did not accept the token ({exc.response.get('error')})"
        ) from None
    except (SlackClientError, OSError) as exc:
        raise SettingsError("SLACK_API_URL", f"cannot reach {settings.slack_api_url} ({type(exc).__name__})") from None
    if not settings.installs:
        installs.token_works_again(touchpoint.deps.outbound)
    serve(touchpoint)
    return 0


def _migrate(_: argparse.Namespace) -> int:
    settings = load_settings()
    open_database(settings.database_url).dispose()
    print("the database schema is current")
    return 0


def _pass_runner(settings, db: Database):
    """One scheduling pass, as `touchpoint tick` and the clock run it."""
    from datetime import timedelta

    from bot.access import LdTeam
    from bot.app import home_tabs, patient_gateway
    from bot.jobs import BackgroundJobs
    from bot.oauth import installs
    from bot.services.team_settings import TeamDefaults
    from bot.slack.pacing import SharedPacing
    from bot.usecases import installs as install_usecases
    from bot.usecases.outbound import Outbound
    from schedules.touchpoint_pass import PassSettings, run_team_passes, run_workspace_pass
    from storage.types import utcnow

    found = installs(settings, db, pacing=SharedPacing(db)) if settings.installs else None
    slack = patient_gateway(settings, pacing=SharedPacing(db), found=found)  # Slack's limits are the workspace's
    out = Outbound(db, slack, utcnow, settings.touchpoint_tz)
    defaults = TeamDefaults(settings.ld_channel_id, settings.ld_admin_user_ids, settings.ld_usergroup_id)
    ld_team = LdTeam(db, defaults, slack)
    # The clock publishes the L&D members' Homes on the pass's own thread: the pool is never used.
    homes = home_tabs(settings, db, slack, BackgroundJobs(workers=1), ld_team, utcnow)
    pass_settings = PassSettings(
        default_tz=settings.touchpoint_tz,
        grace=timedelta(hours=settings.touchpoint_grace_hours),
        lease=timedelta(seconds=settings.touchpoint_sending_lease_seconds),
        ld_channel_id=settings.ld_channel_id,
    )
    if found is None:
        install_usecases.token_works_again(out)
        return lambda: run_workspace_pass(out, pass_settings, homes)
    return lambda: merged(run_team_passes(out, pass_settings, homes).values())


def merged(reports):
    """One report of the passes of every team (what `touchpoint tick` prints)."""
    from dataclasses import fields

    from schedules.touchpoint_pass import PassReport

    total = PassReport()
    for report in reports:
        for f in fields(PassReport):
            setattr(total, f.name, getattr(total, f.name) + getattr(report, f.name))
    return total


def _tick(_: argparse.Namespace) -> int:
    settings = load_settings()
    report = _pass_runner(settings, open_database(settings.database_url))()
    print(
        f"planned {report.planned}, sent {report.sent}, failed {report.failed}, recovered {report.recovered}, "
        f"reminded {report.reminded}, missed {report.missed}, shift summaries {report.summaries}, "
        f"digests {report.digests}, answer summaries {report.answers}, L&D Homes {report.homes}"
    )
    return 1 if report.errors else 0


def _clock(_: argparse.Namespace) -> int:
    from datetime import timedelta

    from schedules.clock import run_clock

    settings = load_settings()
    db = open_database(settings.database_url)
    if settings.touchpoint_metrics_port is not None:
        _serve_clock_metrics(settings.touchpoint_metrics_port, settings.touchpoint_pass_seconds, db)
    run_clock(_pass_runner(settings, db), timedelta(seconds=settings.touchpoint_pass_seconds))
    return 0


def _serve_clock_metrics(port: int, every_seconds: int, db: Database) -> None:
    """GET /metrics and /healthz of the clock process, on their own port, from a thread of their own."""
    from bot import metrics
    from storage.types import utcnow

    metrics.watch_database(db, utcnow)
    metrics.serve_health(port, metrics.clock_app(every_seconds), "clock-metrics")


def _team(db: Database, given: str | None) -> str:
    """The workspace to work on: the one given, or the only one in the database."""
    from storage.repositories import initiatives as initiative_rows

    if given:
        return given
    with db.reading() as session:
        teams = initiative_rows.teams(session)
    if len(teams) != 1:
        raise SettingsError(
            "--team",
            "the database holds no workspace yet"
            if not teams
            else f"the database holds {len(teams)} workspaces ({', '.join(teams)}): say which with --team",
        )
    return teams[0]


def _export(args: argparse.Namespace) -> int:
    from bot.errors import UserError
    from bot.exports import workbook
    from bot.services import exporting
    from storage.types import utcnow

    settings = load_settings()
    db = open_database(settings.database_url)
    team_id = _team(db, args.team)
    try:
        with db.reading() as session:
            scope = exporting.scope_for(session, team_id, args.initiative or "", "", is_ld_member=True)
            workbook.write(exporting.collect(session, scope, utcnow(), settings.touchpoint_tz), args.out)
    except UserError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {scope.title}")
    return 0


def _template(args: argparse.Namespace) -> int:
    from bot.exports import template

    template.write(args.out)
    print(f"wrote {args.out}: fill in the Initiatives and Stakeholders sheets, then `touchpoint import {args.out}`")
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.app import patient_gateway
    from bot.errors import UserError
    from bot.oauth import installs
    from bot.services import importing, team_settings
    from bot.services.team_settings import TeamDefaults
    from bot.slack.errors import SlackCallFailed
    from bot.slack.workspaces import acting_for
    from storage.types import utcnow

    settings = load_settings()
    db = open_database(settings.database_url)
    path = Path(args.file)
    try:
        content = path.read_bytes()
        found = installs(settings, db) if settings.installs else None
        if found is not None and not args.team:
            raise SettingsError("--team", "Touchpoint is installed into many workspaces: say which with --team")
        gateway = patient_gateway(settings, found=found)
        with acting_for(args.team or ""):  # with installs, the named workspace's token
            directory = gateway.directory()
            team_id = args.team or gateway.team_id()  # the workspace the bot token belongs to
        defaults = TeamDefaults(settings.ld_channel_id, settings.ld_admin_user_ids, settings.ld_usergroup_id)
        with db.session() as session:
            team = team_settings.current(session, team_id, defaults)
            owner = args.owner or next(iter(team.admin_user_ids), "")
            done = importing.run(
                session,
                team_id,
                path.name,
                content,
                directory,
                owner,
                team.ld_channel_id,
                utcnow(),
                settings.touchpoint_tz,
            )
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except SlackCallFailed as exc:
        print(f"could not read the workspace's members from Slack ({exc.error}); nothing was imported", file=sys.stderr)
        return 1
    except UserError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(
        f"imported {done.initiatives} initiatives and {done.stakeholders} stakeholders; "
        f"{done.kickoffs} kickoff DMs go out with the next scheduling pass"
    )
    return 0


def _instant(text: str) -> datetime:
    """An ISO 8601 instant; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not an instant like 2027-03-31T23:30Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(database_url=args.database_url, start=args.start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="touchpoint", description="Keep L&D aligned with the business, in Slack.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the Slack app over HTTP or Socket Mode (the default)").set_defaults(
        run=_serve
    )
    commands.add_parser(
        "migrate", help="bring the database schema to the current revision and exit (a release phase)"
    ).set_defaults(run=_migrate)
    commands.add_parser("tick", help="run one scheduling pass and exit (for an external cron)").set_defaults(run=_tick)
    commands.add_parser(
        "clock", help="run the scheduling pass every minute (the Procfile's clock process)"
    ).set_defaults(run=_clock)
    demo = commands.add_parser("demo", help="run the whole loop against a local Slack simulator and print it")
    demo.add_argument(
        "--database-url",
        default=None,
        help="an empty database of the demo's own (default: a fresh touchpoint-demo.db here; never DATABASE_URL)",
    )
    demo.add_argument(
        "--start",
        type=_instant,
        default=None,
        help="the simulated clock's first instant, ISO 8601 (e.g. 2027-03-31T23:30Z; default: now)",
    )
    demo.set_defaults(run=_demo)
    export = commands.add_parser("export", help="write the workbook of every initiative (or one) to an .xlsx file")
    export.add_argument("--out", required=True, help="the .xlsx file to write")
    export.add_argument("--initiative", help="only this initiative (by name)")
    export.add_argument("--team", help="the workspace id, if the database holds several")
    export.set_defaults(run=_export)
    template = commands.add_parser("template", help="write a blank workbook to fill in and import")
    template.add_argument("--out", required=True, help="the .xlsx file to write")
    template.set_defaults(run=_template)
    imports = commands.add_parser("import", help="import initiatives and stakeholders from a workbook (all or nothing)")
    imports.add_argument("file", help="the .xlsx file, in the layout of `touchpoint template`")
    imports.add_argument("--owner", help="the Slack user id owning initiatives whose Owner column is empty")
    imports.add_argument("--team", help="the workspace id, if the database holds several")
    imports.set_defaults(run=_import)
    args = parser.parse_args(argv)
    try:
        configure_from_environment()
        return args.run(args) if hasattr(args, "run") else _serve(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseUnavailable as exc:  # a database opened other than by open_database (the demo's --database-url)
        print(f"DATABASE_URL: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
