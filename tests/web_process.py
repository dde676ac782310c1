"""Touchpoint's processes as a deployment runs them (`python -m bot`, `touchpoint tick`), against the fake Slack."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

from bot.ids import Block, Callback
from bot.simulator import FakeSlackApi, Workspace
from bot.simulator.webapi import TOKEN
from storage.db import Database
from tests.conftest import LD_CHANNEL, LENA, SECRET, process_env


def env(slack: FakeSlackApi, db: Database, **extra) -> dict:
    keep = process_env("PATH", "HOME", "LANG")
    return {
        **keep,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": db.url,
        "LD_CHANNEL_ID": LD_CHANNEL,
        "LD_ADMIN_USER_IDS": LENA,
        **extra,
    }


def installs_env(slack: FakeSlackApi, db: Database, redirect_uri: str, **extra) -> dict:
    """Installs into many workspaces: the OAuth client the simulated Slack registered, no bot token or L&D channel."""
    app = slack.cloud.app
    keep = process_env("PATH", "HOME", "LANG")
    return {
        **keep,
        "SLACK_CLIENT_ID": app.client_id,
        "SLACK_CLIENT_SECRET": app.client_secret,
        "SLACK_REDIRECT_URI": redirect_uri,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": db.url,
        **extra,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebProcess:
    """`python -m bot` serving HTTP on a free port (single-workspace mode, or with `environment` from installs_env)."""

    def __init__(self, slack: FakeSlackApi, db: Database, tmp_path, environment: dict | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env={**(environment or env(slack, db)), "PORT": str(self.port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.workspace = Workspace(slack, f"http://127.0.0.1:{self.port}/slack/events", SECRET)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.communicate()[1]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the web process did not come up")

    def submit_answer(self, user_id: str, touchpoint_id: int, impact: str, *, workspace: Workspace | None = None):
        """A stakeholder (of `workspace`'s team, by default this process's single workspace) pressing Send on the
        kickoff's answer modal, signed as Slack signs it."""
        workspace = workspace or self.workspace
        values = {
            Block.IMPACT: {"value": {"type": "plain_text_input", "value": impact}},
            Block.TRACKING: {"value": {"type": "plain_text_input", "value": "Win rate in Salesforce"}},
        }
        return workspace.post_payload(
            {
                "type": "view_submission",
                "team": {"id": workspace.team_id},
                "user": {"id": user_id},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": Callback.ANSWER,
                    "private_metadata": json.dumps({"touchpoint": touchpoint_id}),
                    "state": {"values": values},
                },
            }
        )

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def tick(slack: FakeSlackApi, db: Database, **extra) -> subprocess.CompletedProcess:
    """One scheduling pass, as the clock or cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "tick"],
        env=env(slack, db, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
