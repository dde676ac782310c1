"""Prometheus metrics: the web process's requests and Slack calls, 429s and the pacer's rate, the scheduling pass, the
outbox, and the clock process's own /metrics and /healthz on TOUCHPOINT_METRICS_PORT."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.app import patient_gateway
from schedules.touchpoint_pass import PassReport
from tests.conftest import LD_CHANNEL, LENA, OLU, SAM, Waits, make_settings
from tests.flows import open_initiative
from tests.scheduling_world import World
from tests.web_process import _free_port, env

OPENED = datetime(2027, 1, 5, 11, tzinfo=UTC)  # a Tuesday morning in London: the first DMs go at once


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(url: str) -> dict[str, float]:
    """Every sample of a /metrics page, by name and labels."""
    with urllib.request.urlopen(url, timeout=5) as reply:
        assert reply.headers["Content-Type"].startswith("text/plain")
        text = reply.read().decode()
    return {
        f"{s.name}{sorted(s.labels.items())}": s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_web_process_counts_its_requests_by_kind_and_its_slack_calls_by_result(http_app):
    commands = value("touchpoint_request_duration_seconds_count", kind="command", status="200")
    submissions = value("touchpoint_request_duration_seconds_count", kind="view_submission", status="200")
    posted = value("touchpoint_slack_calls_total", method="chat.postMessage", result="ok")
    refused = value("touchpoint_request_duration_seconds_count", kind="refused", status="401")
    open_initiative(http_app, LENA, stakeholders=[SAM, OLU])  # the command, the modal, then a DM to each
    http_app.settle()
    unsigned = urllib.request.Request(http_app.url + "/slack/events", data=b"command=%2Ftouchpoint", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refusal:
        urllib.request.urlopen(unsigned, timeout=5)
    assert refusal.value.code == 401
    page = scrape(http_app.url + "/metrics")
    assert page["touchpoint_request_duration_seconds_count[('kind', 'command'), ('status', '200')]"] == commands + 1
    key = "touchpoint_request_duration_seconds_count[('kind', 'view_submission'), ('status', '200')]"
    assert page[key] == submissions + 1
    assert page["touchpoint_slack_calls_total[('method', 'chat.postMessage'), ('result', 'ok')]"] >= posted + 2
    assert page["touchpoint_request_duration_seconds_count[('kind', 'refused'), ('status', '401')]"] == refused + 1


def test_a_429_is_counted_and_the_pacers_rate_shown(slack, db):
    gateway = patient_gateway(make_settings(slack, db), sleep=Waits())
    slack.rate_limit("chat.postMessage", times=1, retry_after=2)
    before = value("touchpoint_slack_rate_limited_total", method="chat.postMessage")
    gateway.post(LD_CHANNEL, "hello")  # waited out, then posted
    assert value("touchpoint_slack_rate_limited_total", method="chat.postMessage") == before + 1
    assert gateway.pacer is not None
    paced = gateway.pacer.interval("chat.postMessage")
    assert paced > 0 and value("touchpoint_slack_paced_interval_seconds", method="chat.postMessage") == paced
    refused = value("touchpoint_slack_calls_total", method="chat.postMessage", result="channel_not_found")
    with pytest.raises(Exception, match="channel_not_found"):
        gateway.post("C0NOWHERE", "hello")
    assert value("touchpoint_slack_calls_total", method="chat.postMessage", result="channel_not_found") == refused + 1


def test_a_pass_reports_how_long_it_took_what_it_did_and_when_it_finished(slack, db):
    world = World.make(slack, db)
    world.open(OPENED, {"U0M1": "Europe/London", "U0M2": "Europe/London"}, send=False)
    metrics.watch_database(db, lambda: OPENED)
    assert value("touchpoint_outbox_depth", kind="touchpoints") == 2  # due, not yet sent
    passes, sent = value("touchpoint_pass_duration_seconds_count"), value("touchpoint_pass_items_total", what="sent")
    report = world.run(OPENED + timedelta(minutes=1))  # on the pass's clock, frozen at that instant
    assert report.sent == 2
    assert value("touchpoint_pass_duration_seconds_count") == passes + 1
    assert value("touchpoint_pass_items_total", what="sent") == sent + 2
    assert value("touchpoint_last_pass_completed_timestamp_seconds") == (OPENED + timedelta(minutes=1)).timestamp()
    assert value("touchpoint_outbox_depth", kind="touchpoints") == 0


def test_the_clock_is_healthy_while_its_last_pass_is_recent():
    assert metrics.clock_health(60, 0.0)[0] == 503  # nothing finished yet
    failed = value("touchpoint_pass_step_failures_total", step="digest")
    metrics.pass_done(PassReport(errors=["digest"]), 0.2, finished=1_000.0)
    assert value("touchpoint_pass_step_failures_total", step="digest") == failed + 1
    last = metrics.last_pass_at()
    assert last == 1_000.0
    assert metrics.clock_health(60, last, now=lambda: 1_000.0 + 179) == (
        200,
        "ok: the last scheduling pass finished 179 s ago",
    )
    assert metrics.clock_health(60, last, now=lambda: 1_000.0 + 181)[0] == 503  # three minutes at least
    assert metrics.clock_health(300, last, now=lambda: 1_000.0 + 800)[0] == 200  # three of its intervals
    assert metrics.clock_health(300, last, now=lambda: 1_000.0 + 901)[0] == 503


def test_the_clock_process_serves_its_metrics_and_health_on_its_own_port(slack, db):
    port = _free_port()
    clock = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "clock"],
        env=env(slack, db, TOUCHPOINT_METRICS_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, health = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    health = (reply.status, reply.read().decode())
                    break
            except (urllib.error.URLError, ConnectionError):  # not listening yet, or 503 before the first pass
                time.sleep(0.2)
        assert health is not None and health[0] == 200 and health[1].startswith("ok"), health
        page = scrape(f"http://127.0.0.1:{port}/metrics")
        assert page["touchpoint_pass_duration_seconds_count[]"] >= 1
        assert page["touchpoint_outbox_depth[('kind', 'touchpoints')]"] == 0
    finally:
        clock.send_signal(signal.SIGTERM)
        _, stderr = clock.communicate(timeout=30)
    assert clock.returncode == 0, stderr
