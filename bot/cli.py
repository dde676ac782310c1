"""The `touchpoint` command: serve (the default) and demo."""

from __future__ import annotations

import argparse
import logging
import sys

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import SettingsError, load_settings
from storage.db import Database

EXIT_CONFIG = 2


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # slack_sdk logs whole request bodies (and so tokens in form posts) at DEBUG only; keep it above that.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def open_database(url: str) -> Database:
    """The database, migrated to the current schema; a SettingsError naming DATABASE_URL if it cannot be reached."""
    db = Database(url)
    try:
        db.migrate()
    except SQLAlchemyError as exc:
        raise SettingsError("DATABASE_URL", f"cannot open the database ({type(exc.orig or exc).__name__})") from None
    return db


def _serve(_: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.server import serve

    settings = load_settings()
    db = open_database(settings.database_url)
    try:
        touchpoint = create_app(settings, db=db)
    except SlackApiError as exc:
        raise SettingsError("SLACK_BOT_TOKEN", f"Slack did not accept the token ({exc.response.get('error')})") from None
    except (SlackClientError, OSError) as exc:
        raise SettingsError("SLACK_API_URL", f"cannot reach {settings.slack_api_url} ({type(exc).__name__})") from None
    serve(touchpoint)
    return 0


def _pass_runner(settings, db: Database):
    """One scheduling pass, as `touchpoint tick` and the clock run it."""
    from datetime import timedelta

    from bot.app import patient_gateway
    from bot.delivery import Delivery
    from schedules.touchpoint_pass import PassSettings, run_pass
    from storage.types import utcnow

    delivery = Delivery(db, patient_gateway(settings), utcnow, settings.touchpoint_tz)
    pass_settings = PassSettings(
        default_tz=settings.touchpoint_tz,
        grace=timedelta(hours=settings.touchpoint_grace_hours),
        lease=timedelta(seconds=settings.touchpoint_sending_lease_seconds),
        ld_channel_id=settings.ld_channel_id,
    )
    return lambda: run_pass(db, delivery, pass_settings, utcnow)


def _tick(_: argparse.Namespace) -> int:
    settings = load_settings()
    report = _pass_runner(settings, open_database(settings.database_url))()
    print(f"planned {report.planned}, sent {report.sent}, failed {report.failed}, recovered {report.recovered}, "
          f"reminded {report.reminded}, missed {report.missed}")
    return 1 if report.errors else 0


def _clock(_: argparse.Namespace) -> int:
    from datetime import timedelta

    from schedules.clock import run_clock

    settings = load_settings()
    run_clock(_pass_runner(settings, open_database(settings.database_url)), timedelta(seconds=settings.touchpoint_pass_seconds))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(database_url=args.database_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="touchpoint", description="Keep L&D aligned with the business, in Slack.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the Slack app over HTTP or Socket Mode (the default)").set_defaults(run=_serve)
    commands.add_parser("tick", help="run one scheduling pass and exit (for an external cron)").set_defaults(run=_tick)
    commands.add_parser("clock", help="run the scheduling pass every minute (the Procfile's clock process)").set_defaults(run=_clock)
    demo = commands.add_parser("demo", help="run the whole loop against a local Slack simulator and print it")
    demo.add_argument("--database-url", default=None, help="where to store the demo (default: DATABASE_URL, or SQLite)")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return args.run(args) if hasattr(args, "run") else _serve(args)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
