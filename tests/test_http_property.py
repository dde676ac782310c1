"""Generated requests against the HTTP front (its WSGI callable, and over a real server): signed and unsigned, of
every shape Slack sends and of none.

Whatever arrives, the answer is deliberate (never 5xx), a refused request changes nothing (no row, no call to Slack),
and no request leaves a traceback of a payload that could not be read.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote_plus, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ids import COMMAND, Action, Block, Callback, Element, Event
from bot.simulator.workspace import sign
from tests.conftest import LD_CHANNEL, LENA, SAM, SECRET, TEAM
from tests.test_http import FORM, call_wsgi, side_effects, slash_form

JSON = "application/json"
# Stand-ins in the generated requests for a response URL and a trigger of the fake Slack, made live when sent.
RESPONSE_URL, TRIGGER = "http://127.0.0.1:9/respond/1", "1.2.3"
REFUSED = (400, 401, 413)
# A failure to read a payload's shape shows up as one of these, whoever logs it (bot.web, Bolt, the error handler).
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError, IndexError, RecursionError, UnicodeError)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "²",
        "١٢٣",
        "9" * 5000,
        "-1",
        "1e9",
        "payload",
        "payload={}",
        "<!channel>",
        "<@U0LENA>",
        "{{7*7}}",
        "\x00",
        "\ud800",
        "é",
        "ж",
        "\u202e",
        "%",
        "&",
        "=",
        "{",
        "[",
        "null",
    ]
)
ANY_TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=40))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), ANY_TEXT)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)),
    max_leaves=12,
)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [FORM, JSON, f"{JSON}; charset=utf-8", f"{FORM}; charset=utf-8", "text/plain", "", "multipart/form-data"]
    ),
    ANY_TEXT,
)


# Valid requests of every shape Slack sends Touchpoint, to mutate


def _state(*blocks: str) -> dict:
    return {block: {Element.VALUE: {"type": "plain_text_input", "value": "Sales onboarding"}} for block in blocks}


def _interactive(kind: str, **fields: Any) -> dict:
    return {
        "type": kind,
        "team": {"id": TEAM, "domain": "simulated"},
        "user": {"id": LENA, "team_id": TEAM},
        "api_app_id": "ATOUCHPOINT",
        "trigger_id": TRIGGER,
        **fields,
    }


def _action(action_id: str, **fields: Any) -> dict:
    return _interactive(
        "block_actions",
        response_url=RESPONSE_URL,
        channel={"id": "D0LENA"},
        container={"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0LENA", "is_ephemeral": False},
        message={"ts": "1700000000.000100", "text": "hi", "blocks": [{"type": "section", "block_id": "b"}]},
        actions=[{"type": "button", "action_id": action_id, "block_id": "touchpoint_1", "action_ts": "1.0", **fields}],
    )


def _view(callback_id: str, state: dict, private_metadata: str = "{}") -> dict:
    blocks = [
        {"type": "input", "block_id": block, "element": {"type": "plain_text_input", "action_id": Element.VALUE}}
        for block in state
    ]
    return _interactive(
        "view_submission",
        view={
            "id": "V1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": blocks,
            "state": {"values": state},
            "hash": "h",
        },
        response_urls=[],
    )


def _event(event: dict) -> dict:
    return {
        "token": "deprecated",
        "team_id": TEAM,
        "api_app_id": "ATOUCHPOINT",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM, "user_id": "U0APPBOT", "is_bot": True}],
    }


PAYLOADS = [
    _action(Action.OPEN_ANSWER, value="1"),
    _action(Action.SKIP, value="1"),
    _action(
        Action.SNOOZE, type="overflow", selected_option={"text": {"type": "plain_text", "text": "1"}, "value": "1:7"}
    ),
    _action(Action.AWAY, type="datepicker", selected_date="2030-01-01"),
    _action(f"{Action.LIST_PAGE}_2", value="2"),
    _action(Action.FOLLOW_UP, value="1:1"),
    _view(
        Callback.NEW_INITIATIVE,
        {
            **_state(Block.NAME, Block.GOAL),
            Block.STAKEHOLDERS: {Element.VALUE: {"type": "multi_users_select", "selected_users": [SAM]}},
            Block.CHANNEL: {Element.VALUE: {"type": "conversations_select", "selected_conversation": LD_CHANNEL}},
        },
    ),
    _view(Callback.ANSWER, _state(Block.IMPACT, Block.TRACKING), '{"touchpoint_id": 1}'),
    _view(Callback.SCHEDULE, _state(Block.NTH), '{"initiative_id": 1}'),
    _view(Callback.MEASURE, _state(Block.MEASURE_NAME, Block.BASELINE), '{"initiative_id": 1}'),
    _view(
        Callback.DIGEST_SETTINGS,
        {
            Block.DIGEST_WEEKDAY: {
                Element.VALUE: {
                    "type": "static_select",
                    "selected_option": {"text": {"type": "plain_text", "text": "Monday"}, "value": "0"},
                }
            }
        },
    ),
    _interactive("view_closed", view={"id": "V1", "callback_id": Callback.ANSWER}, is_cleared=False),
    _interactive("shortcut", callback_id="nobody"),
]
EVENTS = [
    {"type": "url_verification", "challenge": "abc", "token": "x"},
    _event(
        {
            "type": Event.USER_CHANGE,
            "user": {
                "id": SAM,
                "team_id": TEAM,
                "tz": "Europe/Berlin",
                "deleted": False,
                "profile": {"display_name": "Sam O"},
            },
        }
    ),
    _event(
        {
            "type": Event.MESSAGE,
            "channel": "D0LENA",
            "channel_type": "im",
            "user": LENA,
            "text": "import",
            "files": [{"id": "F1", "name": "plan.xlsx"}],
        }
    ),
    _event({"type": "app_mention", "user": LENA, "text": "<@U0APPBOT> hi", "channel": LD_CHANNEL}),
]
FORMS = [slash_form(LENA, text) for text in ("help", "list", "new", "upcoming", "export", "help payload")] + [
    {"ssl_check": "1", "token": "x"},
]


@st.composite
def mutated(draw, value: Any) -> Any:
    """value with one part (anywhere in it) removed, given another type, or replaced by hostile text."""
    if isinstance(value, (dict, list)) and value and draw(st.booleans()):
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = draw(st.sampled_from(keys))
        copy = dict(value) if isinstance(value, dict) else list(value)
        if draw(st.integers(0, 3)) == 0:
            del copy[key]
        else:
            copy[key] = draw(mutated(value[key]))
        return copy
    return draw(st.one_of(ANY_JSON, HOSTILE_TEXT, st.just([]), st.just({}), st.just([value]), st.just({"id": value})))


@st.composite
def slack_shaped(draw) -> tuple[bytes, str]:
    """A request of one of Slack's shapes, possibly mutated: a form, a payload=<JSON> form, or Events API JSON."""
    kind = draw(st.sampled_from(["form", "payload", "event"]))
    if kind == "form":
        form = dict(draw(st.sampled_from(FORMS)))
        if draw(st.booleans()):
            key = draw(st.sampled_from([*sorted(form), "payload", "extra"]))
            if draw(st.booleans()) and key in form:
                del form[key]
            else:
                form[key] = draw(ANY_TEXT)
        body = urlencode(form, errors="surrogatepass").encode()
        return body, FORM
    source = draw(st.sampled_from(PAYLOADS if kind == "payload" else EVENTS))
    value = draw(st.one_of(st.just(source), mutated(source)))
    text = json.dumps(value)
    if kind == "payload":
        return urlencode({"payload": text}, errors="surrogatepass").encode(), FORM
    return text.encode("utf-8", "surrogatepass"), JSON


