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


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(database_url=args.database_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="touchpoint", description="Keep L&D aligned with the business, in Slack.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the Slack app (the default)").set_defaults(run=_serve)
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
