"""The HTTP contract: verified requests, defensive parsing, health, and retried events."""

from __future__ import annotations

import json
import time
import urllib.request

from bot.web import WebApp
from bot.simulator.workspace import sign
from storage.db import Database
from storage.models import Stakeholder
from tests.conftest import LENA, SAM, SECRET
from tests.flows import open_initiative, rows, stored_counts


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_unsigned_badly_signed_and_stale_requests_get_401_and_do_nothing(app):
    body = b"command=%2Ftouchpoint&text=new&user_id=U0LENA&team_id=T0SIMULATED&trigger_id=1"
    form = "application/x-www-form-urlencoded"
    ws = app.workspace
    assert ws.post(body, form, signed=False).status == 401
    assert ws.post(body, form, {"X-Slack-Signature": "v0=" + "0" * 64, "X-Slack-Request-Timestamp": str(int(time.time()))}, signed=False).status == 401
    assert ws.post(body, form, sign("another-secret", body), signed=False).status == 401
    assert ws.post(body, form, sign(SECRET, body, int(time.time()) - 6 * 60), signed=False).status == 401
    assert ws.post(body + b"&text=list", form, sign(SECRET, body), signed=False).status == 401  # body changed after signing
    assert app.slack.calls == [] or {c.method for c in app.slack.calls} <= {"auth.test"}
    assert stored_counts(app) == (0, 0, 0)


def test_malformed_bodies_get_400_not_500(app):
    ws = app.workspace
    cases = [
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),  # JSON, but not an object
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
    ]
    for body, content_type in cases:
        reply = ws.post(body, content_type)
        assert reply.status == 400, (body, reply)


def test_payloads_of_unexpected_shape_never_give_500(app):
    ws = app.workspace
    odd = [
        {"type": "block_actions", "team": {"id": "T0SIMULATED"}, "user": {"id": SAM}, "actions": [{"action_id": "touchpoint_open_answer", "value": "not-a-number"}], "trigger_id": "x"},
        {"type": "view_submission", "team": {"id": "T0SIMULATED"}, "user": {"id": SAM}, "view": {"callback_id": "touchpoint_answer", "private_metadata": "garbage", "state": {"values": {}}}},
        {"type": "view_submission", "team": {"id": "T0SIMULATED"}, "user": {"id": LENA}, "view": {"callback_id": "initiative_new", "state": {"values": {"name": "oops"}}}},
        {"type": "something_new", "team": {"id": "T0SIMULATED"}, "user": {"id": SAM}},
    ]
    for payload in odd:
        reply = ws.post_payload(payload)
        assert reply.status < 500, (payload, reply)
    app.settle()
    assert stored_counts(app) == (0, 0, 0)


def test_url_verification_echoes_the_challenge(app):
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "token": "x"}).encode()
    reply = app.workspace.post(body, "application/json")
    assert reply.status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in reply.body


def test_healthz_answers_200_once_the_database_is_reachable(app):
    assert _get(app.url + "/healthz") == (200, "ok")
    assert _get(app.url + "/nowhere")[0] == 404
    assert _get(app.url + "/slack/events")[0] == 405


def test_healthz_answers_503_when_the_database_is_not_reachable(tmp_path):
    unreachable = Database(f"sqlite:///{tmp_path}/missing-folder/touchpoint.db")
    statuses = []
    body = WebApp(bolt=None, db=unreachable, signing_secret=SECRET)(
        {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda status, headers: statuses.append(status)
    )
    assert statuses == ["503 Service Unavailable"] and b"".join(body) == b"database unreachable"


def test_a_retried_event_is_handled_once(app):
    open_initiative(app, LENA, stakeholders=[SAM])
    user = {"id": SAM, "team_id": "T0SIMULATED", "name": "sam", "tz": "Europe/Berlin", "deleted": False, "profile": {"display_name": "Sam O"}}
    first = app.workspace.event({"type": "user_change", "user": user}, event_id="Ev0001")
    assert first.status == 200
    [sam] = rows(app, Stakeholder)
    assert (sam.tz, sam.display_name) == ("Europe/Berlin", "Sam O")

    # Slack retries the same event (it thought we timed out): it must not be applied a second time.
    retried = app.workspace.event({"type": "user_change", "user": {**user, "tz": "Asia/Tokyo"}}, event_id="Ev0001", retry_num=1)
    assert retried.status == 200
    assert rows(app, Stakeholder)[0].tz == "Europe/Berlin"

    app.workspace.event({"type": "user_change", "user": {**user, "deleted": True}}, event_id="Ev0002")
    assert rows(app, Stakeholder)[0].active is False
