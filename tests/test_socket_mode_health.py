"""Socket Mode's health signal: with no HTTP port of its own, the web process serves /healthz and /metrics on
TOUCHPOINT_METRICS_PORT, and /healthz follows Slack's connection, against a fake Socket Mode end over a real socket."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.server import serve_socket_mode_health
from bot.socket_mode import SocketModeWatch
from tests.conftest import CHRIS, TEAM, make_settings
from tests.socket_mode_fake import FakeSocketMode

APP_TOKEN = "xapp-1-A0TOUCH-1-simulated"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)
    return value


@pytest.fixture
def socket_mode(slack, db):
    fake = FakeSocketMode()
    touchpoint = create_app(make_settings(slack, db, slack_app_token=APP_TOKEN), db=db, verify_token=False)
    # Pings every 0.2 s, so that a test sees pongs without waiting the default 10 s.
    handler = SocketModeHandler(touchpoint.bolt, APP_TOKEN, web_client=fake.web_client(), ping_interval=0.2)
    server = serve_socket_mode_health(handler, touchpoint, port=0, host="127.0.0.1")
    yield fake, handler, f"http://127.0.0.1:{server.effective_port}"
    touchpoint.deps.background.stop(5)
    handler.close()
    server.close()
    touchpoint.close()
    fake.stop()


def test_healthz_follows_the_socket_mode_connection(socket_mode, slack):
    fake, handler, url = socket_mode
    assert _get(url + "/healthz") == (503, "not connected to Slack in Socket Mode")

    handler.connect()
    fake.wait_connected()
    heard = _until(lambda: (r := _get(url + "/healthz"))[0] == 200 and "last message none yet" not in r[1] and r[1])
    assert heard.startswith("ok: connected to Slack in Socket Mode; last message")  # Slack's hello was heard
    fake.send(
        {
            "envelope_id": "env-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "payload": {
                "type": "event_callback",
                "team_id": TEAM,
                "event_id": "Ev0SOCKET",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": CHRIS, "tab": "home"},
            },
        }
    )
    _until(lambda: any(a.get("envelope_id") == "env-1" for a in fake.acks))  # Bolt acknowledged it over the socket
    slack.wait_for(lambda: slack.home_of(CHRIS))  # and handled it: the person's Home tab
    _until(lambda: "last pong none yet" not in _get(url + "/healthz")[1])  # the client's pings are answered
    assert fake.pings >= 1
    scrape = _get(url + "/metrics")[1]
    assert "touchpoint_socket_mode_connected 1.0" in scrape
    assert "touchpoint_socket_mode_last_pong_timestamp_seconds 0.0" not in scrape

    fake.drop()  # Slack goes away and refuses a new connection: the client keeps trying, unhealthy meanwhile
    _until(lambda: _get(url + "/healthz") == (503, "not connected to Slack in Socket Mode"))
    assert "touchpoint_socket_mode_connected 0.0" in _get(url + "/metrics")[1]


def test_a_connection_that_says_it_is_up_but_has_heard_nothing_for_a_while_is_unhealthy(socket_mode, db):
    fake, handler, _url = socket_mode
    later = {"by": 0.0}
    watch = SocketModeWatch(handler.client, clock=lambda: time.time() + later["by"])
    handler.connect()
    fake.wait_connected()
    _until(lambda: watch.health(database_reachable=True)[0] == 200)
    later["by"] = 31  # three ping intervals, and at least 30 s, without a pong or a message
    status, text = watch.health(database_reachable=True)
    assert status == 503 and text.startswith("connected to Slack in Socket Mode, but nothing heard for")
    later["by"] = 0
    assert watch.health(database_reachable=False) == (503, "the database is not reachable")
