"""The simulated Slack over HTTP on a loopback port: the Web API, the response_urls, and the URLs files are uploaded
to and downloaded from. What each request does is the FakeSlackApi's; this is only the plumbing."""

from __future__ import annotations

import contextlib
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from bot.simulator.webapi import FakeSlackApi


def server_for(api: FakeSlackApi) -> ThreadingHTTPServer:
    """A server on a free loopback port that hands every request to `api`; not started."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test and demo output clean
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/oauth/v2/authorize"):  # the person clicking Allow: ?team=T...&user=U...
                return self._authorize(self.path.partition("?")[2])
            if self.path.startswith("/files/"):  # a file's url_private: the bot token is required
                return self._download(self.path.removeprefix("/files/"))
            path, _, query = self.path.partition("?")
            self._api(path, {k: v[0] for k, v in parse_qs(query).items()})

        def _authorize(self, query: str) -> None:
            args = {k: v[0] for k, v in parse_qs(query).items()}
            status, where = api.authorize(args, team_id=args.get("team", ""), user_id=args.get("user", ""))
            if status != 302:
                return self._send(status, {"ok": False, "error": where})
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _download(self, file_id: str) -> None:
            status, body = api.download(file_id, self.headers.get("Authorization", ""))
            if body is None:
                return self._send(status, {"ok": False})
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/upload/"):  # the upload URL files.getUploadURLExternal handed out
                uploaded = api.receive_upload(self.path.removeprefix("/upload/"), body)
                return self._send(200 if uploaded else 404, {"ok": uploaded})
            raw = body.decode("utf-8")
            if self.path.startswith("/respond/"):
                api.receive_response(self.path.removeprefix("/respond/"), json.loads(raw or "{}"))
                return self._send(200, {"ok": True})
            path, _, query = self.path.partition("?")
            args = {k: v[0] for k, v in parse_qs(query).items()}
            self._api(path, {**args, **_parse_args(raw, self.headers.get("Content-Type", ""))})

        def _api(self, path: str, args: dict) -> None:
            method = path.removeprefix("/api/")
            status, payload, headers = api.handle(method, args, self.headers.get("Authorization", ""))
            self._send(status, payload, headers)

        def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
            body = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller went away: fine
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def _parse_args(raw: str, content_type: str) -> dict:
    if content_type.startswith("application/json"):
        return json.loads(raw or "{}")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
