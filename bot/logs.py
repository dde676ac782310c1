"""Logging for every process, set up once by the entry point: plain text or JSON lines, never a secret.

A JSON line carries the time (UTC), level, logger and message; the workspace (team id) of the request being handled
when it is known; the error id the user was shown when the error handler logs one; and the exception's traceback.
Whatever the format, Slack tokens, URL passwords and the secrets the process was given are replaced before a line
is written: by the handler's formatter, so that the libraries' own records (Bolt, slack_sdk, waitress) are covered.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"

# The workspace whose request (or pass step) this thread is working on; set per request by a Bolt middleware.
TEAM_ID: ContextVar[str | None] = ContextVar("touchpoint_team_id", default=None)

# Slack's tokens: bot, user, app-level, refresh and rotated ones (xoxb-, xoxp-, xapp-, xoxe-, xoxe.xoxp-, ...).
_SLACK_TOKEN = re.compile(r"\b(xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]+")
# The password of a URL such as postgresql://user:password@host/db.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
# A secret shorter than this is not replaced wherever it occurs (it would blank out ordinary words and numbers).
_MIN_SECRET_LENGTH = 8

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redactor:
    """Replaces Slack tokens, URL passwords and the given secret values in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _SLACK_TOKEN.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


class TextFormatter(logging.Formatter):
    """The plain-text line (time, level, logger, message, traceback), redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, each value redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        team_id = getattr(record, "team_id", None) or TEAM_ID.get()
        if team_id:
            entry["team_id"] = team_id
        error_id = getattr(record, "error_id", None)
        if error_id:
            entry["error_id"] = error_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps({k: self._redact(str(v)) for k, v in entry.items()}, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = (), stream=None) -> logging.Handler:
    """Send every logger's records at `level` and above to `stream` (stderr) as text or JSON lines; returns the
    handler. Replaces any handler configured before, so that calling it again (tests, a second entry point) does not
    write each line twice."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # slack_sdk logs whole request bodies (and so tokens in form posts) at DEBUG: keep it above that whatever the level.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return handler


def configure_from_environment() -> logging.Handler:
    """configure() from LOG_LEVEL and LOG_FORMAT (environment or .env), redacting the Slack secrets found there;
    a SettingsError naming the variable if either is malformed."""
    from bot.settings import load_log_settings

    settings = load_log_settings()
    return configure(settings.log_level, settings.log_format, settings.secrets())


def log_team(context, next):
    """Bolt middleware: the request's workspace for every line logged while it is handled (None if it has none)."""
    TEAM_ID.set(context.get("team_id"))
    return next()
