"""Logs: LOG_LEVEL and LOG_FORMAT, JSON lines with the request's workspace and the error id, and never a secret."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys

import pytest

from bot import logs
from bot.settings import SettingsError, load_log_settings
from bot.simulator.webapi import TOKEN
from tests.conftest import LENA, SECRET, process_env

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.fixture
def captured():
    """Logging configured by the test, writing to a buffer; the root logger as it was afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    slack_sdk_level = logging.getLogger("slack_sdk").level
    buffer = io.StringIO()
    yield buffer
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("slack_sdk").setLevel(slack_sdk_level)
    logs.TEAM_ID.set(None)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_a_json_line_carries_time_level_logger_message_team_and_error_id(captured):
    logs.configure("INFO", "json", stream=captured)
    logs.TEAM_ID.set("T0ACME")
    logging.getLogger("touchpoint.test").warning("sent %d of %d", 3, 4, extra={"error_id": "abc123def0"})
    [line] = _lines(captured)
    assert line["level"] == "WARNING" and line["logger"] == "touchpoint.test" and line["message"] == "sent 3 of 4"
    assert line["team_id"] == "T0ACME" and line["error_id"] == "abc123def0"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])
    assert "exception" not in line


def test_a_json_line_carries_the_exception_text(captured):
    logs.configure("INFO", "json", stream=captured)
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        logging.getLogger("touchpoint.test").exception("pass failed")
    [line] = _lines(captured)
    assert "team_id" not in line  # no request: no workspace
    assert line["exception"].startswith("Traceback") and "RuntimeError: the database went away" in line["exception"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tokens_the_signing_secret_and_url_passwords_are_redacted(captured, fmt):
    logs.configure("DEBUG", fmt, secrets=[SECRET, BOT_TOKEN], stream=captured)
    log = logging.getLogger("touchpoint.test")
    log.info("calling with token=%s and secret %s", "xoxb-999-888-ZZZZZZZZZZ", SECRET)
    log.info("app token xapp-1-A0123-456-abcdef and a rotated one xoxe.xoxp-1-Mi0yLTEy")
    log.info("database postgresql://touchpoint:hunter2hunter2@db:5432/touchpoint")
    try:
        raise ValueError(f"bad auth {BOT_TOKEN}")
    except ValueError:
        log.exception("request failed for %s", {"token": BOT_TOKEN})
    written = captured.getvalue()
    for secret in (SECRET, BOT_TOKEN, "xoxb-999-888-ZZZZZZZZZZ", "A0123-456-abcdef", "Mi0yLTEy", "hunter2hunter2"):
        assert secret not in written, written
    assert written.count(logs.REDACTED) >= 7  # each of the seven secrets written above
    assert "xoxb-[redacted]" in written and "postgresql://touchpoint:[redacted]@db:5432" in written


def test_the_level_drops_lower_records_and_keeps_slack_sdk_above_debug(captured):
    logs.configure("WARNING", "text", stream=captured)
    logging.getLogger("touchpoint.test").info("not written")
    logging.getLogger("touchpoint.test").error("written")
    assert captured.getvalue().count("\n") == 1 and "ERROR touchpoint.test: written" in captured.getvalue()
    logs.configure("DEBUG", "text", stream=captured)
    assert logging.getLogger("slack_sdk").getEffectiveLevel() == logging.INFO  # it logs request bodies at DEBUG


def test_configuring_again_replaces_the_handler_instead_of_doubling_lines(captured):
    logs.configure("INFO", "text", stream=captured)
    logs.configure("INFO", "json", stream=captured)
    logging.getLogger("touchpoint.test").info("once")
    assert len(_lines(captured)) == 1


@pytest.mark.parametrize(
    ("values", "variable"),
    [({"log_level": "LOUD"}, "LOG_LEVEL"), ({"log_format": "xml"}, "LOG_FORMAT")],
)
def test_a_malformed_log_setting_is_named(values, variable):
    with pytest.raises(SettingsError) as raised:
        load_log_settings(**values)
    assert raised.value.variable == variable


def test_log_settings_accept_any_case_and_collect_the_secrets():
    settings = load_log_settings(log_level="debug", log_format="JSON", slack_bot_token=TOKEN, slack_signing_secret="")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert settings.secrets() == (TOKEN,)


def test_the_command_line_stops_with_exit_2_on_a_malformed_log_level(tmp_path):
    env = {**process_env("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV"), "LOG_LEVEL": "LOUD"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "template", "--out", str(tmp_path / "t.xlsx")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"


def test_the_error_handler_logs_the_error_id_and_the_requests_workspace(app, slack, captured):
    logs.configure("INFO", "json", secrets=[SECRET, TOKEN], stream=captured)
    slack.fail("views.open", "internal_error")
    app.workspace.slash(LENA, "new")
    notice = slack.wait_for(lambda: slack.responses)[-1]
    shown = re.search(r"error id `([0-9a-f]{10})`", notice["text"])
    assert shown is not None, notice["text"]
    error_id = shown.group(1)
    app.settle()
    [line] = [line for line in _lines(captured) if line.get("error_id") == error_id]
    assert line["level"] == "ERROR" and line["team_id"] == app.workspace.team_id
    assert "internal_error" in line["exception"]
    assert TOKEN not in captured.getvalue() and SECRET not in captured.getvalue()
