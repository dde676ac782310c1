"""The HTTP face: POST /slack/events (verified, parsed defensively, then handed to Bolt) and GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from storage.db import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1_000_000  # Slack's largest payloads (big modals) are well under this


class WebApp:
    def __init__(self, bolt: App, db: Database, signing_secret: str) -> None:
        self.bolt = bolt
        self.db = db
        self.verifier = SignatureVerifier(signing_secret)

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
        if not self.verifier.is_valid_request(raw, headers):
            return _reply(start_response, 401, "invalid signature")
        try:
            body = raw.decode("utf-8")
            if not _parses(body, headers.get("content-type", "")):
                raise ValueError("unexpected body")
            bolt_request = BoltRequest(body=body, query=request.query_string, headers=headers)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return _reply(start_response, 400, "malformed body")
        response = self.bolt.dispatch(bolt_request)
        start_response(_status_line(response.status), [(k, v) for k, vs in response.headers.items() for v in vs])
        return [response.body.encode("utf-8")]


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
