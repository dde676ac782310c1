"""The shapes of the bodies Slack sends to /slack/events, checked before Bolt reads them: a body that is not one of
them is refused (Malformed, a 400) instead of failing somewhere inside Bolt or a listener."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

# Slack's deepest payloads (a message's rich text inside a block_actions payload) nest about fifteen levels. A cap far
# above that refuses absurd nesting before the JSON parser, or Bolt after it, could run out of stack.
MAX_JSON_DEPTH = 64
MAX_FORM_FIELDS = 50  # a slash command has about fifteen
DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses
_URL = re.compile(r"https?://[!-~]+")  # where Bolt's respond() posts: an http(s) URL of visible ASCII
# A JSON string (skipped whole, so that brackets a person typed do not count) or a bracket.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


class Malformed(ValueError):
    """A body that is not one of the shapes Slack sends; the reason is ours (it never quotes the body)."""


# Reading a body: one of Slack's shapes, or Malformed


def read_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The body as Bolt reads it, if it is one of the shapes Slack sends: a slash command (or ssl_check) form, an
    interactivity payload (`payload=<JSON>`), or an Events API JSON body. Which one it is follows from the content
    type and the form's keys, never from what a person typed."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("body is not UTF-8") from None
    if media_type == _JSON:
        return _events_api(_json_object(text))
    if media_type != _FORM:
        raise Malformed("unexpected content type")
    form = _form(text)
    if "payload" in form:
        if len(form) != 1:
            raise Malformed("an interactivity payload comes alone")
        return _interactivity(_json_object(form["payload"]))
    if form.get("ssl_check") == "1":
        return form
    return _slash_command(form)


def _form(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError:  # also an empty body, and percent-escapes that are not UTF-8
        raise Malformed("not a form") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise Malformed("a form field appears twice")
    for value in form.values():
        _check_text(value)
    return form


def _json_object(text: str) -> dict[str, Any]:
    """A JSON object no deeper than MAX_JSON_DEPTH, its depth measured before the parser (which recurses) sees it."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise Malformed("JSON nested too deep")
        elif bracket in ("]", "}"):
            depth -= 1
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("not JSON") from None
    if not isinstance(value, dict):
        raise Malformed("JSON that is not an object")
    _check_strings(value)
    return value


