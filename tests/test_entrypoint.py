"""`python -m bot` as a deployment runs it: settings from the environment, HTTP on PORT, or Socket Mode."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from http.client import HTTPResponse

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings
from bot.simulator.webapi import TOKEN
from tests.conftest import CLOCK_VARIABLES, SECRET, process_env

BASE_ENV = {
    "SLACK_BOT_TOKEN": TOKEN,
    "SLACK_SIGNING_SECRET": SECRET,
    "LD_CHANNEL_ID": "C0LDTEAM",
    "LD_ADMIN_USER_IDS": "U0LENA",
}


def _env(**values) -> dict:
    keep = process_env("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")
    return {**keep, **{k: v for k, v in values.items() if v is not None}}


def _run(tmp_path, timeout=20, **values) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=_env(**values), capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def serve_here(tmp_path, monkeypatch, capsys, caplog):
    """`python -m bot` in this process (what its __main__ calls), with only `values` in the environment and tmp_path as
    the working directory: parsing settings needs no process of its own. Returns the exit code and what it wrote to
    stderr, log records included (a process logs to stderr), as `_run` would."""

    def run(**values) -> subprocess.CompletedProcess:
        for name in list(os.environ):
            if name not in CLOCK_VARIABLES:
                monkeypatch.delenv(name)
        for name, value in values.items():
            if value is not None:
                monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            code = main(["serve"])
        logged = "".join(f"{r.levelname} {r.name}: {r.getMessage()}\n" for r in caplog.records)
        written = capsys.readouterr()
        return subprocess.CompletedProcess(["python", "-m", "bot"], code, written.out, logged + written.err)

    return run


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET"),
        ({"LD_CHANNEL_ID": "#learning"}, "LD_CHANNEL_ID"),
        ({"LD_ADMIN_USER_IDS": "lena@example.com"}, "LD_ADMIN_USER_IDS"),
        ({"LD_ADMIN_USER_IDS": None}, "LD_ADMIN_USER_IDS"),
        ({"DATABASE_URL": "mysql://db/touchpoint"}, "DATABASE_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL"),
        ({"TOUCHPOINT_TZ": "Mars/Olympus"}, "TOUCHPOINT_TZ"),
    ],
)
def test_a_missing_or_malformed_setting_is_one_line_naming_it_and_exit_2(serve_here, change, variable):
    result = serve_here(**{**BASE_ENV, **change})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{variable}: "), result.stderr
    assert "Traceback" not in result.stderr


def test_every_missing_or_malformed_setting_is_named_at_once(tmp_path):
    # Through a real `python -m bot` process: the exit code and stderr a deployment sees.
    result = _run(tmp_path, SLACK_BOT_TOKEN=TOKEN, LD_ADMIN_USER_IDS="lena@example.com", PORT="eighty")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    named = sorted(line.split(":", 1)[0] for line in lines)
    assert named == ["LD_ADMIN_USER_IDS", "LD_CHANNEL_ID", "PORT", "SLACK_SIGNING_SECRET"], result.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


POSTGRES = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "pa55-w0rd-never-printed"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://u:{password}@db/touchpoint", "must be a sqlite:/// or postgresql:// URL"),
        ("postgresql+nosuchdriver://u:{password}@db/touchpoint", "names no database driver"),
        ("postgresql://u:{password}@db:port/touchpoint", "is not a database URL"),
        ("postgresql://u:{password}@[::1/touchpoint", "is not a database URL"),
        ("postgresql://postgres:{password}@127.0.0.1:{closed}/touchpoint", "Connection refused"),
        ("sqlite:///{tmp}/no/such/folder/t.db", "unable to open database file"),
        pytest.param(
            "{postgres}_no_such_database",
            'database "{name}_no_such_database" does not exist',
            marks=pytest.mark.skipif(not POSTGRES, reason="TEST_DATABASE_URL is not set"),
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_naming_database_url_and_why(tmp_path, serve_here, url, reason):
    postgres = (POSTGRES or "").replace("://postgres@", f"://postgres:{PASSWORD}@")  # trust auth ignores it
    values = dict(
        password=PASSWORD,
        closed=_closed_port(),
        tmp=tmp_path,
        postgres=postgres,
        name=(POSTGRES or "").rsplit("/", 1)[-1],
    )
    result = serve_here(**BASE_ENV, DATABASE_URL=url.format(**values))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("DATABASE_URL: "), result.stderr
    assert reason.format(**values) in lines[0]
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr


def test_settings_rewrite_heroku_postgres_urls_and_read_a_dotenv_file(tmp_path, monkeypatch):
    for name in [*list(BASE_ENV), "DATABASE_URL", "SLACK_APP_TOKEN"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "\n".join(f"{k}={v}" for k, v in BASE_ENV.items()) + "\nDATABASE_URL=postgres://u:p@db.example:5432/tp\n"
    )
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5432/tp"
    assert settings.port == 3000 and settings.socket_mode is False
    assert TOKEN not in repr(settings) and SECRET not in repr(settings)
    with pytest.raises(SettingsError):
        load_settings(slack_signing_secret="")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_health(url: str, process: subprocess.Popen, timeout: float = 20) -> HTTPResponse:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            return urllib.request.urlopen(url, timeout=1)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not come up")


def test_python_m_bot_serves_http_on_port_with_waitress_and_never_logs_secrets(tmp_path, slack):
    port = _free_port()
    env = _env(**BASE_ENV, SLACK_API_URL=slack.url, PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path}/tp.db")
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        response = _wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert response.status == 200 and response.headers["Server"] == "touchpoint"
        from bot.simulator import Workspace

        reply = Workspace(slack, f"http://127.0.0.1:{port}/slack/events", SECRET).slash("U0LENA", "help")
        assert reply.status == 200 and "/touchpoint new" in reply.body
        assert (tmp_path / "tp.db").exists()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert TOKEN not in stderr and SECRET not in stderr
    assert "listening on port" in stderr


def test_with_an_app_token_it_connects_in_socket_mode_instead(tmp_path, slack):
    port = _free_port()
    env = _env(
        **BASE_ENV,
        SLACK_APP_TOKEN="xapp-1-simulated",
        SLACK_API_URL=slack.url,
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path}/tp.db",
    )
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        slack.wait_for(lambda: slack.calls_to("apps.connections.open"), timeout=20)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "xapp-1-simulated" not in stderr and TOKEN not in stderr