def _no_shape_errors(records: list[logging.LogRecord]) -> None:
    for record in records:
        assert not (record.exc_info and isinstance(record.exc_info[1], SHAPE_ERRORS)), record.getMessage()
        assert record.name != "bot.web" or record.levelno <= logging.WARNING, record.getMessage()
    assert len([r for r in records if r.name == "bot.web" and r.levelno >= logging.WARNING]) <= 1


def _live(app, body: bytes) -> bytes:
    """The request with its stand-ins replaced by a response URL and a trigger the fake Slack knows."""
    url = app.slack.response_url()
    return (
        body.replace(quote_plus(RESPONSE_URL).encode(), quote_plus(url).encode())
        .replace(RESPONSE_URL.encode(), url.encode())
        .replace(TRIGGER.encode(), app.slack.new_trigger(LENA).encode())
    )


def _send(app, caplog, body: bytes, headers: dict[str, str]) -> int:
    before = side_effects(app)  # waits for the previous request's work, whose log is not this one's
    caplog.clear()
    status, _ = call_wsgi(app, body, headers)
    assert status < 500, (status, body[:300], headers)
    if status in REFUSED:
        assert side_effects(app) == before, (status, body[:300])
        assert [r for r in caplog.records if r.exc_info] == [], body[:300]
    elif status == 404:  # well formed but nobody's: no listener ran, so Slack heard nothing
        assert side_effects(app)[1:] == before[1:], body[:300]
    _no_shape_errors(caplog.records)
    return status


