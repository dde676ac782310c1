"""Slack's other side: people using the app, sent to it as signed requests like Slack's own: over HTTP to the app's
server, or handed in this process to the app's WSGI callable (the same bytes and headers, the same signature check and
shape checks, without a socket)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.ids import COMMAND
from bot.simulator.manifest import EVENT_SCOPES
from bot.simulator.webapi import FakeSlackApi


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


# Sends a request's body with its headers to the app; answers (status, body).
Transport = Callable[[bytes, dict[str, str]], tuple[int, str]]
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def over_http(url: str) -> Transport:
    """POST to the app's server at url, as Slack does."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    return send


def in_process(wsgi: WsgiApp, path: str = "/slack/events") -> Transport:
    """Hand the request to the app's WSGI callable in this process, as its HTTP server would."""

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        environ = {
            "PATH_INFO": path,
            "REQUEST_METHOD": "POST",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        statuses: list[str] = []
        reply = b"".join(wsgi(environ, lambda status, _headers, _exc_info=None: statuses.append(status)))
        return int(statuses[0].split()[0]), reply.decode("utf-8", "replace")

    return send


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


class Workspace:
    """A Slack workspace whose members use the app, as far as the app's manifest lets them (through api.manifest: a
    command it does not create, a click with interactivity off, an event it does not subscribe to or a DM its messages
    tab does not accept raise SlackRefused). `app` is the app's URL (requests go over HTTP) or a transport, such as
    in_process(touchpoint.wsgi())."""

    def __init__(self, api: FakeSlackApi, app: str | Transport, signing_secret: str) -> None:
        self.api = api
        self.app_url = app if isinstance(app, str) else None
        self.transport = over_http(app) if isinstance(app, str) else app
        self.signing_secret = signing_secret
        self.team_id = api.team_id

    # What people do

    def slash(self, user_id: str, text: str, *, channel_id: str = "C0GENERAL", command: str = COMMAND) -> Reply:
        self.api.manifest.check_command(command)
        self.api.usage.scopes.add("commands")
        form = {
            "token": "deprecated",
            "team_id": self.team_id,
            "team_domain": "simulated",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": self.api.users.get(user_id, {}).get("name", user_id),
            "command": command,
            "text": text,
            "api_app_id": "ATOUCHPOINT",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(),
            "trigger_id": self.api.new_trigger(user_id),
        }
        return self.post_form(form)

    def shortcut(self, user_id: str, callback_id: str) -> Reply:
        """Pick a global shortcut (from the shortcuts menu or the search bar), as far as the manifest declares it."""
        self.api.manifest.check_shortcut(callback_id)
        return self._interact(
            "shortcut", user_id, callback_id=callback_id, action_ts=str(time.time()), is_enterprise_install=False
        )

    def submit(self, user_id: str, view: dict, values: dict[str, Any]) -> Reply:
        """Submit a modal as Slack would, with values keyed by block id (text, a list of users, or a channel id)."""
        self.api.manifest.check_interactivity()
        state: dict[str, dict] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            value = values.get(block["block_id"], _initial(element))
            state[block["block_id"]] = {element["action_id"]: _state_value(element, value)}
        return self._interact(
            "view_submission",
            user_id,
            view={**view, "state": {"values": state}},
            response_urls=[],
            is_enterprise_install=False,
        )

    def click(
        self,
        user_id: str,
        channel: str,
        ts: str,
        action_id: str,
        *,
        option: str | None = None,
        day: str | None = None,
        block_id: str | None = None,
    ) -> Reply:
        """Use the element with action_id in the message at (channel, ts), in the block block_id if given (else the
        first such element): click a button, pick an overflow menu's option (by value) or a date (YYYY-MM-DD)."""
        self.api.manifest.check_interactivity()
        message = self.api.message(channel, ts)
        assert message is not None, f"no message {ts} in {channel}"
        found = _element(message.blocks, action_id, block_id=block_id)
        if found is None:
            raise AssertionError(f"no button {action_id} in message {ts}")
        return self._interact(
            "block_actions",
            user_id,
            container={"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            channel={"id": channel},
            message={"ts": ts, "text": message.text, "blocks": message.blocks},
            response_url=self.api.response_url(),
            actions=[_pressed(*found, option, day)],
        )

    def open_home(self, user_id: str, *, event_id: str) -> Reply:
        """The person opens the app's Home tab: Slack sends app_home_opened (with the view it shows, if any)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.api.dm_channel(user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        shown = self.api.home_of(user_id)
        if shown is not None:
            event["view"] = shown
        return self.event(event, event_id=event_id)

    def click_home(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        option: str | None = None,
        day: str | None = None,
    ) -> Reply:
        """Use an element on the person's Home tab as last published: the first with action_id (and value, if
        given). Slack sends no channel, message or response URL for these: the container is the view."""
        self.api.manifest.check_interactivity()
        view = self.api.home_of(user_id)
        assert view is not None, f"{user_id} has no Home tab published"
        found = _element(view.get("blocks", []), action_id, value=value)
        if found is None:
            raise AssertionError(f"no element {action_id} on {user_id}'s Home tab")
        return self._interact(
            "block_actions",
            user_id,
            container={"type": "view", "view_id": view["id"]},
            view=view,
            actions=[_pressed(*found, option, day)],
        )

    def _interact(self, kind: str, user_id: str, **fields: Any) -> Reply:
        """An interaction payload of `kind` from the person, as Slack sends it (with a trigger id of its own)."""
        return self.post_payload(
            {
                "type": kind,
                "team": {"id": self.team_id, "domain": "simulated"},
                "user": {"id": user_id, "team_id": self.team_id},
                "api_app_id": "ATOUCHPOINT",
                "trigger_id": self.api.new_trigger(user_id),
                **fields,
            }
        )

    def event(self, event: dict, *, event_id: str, retry_num: int | None = None) -> Reply:
        subscription = self.api.manifest.check_delivery(event)
        self.api.usage.scopes.update({EVENT_SCOPES.get(subscription, "")} & self.api.manifest.bot_scopes)
        body = {
            "token": "deprecated",
            "team_id": self.team_id,
            "api_app_id": "ATOUCHPOINT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(json.dumps(body).encode(), "application/json", headers)

    # The wire

    def post_form(self, form: dict) -> Reply:
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def post_payload(self, payload: dict) -> Reply:
        return self.post_form({"payload": json.dumps(payload)})

    def post(self, body: bytes, content_type: str, headers: dict | None = None, *, signed: bool = True) -> Reply:
        all_headers = {
            "Content-Type": content_type,
            **(sign(self.signing_secret, body) if signed else {}),
            **(headers or {}),
        }
        started = time.perf_counter()
        status, text = self.transport(body, all_headers)
        return Reply(status, text, time.perf_counter() - started)


def _initial(element: dict) -> Any:
    """What an element holds before anyone touches it, in the shape `submit` takes values."""
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    for key in (
        "initial_value",
        "initial_users",
        "initial_conversation",
        "initial_channel",
        "initial_time",
        "initial_date",
    ):
        if key in element:
            return element[key]
    return None


def _option(element: dict, value: str) -> dict:
    return next(o for o in element["options"] if o["value"] == value)


def _state_value(element: dict, value: Any) -> dict:
    """An element's state as Slack sends it in view_submission, for a plain value."""
    kind = element["type"]
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "channels_select":
        return {"type": kind, "selected_channel": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": _option(element, value) if value is not None else None}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    return {"type": kind, "value": value}


def _element(
    blocks: list[dict], action_id: str, *, block_id: str | None = None, value: str | None = None
) -> tuple[dict, dict] | None:
    """(element, its block): the first element with `action_id` (in the block `block_id`, with `value`, if given),
    among the blocks' actions and accessories."""
    for block in blocks:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                return element, block
    return None


def _pressed(element: dict, block: dict, option: str | None, day: str | None) -> dict:
    """The action Slack reports for an element used: chosen option or date included."""
    action = {**element, "block_id": block.get("block_id"), "action_ts": str(time.time())}
    if option is not None:
        action["selected_option"] = next(o for o in element["options"] if o["value"] == option)
    if day is not None:
        action["selected_date"] = day
    return action
