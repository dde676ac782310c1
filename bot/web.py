"""The HTTP face: POST /slack/events (verified, parsed defensively, then handed to Bolt) and GET /healthz."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest

from storage.db import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (big modals) are well under this
MAX_REQUEST_AGE_SECONDS = 5 * 60


class WebApp:
    def __init__(self, bolt: App, db: Database, signing_secret: str) -> None:
        self.bolt = bolt
        self.db = db
        self._secret = signing_secret.encode("utf-8")

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok = self.db.ping()
            return _reply(start_response, 200 if ok else 503, "ok" if ok else "database unreachable")
        if path == EVENTS_PATH and method == "POST":
            return self._slack(environ, start_response)
        if path in (HEALTH_PATH, EVENTS_PATH):
            return _reply(start_response, 405, "method not allowed")
        return _reply(start_response, 404, "not found")

    def _slack(self, environ: dict, start_response) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, 400, "bad content length")
        if length > MAX_BODY_BYTES:
            return _reply(start_response, 413, "body too large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        request = WsgiHttpRequest(environ)
        headers = {k: str(v) for k, v in request.get_headers().items()}
        if not self._signed(raw, headers):
            return _reply(start_response, 401, "invalid signature")
        try:
            body = raw.decode("utf-8")
            if not _parses(body, headers.get("content-type", "")):
                raise ValueError("unexpected body")
            bolt_request = BoltRequest(body=body, query=request.query_string, headers=headers)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return _reply(start_response, 400, "malformed body")
        try:
            response = self.bolt.dispatch(bolt_request)
        except (KeyError, TypeError, AttributeError, ValueError):
            # Our listeners' errors go to the app's error handler; what escapes dispatch is Bolt failing to read a
            # payload of a shape Slack does not send.
            logger.warning("unreadable payload", exc_info=True)
            return _reply(start_response, 400, "malformed payload")
        start_response(_status_line(response.status), [(k, v) for k, vs in response.headers.items() for v in vs])
        return [response.body.encode("utf-8")]


    def _signed(self, raw: bytes, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes, from the last five minutes (older ones may be replays)."""
        timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_REQUEST_AGE_SECONDS:
            return False
        expected = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest("v0=" + expected, signature)


def _parses(body: str, content_type: str) -> bool:
    """Whether the body is a payload Slack sends: JSON (events) or a form (commands, or payload=<JSON> for
    interactivity). Anything else would make Bolt fail with a 500."""
    if content_type.startswith("application/json"):
        return isinstance(json.loads(body), dict)
    form = parse_qs(body, keep_blank_values=True)
    if "payload" in form:
        return isinstance(json.loads(form["payload"][0]), dict)
    return bool(form) or body == ""


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _reply(start_response, status: int, text: str) -> list[bytes]:
    start_response(_status_line(status), [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode("utf-8")]