@pytest.fixture
def warnings_logged(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


@PROPERTY
@given(
    body=st.one_of(st.binary(max_size=300), st.builds(lambda shaped: shaped[0], slack_shaped())),
    content_type=CONTENT_TYPES,
    timestamp=st.one_of(ANY_TEXT, st.builds(lambda: str(int(time.time())))),
    signature=st.one_of(
        ANY_TEXT, st.builds(lambda h: "v0=" + h, st.text("0123456789abcdef", min_size=64, max_size=64))
    ),
    wrong_secret=st.booleans(),
)
def test_an_unsigned_or_badly_signed_request_gets_401_and_does_nothing(
    app, warnings_logged, body, content_type, timestamp, signature, wrong_secret
):
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    if wrong_secret:
        headers.update(sign("another-secret", body))
    assert _send(app, warnings_logged, body, headers) == 401


@PROPERTY
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.builds(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"), ANY_JSON),
        st.builds(
            lambda d: urlencode(d, errors="surrogatepass").encode(), st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=5)
        ),
        st.builds(lambda v: urlencode({"payload": json.dumps(v)}, errors="surrogatepass").encode(), ANY_JSON),
    ),
    content_type=CONTENT_TYPES,
)
def test_a_signed_body_of_no_slack_shape_never_gets_5xx_and_a_refused_one_does_nothing(
    app, warnings_logged, body, content_type
):
    _send(app, warnings_logged, body, {"Content-Type": content_type, **sign(SECRET, body)})


@PROPERTY
@given(request=slack_shaped())
def test_a_signed_request_of_slack_shape_mutated_anywhere_never_gets_5xx(app, warnings_logged, request):
    body, content_type = request
    body = _live(app, body)
    _send(app, warnings_logged, body, {"Content-Type": content_type, **sign(SECRET, body)})


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=slack_shaped(), signed=st.booleans())
def test_over_real_http_the_same_holds(http_app, request, signed):
    app = http_app
    body, content_type = request
    body, before = _live(app, body), side_effects(app)
    reply = app.workspace.post(body, content_type, signed=signed)
    assert reply.status < 500 and (signed or reply.status == 401), (reply, body[:300])
    if reply.status in REFUSED:
        assert side_effects(app) == before


def test_the_unmutated_requests_are_read_as_slack_means_them(app):
    """The generators' starting points are Slack's own shapes: each is accepted (and handled, or nobody's)."""
    for payload in PAYLOADS:
        body = _live(app, urlencode({"payload": json.dumps(payload)}).encode())
        assert app.workspace.post(body, FORM).status in (200, 404), payload
    for event in EVENTS:
        assert app.workspace.post(json.dumps(event).encode(), JSON).status in (200, 404), event
    for form in FORMS:
        assert app.workspace.post(_live(app, urlencode(form).encode()), FORM).status == 200, form
    assert app.workspace.post_payload(_interactive("shortcut", callback_id="nobody")).status == 404
    assert app.workspace.slash(LENA, "help").json()["text"].count(COMMAND) >= 1
