"""The HTTP face: POST /slack/events (verified, then read once by content type and shape, then handed to Bolt already
parsed) and GET /healthz.

Every request gets a deliberate answer: 401 when it is not correctly signed, whatever its headers hold; 413 when it is
larger than anything Slack sends; 400 when its body is not one of the shapes Slack sends; 404 when it is well formed
but no listener handles it. A refused request logs one WARNING line and touches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterable, Sequence
from http import HTTPStatus

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot import metrics
from bot.web_shapes import DIGITS, Malformed, read_body
from storage.db import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
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
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            content_type, body = metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        flow = self.bolt.oauth_flow
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path) and method == "GET":
            return self._oauth(environ, start_response, path == flow.install_path)
        if path == EVENTS_PATH and method == "POST":
            started = time.monotonic()
            kind, status, reply = self._slack(environ, start_response)
            metrics.request_done(kind, status, time.monotonic() - started)
            return reply
        if path in (HEALTH_PATH, EVENTS_PATH, METRICS_PATH):
            return _reply(start_response, 405, "method not allowed")
        return _reply(start_response, 404, "not found")

    def _oauth(self, environ: dict, start_response, install: bool) -> Iterable[bytes]:
        """ "Add to Slack": the install page (a state issued, the browser sent to Slack's authorize page), or Slack
        sending the browser back with a code (the state checked, the code exchanged, the installation saved)."""
        assert self.bolt.oauth_flow is not None
        bolt_headers: dict[str, str | Sequence[str]] = dict(_headers(environ))
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=bolt_headers)
        flow = self.bolt.oauth_flow
        response = flow.handle_installation(request) if install else flow.handle_callback(request)
        start_response(_status_line(response.status), [(k, v) for k, vs in response.headers.items() for v in vs])
        return [response.body.encode("utf-8")]

    def _slack(self, environ: dict, start_response) -> tuple[str, int, Iterable[bytes]]:
        """The request's kind (for the metrics; "refused" when it never reached Bolt), status and reply."""
        length_header = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if not DIGITS.fullmatch(length_header):
            return "refused", 400, _refuse(start_response, 400, "bad content length")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            return "refused", 413, _refuse(start_response, 413, "body too large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = _headers(environ)
        if not self._signed(raw, headers):
            return "refused", 401, _refuse(start_response, 401, "invalid signature")
        try:
            body = read_body(raw, headers.get("content-type", ""))
        except Malformed as refusal:
            return "refused", 400, _refuse(start_response, 400, "malformed body", str(refusal))
        kind = _kind(body)
        # Parsed already: Bolt must not parse the raw text again (its parser takes any body that contains the word
        # "payload" for an interactivity payload). Bolt's "socket_mode" is how it accepts a parsed body; it only
        # skips Bolt's own signature check, which _signed has done over the raw bytes.
        try:
            bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
            request = BoltRequest(
                body=body, query=environ.get("QUERY_STRING", ""), headers=bolt_headers, mode="socket_mode"
            )
            response = self.bolt.dispatch(request)
        except (KeyError, TypeError, AttributeError, ValueError):
            # Our listeners' errors go to the app's error handler; what escapes here is Bolt failing on a shape
            # read_body let through: a gap in read_body, logged in full so that it gets closed.
            logger.warning("unreadable payload", exc_info=True)
            return kind, 400, _reply(start_response, 400, "malformed payload")
        start_response(_status_line(response.status), [(k, v) for k, vs in response.headers.items() for v in vs])
        return kind, response.status, [response.body.encode("utf-8")]

    def _signed(self, raw: bytes, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes, from the last five minutes (older ones may be replays)."""
        timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        if not DIGITS.fullmatch(timestamp) or abs(time.time() - int(timestamp)) > MAX_REQUEST_AGE_SECONDS:
            return False
        expected = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        # compare_digest refuses a str that is not ASCII; a header can hold any byte.
        return signature.isascii() and hmac.compare_digest("v0=" + expected, signature)


KINDS = frozenset(
    {
        "event_callback",
        "url_verification",
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
    }
)


def _kind(body: dict) -> str:
    """What Slack sent, in a few words that can label a metric: a slash command, or the payload's type."""
    if "command" in body:
        return "command"
    kind = str(body.get("type") or "")
    return kind if kind in KINDS else "other"


def _headers(environ: dict) -> dict[str, str]:
    """The request's headers as Bolt takes them: lower-case names, one value each."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if key in environ:
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _refuse(start_response, status: int, text: str, reason: str | None = None) -> list[bytes]:
    """A refused request: one WARNING line saying why (never the body or the headers), and nothing else done."""
    logger.warning("refused a Slack request (%s): %s", status, reason or text)
    return _reply(start_response, status, text)


def _reply(start_response, status: int, text: str) -> list[bytes]:
    start_response(_status_line(status), [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode("utf-8")]