def _check_text(value: str) -> None:
    """Slack never sends NUL or half a surrogate pair, and PostgreSQL can store neither: refused at the door."""
    if "\x00" in value or (not value.isascii() and _has_lone_surrogate(value)):
        raise Malformed("text Slack does not send")


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_strings(value: Any) -> None:
    """_check_text on every key and string of a parsed JSON value (already known to be shallow)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key)
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)


# The shapes, as far as Bolt and Touchpoint's listeners read them. Checked: every key that is read with [] (it must
# be there, of its type) and every optional key whose type the reader assumes.

_Check = Callable[[dict[str, Any]], None]
_ID_HOLDERS = ("user", "team", "channel", "enterprise")  # a string id, or an object with an "id"
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread", "function_data", "view", "container")


def _need(mapping: dict, key: str, kind: type | tuple[type, ...]) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise Malformed(f"{key} missing or of the wrong type")
    return value


def _may(mapping: dict, key: str, kind: type | tuple[type, ...]) -> Any:
    value = mapping.get(key)
    if value is not None and not isinstance(value, kind):
        raise Malformed(f"{key} of the wrong type")
    return value


def _ours(mapping: dict, key: str) -> None:
    """A value Touchpoint put in its own blocks (an action's id or value, an option's value, a block id, a modal's
    callback id or metadata): always ASCII. Listeners read numbers out of these, and "²".isdigit() holds while
    int("²") fails, so anything else is refused here. (Touchpoint has no input that dispatches actions, so an action's
    value is never a person's words.)"""
    value = mapping.get(key)
    if isinstance(value, str) and not value.isascii():
        raise Malformed(f"{key} holds characters Touchpoint never puts there")


def _need_id(mapping: dict, key: str) -> None:
    """An object with a string "id", as Slack sends `user` and `team` in interactivity payloads."""
    if not _need(_need(mapping, key, dict), "id", str):
        raise Malformed(f"{key} with an empty id")


def _list_of_dicts(mapping: dict, key: str, *, required: bool = False) -> list[dict]:
    items = (_need if required else _may)(mapping, key, list) or []
    if (required and not items) or not all(isinstance(item, dict) for item in items):
        raise Malformed(f"{key} is not a list of objects")
    return items


def _may_url(mapping: dict, key: str) -> None:
    if key in mapping and not (isinstance(mapping[key], str) and _URL.fullmatch(mapping[key])):
        raise Malformed(f"{key} is not a URL")


def _bolt_context(body: dict) -> None:
    """What Bolt reads to build a request's context (team, user, channel, thread, response URL), wherever it looks."""
    pending = [body]
    while pending:
        part = pending.pop()
        for key in _ID_HOLDERS:
            holder = _may(part, key, (str, dict))
            if isinstance(holder, dict):
                _may(holder, "id", str)
        for key in ("team_id", "user_id", "channel_id", "enterprise_id", "thread_ts", "user_team"):
            _may(part, key, str)
        _may_url(part, "response_url")
        _may(part, "is_ext_shared_channel", bool)
        # Bolt takes response_urls' length when the key is there at all and, given more than one, fails logging it
        # (Touchpoint's modals ask Slack for none)
        if "response_urls" in part and len(_need(part, "response_urls", list)) > 1:
            raise Malformed("more than one response URL")
        for key in ("response_urls", "authorizations"):
            for item in _list_of_dicts(part, key):
                _may_url(item, "response_url")
                pending.append(item)
        pending.extend(inner for key in _NESTED if isinstance(inner := _may(part, key, dict), dict))


def _element_state(element: dict) -> None:
    """An element's value as Slack sends it in a block action or a view's state."""
    _may(element, "type", str)
    for key in (
        "value",
        "selected_date",
        "selected_time",
        "selected_user",
        "selected_channel",
        "selected_conversation",
    ):
        _may(element, key, str)
    options = [_may(element, "selected_option", dict)] if element.get("selected_option") is not None else []
    options += _list_of_dicts(element, "selected_options")
    for option in options:
        _need(option, "value", str)
        _ours(option, "value")
    for key in ("selected_users", "selected_channels", "selected_conversations"):
        if not all(isinstance(item, str) for item in _may(element, key, list) or []):
            raise Malformed(f"{key} is not a list of ids")


def _slash_command(form: dict[str, str]) -> dict[str, str]:
    if "text" not in form:
        raise Malformed("a slash command without text")
    for key in ("command", "team_id", "user_id", "channel_id", "trigger_id", "response_url"):
        if not form.get(key):
            raise Malformed(f"a slash command without {key}")
    if not form["command"].startswith("/"):
        raise Malformed("a slash command that does not start with /")
    _may_url(form, "response_url")
    return form


def _block_actions(payload: dict) -> None:
    _need(payload, "trigger_id", str)
    # Touchpoint's buttons live in messages, whose listeners answer through the response URL Slack always sends with
    # them, and on the App Home tab (a "view" container of a home view: no channel, message or response URL). An
    # action from anywhere else (a modal) is none of ours.
    container = _need(_need(payload, "container", dict), "type", str)
    if container == "view":
        if _need(_need(payload, "view", dict), "type", str) != "home":
            raise Malformed("a button in a view that is not the Home tab")
    elif container == "message":
        _need(payload, "response_url", str)
    else:
        raise Malformed("a button that is not in a message or on the Home tab")
    for action in _list_of_dicts(payload, "actions", required=True):
        _need(action, "action_id", str)
        _may(action, "block_id", str)
        for key in ("action_id", "block_id", "value"):
            _ours(action, key)
        _element_state(action)


def _view_submission(payload: dict) -> None:
    view = _need(payload, "view", dict)
    _need(view, "callback_id", str)
    _need(view, "type", str)  # Bolt reads it to tell a workflow step from a modal
    _may(view, "app_installed_team_id", str)  # Bolt takes the team from here first
    _may(view, "private_metadata", str)
    _ours(view, "callback_id")
    _ours(view, "private_metadata")
    for block in _list_of_dicts(view, "blocks"):
        _may(block, "type", str)
        _may(block, "block_id", str)
    for elements in _need(_need(view, "state", dict), "values", dict).values():
        if not isinstance(elements, dict) or not all(isinstance(element, dict) for element in elements.values()):
            raise Malformed("a view's state is not blocks of elements")
        for element in elements.values():
            _element_state(element)


def _view_closed(payload: dict) -> None:
    _need(_need(payload, "view", dict), "callback_id", str)


def _shortcut(payload: dict) -> None:
    _need(payload, "callback_id", str)
    _need(payload, "trigger_id", str)


def _block_suggestion(payload: dict) -> None:
    for key in ("action_id", "block_id", "value"):
        _need(payload, key, str)


def _legacy(payload: dict) -> None:  # attachments' buttons and dialogs: well formed, but Touchpoint sends none
    _need(payload, "callback_id", str)


_PAYLOADS: dict[str, _Check] = {
    "block_actions": _block_actions,
    "view_submission": _view_submission,
    "view_closed": _view_closed,
    "shortcut": _shortcut,
    "message_action": _shortcut,
    "block_suggestion": _block_suggestion,
    "interactive_message": _legacy,
    "dialog_submission": _legacy,
    "dialog_cancellation": _legacy,
    "dialog_suggestion": _legacy,
}


def _interactivity(payload: dict[str, Any]) -> dict[str, Any]:
    check = _PAYLOADS.get(_need(payload, "type", str))
    if check is None:
        raise Malformed("not an interactivity payload Slack sends")
    _need_id(payload, "user")
    _need_id(payload, "team")
    check(payload)
    _bolt_context(payload)
    return payload


def _user_change(event: dict) -> None:
    _need_id(event, "user")
    user = event["user"]
    _may(user, "profile", dict)
    _may(user, "tz", str)
    _may(user, "deleted", bool)


def _message(event: dict) -> None:
    for key in ("user", "text", "channel", "channel_type", "subtype", "bot_id"):
        _may(event, key, str)
    for file in _list_of_dicts(event, "files"):
        _may(file, "id", str)


_EVENTS: dict[str, _Check] = {"user_change": _user_change, "message": _message}


def _events_api(body: dict[str, Any]) -> dict[str, Any]:
    kind = _need(body, "type", str)
    if kind == "url_verification":
        _need(body, "challenge", str)
        return body
    if kind == "app_rate_limited":
        _need(body, "team_id", str)
        return body
    if kind != "event_callback":
        raise Malformed("not an Events API body Slack sends")
    for key in ("team_id", "api_app_id", "event_id"):
        if not _need(body, key, str):
            raise Malformed(f"an event with an empty {key}")
    _need(body, "event_time", int)
    event = _need(body, "event", dict)
    _EVENTS.get(_need(event, "type", str), lambda _: None)(event)
    _bolt_context(body)
    return body
