"""A fake Slack Web API: real HTTP on a random loopback port, recording every call with its arguments."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.simulator.manifest import Manifest, SlackRefused, SlackUsage, scopes_for

TOKEN = "xoxb-simulated-token"


@dataclass(frozen=True)
class SlackCall:
    method: str
    args: dict[str, Any]
    at: float


@dataclass
class _Fault:
    method: str
    times: int
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    when: Callable[[dict], bool] | None = None


@dataclass
class Message:
    channel: str
    ts: str
    user: str  # who posted (the app's bot user, or a person)
    text: str
    blocks: list[dict] = field(default_factory=list)
    metadata: dict | None = None
    edits: int = 0
    thread_ts: str | None = None  # set on replies in a thread
    files: list[str] = field(default_factory=list)  # ids of files shared with the message


class FakeSlackApi:
    """Slack's Web API as the app sees it. Start with `start()`; point the app's SLACK_API_URL at `url`.

    It holds the app to its manifest (the repository's manifest.json unless told otherwise) as Slack does: a method
    the bot's scopes do not allow is refused with missing_scope, and `usage` collects what was called."""

    BOT_USER = "UTOUCHBOT"

    def __init__(
        self,
        team_id: str = "T0SIMULATED",
        *,
        any_trigger: bool = False,
        manifest: Manifest | None = None,
        usage: SlackUsage | None = None,
    ) -> None:
        self.team_id = team_id
        self.any_trigger = any_trigger  # benchmarks make trigger ids in another process
        self.manifest = manifest or Manifest.load()
        self.usage = usage if usage is not None else SlackUsage()
        self.calls: list[SlackCall] = []
        self.users: dict[str, dict] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.messages: list[Message] = []
        self.views: dict[str, dict] = {}  # view id -> {"user": ..., "view": ...}
        self.homes: dict[str, dict] = {}  # user id -> the Home tab last published for them
        self.published: list[tuple[str, dict]] = []  # every views.publish, in order: (user id, view)
        self.responses: list[dict] = []  # bodies posted to response_urls
        self.files: dict[str, dict] = {}  # file id -> {"name", "title", "content", "user", ...}
        self.triggers: dict[str, str] = {}  # trigger_id -> user id
        self.members: dict[str, set[str]] = {}  # channel -> user ids of members (the bot included)
        self.private: set[str] = set()  # private channels: the bot can neither see nor join them uninvited
        self._faults: list[_Fault] = []
        self._delays: dict[str, float] = {}
        self._limits: dict[str, tuple[float, list[float]]] = {}  # method -> (per second, recent call times)
        self._lock = threading.RLock()
        self._recorded = threading.Condition(self._lock)  # notified whenever a call or a response is recorded
        self._record_count = 0
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Setting the scene

    def add_user(
        self, user_id: str, name: str, *, tz: str = "Europe/London", is_bot: bool = False, deleted: bool = False
    ) -> None:
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name.lower().replace(" ", "."),
                "real_name": name,
                "tz": tz,
                "is_bot": is_bot,
                "deleted": deleted,
                "profile": {"real_name": name, "display_name": name.split(" ")[0]},
            }

    def add_channel(self, channel_id: str, *, bot_is_member: bool = True, private: bool = False) -> None:
        with self._lock:
            self.members[channel_id] = {self.BOT_USER} if bot_is_member else set()
            if private:
                self.private.add(channel_id)

    def fail(
        self,
        method: str,
        error: str = "internal_error",
        *,
        times: int = 1,
        status: int = 200,
        retry_after: int | None = None,
        when: Callable[[dict], bool] | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (that match `when`) with an error instead."""
        with self._lock:
            self._faults.append(_Fault(method, times, status, error, retry_after, when))

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self.fail(method, "ratelimited", times=times, status=429, retry_after=retry_after)

    def limit_rate(self, method: str, per_second: float) -> None:
        """Enforce a steady rate on a method as Slack does: past it, 429 with the Retry-After to wait."""
        with self._lock:
            self._limits[method] = (per_second, [])

    def slow(self, method: str, seconds: float) -> None:
        """Answer calls of method only after `seconds` (the call is recorded, and takes effect, at once)."""
        self._delays[method] = seconds

    # Reading what happened

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    def messages_in(self, channel: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.channel == channel]

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def views_for(self, user_id: str) -> list[dict]:
        with self._lock:
            return [v["view"] for v in self.views.values() if v["user"] == user_id]

    def home_of(self, user_id: str) -> dict | None:
        with self._lock:
            return self.homes.get(user_id)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate() is truthy; its value, or AssertionError at the deadline. It is asked again each
        time Slack records a call (and at least every 50 ms, for predicates that read more than Slack's state);
        never under the lock, so a predicate may wait on anything the app holds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._recorded:
                seen = self._record_count
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the simulated Slack did not see what was expected in time")
            with self._recorded:
                if self._record_count == seen:
                    self._recorded.wait(min(remaining, 0.05))

    def _note_recorded(self) -> None:
        with self._recorded:
            self._record_count += 1
            self._recorded.notify_all()

    # Serving

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self) -> str:
        return self.url.replace("/api/", f"/respond/{next(self._ids)}")

    def new_trigger(self, user_id: str) -> str:
        trigger = f"{next(self._ids)}.{int(time.time())}.simulated"
        with self._lock:
            self.triggers[trigger] = user_id
        return trigger

    def start(self) -> FakeSlackApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test and demo output clean
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/files/"):  # a file's url_private: the bot token is required
                    return self._download(self.path.removeprefix("/files/"))
                path, _, query = self.path.partition("?")
                self._api(path, {k: v[0] for k, v in parse_qs(query).items()})

            def _download(self, file_id: str) -> None:
                found = api.files.get(file_id)
                if found is None or self.headers.get("Authorization", "") != f"Bearer {TOKEN}":
                    return self._send(404 if found is None else 403, {"ok": False})
                body = found["content"]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # the upload URL files.getUploadURLExternal handed out
                    with api._lock:
                        pending = api.files.get(self.path.removeprefix("/upload/"))
                        if pending is None:
                            return self._send(404, {"ok": False})
                        pending["content"] = body
                    return self._send(200, {"ok": True})
                raw = body.decode("utf-8")
                if self.path.startswith("/respond/"):
                    with api._lock:
                        api.responses.append(json.loads(raw or "{}"))
                    api._note_recorded()
                    return self._send(200, {"ok": True})
                path, _, query = self.path.partition("?")
                args = {k: v[0] for k, v in parse_qs(query).items()}
                self._api(path, {**args, **_parse_args(raw, self.headers.get("Content-Type", ""))})

            def _api(self, path: str, args: dict) -> None:
                method = path.removeprefix("/api/")
                status, payload, headers = api._handle(method, args, self.headers.get("Authorization", ""))
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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # The Web API

    def _handle(self, method: str, args: dict, authorization: str) -> tuple[int, dict, dict]:
        result = self._answer(method, args, authorization)
        self._note_recorded()
        if method in self._delays:
            time.sleep(self._delays[method])
        return result

    def _over_limit(self, method: str) -> float | None:
        """Seconds to wait if this call would break the method's rate (a sliding one-second window)."""
        if method not in self._limits:
            return None
        per_second, recent = self._limits[method]
        now = time.monotonic()
        recent[:] = [t for t in recent if now - t < 1.0]
        if len(recent) >= per_second:
            return 1.0 - (now - recent[0])
        recent.append(now)
        return None

    def _answer(self, method: str, args: dict, authorization: str) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(SlackCall(method, args, time.monotonic()))
            if authorization != f"Bearer {TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            refused = self.manifest.refusal(method, args)
            if refused is not None:
                self.usage.refused.append(f"{method}: {refused['error']} (needed {refused['needed']})")
                return 200, {"ok": False, **refused}, {}
            self.usage.methods.add(method)
            self.usage.scopes.update(set(scopes_for(method, args) or ()) & self.manifest.bot_scopes)
            wait = self._over_limit(method)
            if wait is not None:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}
            fault = next(
                (f for f in self._faults if f.method == method and f.times > 0 and (f.when is None or f.when(args))),
                None,
            )
            if fault is not None:
                fault.times -= 1
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return fault.status, {"ok": False, "error": fault.error}, headers
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            if handler is None:
                return 200, {"ok": False, "error": "unknown_method"}, {}
            result = handler(args)
            if "error" in result:
                return 200, {"ok": False, **result}, {}
            return 200, {"ok": True, **result}, {}

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._clock):06d}"

    def _auth_test(self, args: dict) -> dict:
        return {
            "team_id": self.team_id,
            "user_id": self.BOT_USER,
            "bot_id": "BTOUCHBOT",
            "team": "Simulated",
            "url": "https://simulated.slack.com/",
        }

    def _users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        return {"user": user} if user else {"error": "user_not_found"}

    def _users_list(self, args: dict) -> dict:
        """Members a page at a time (at most 1,000, as Slack allows), with a cursor to the next page."""
        limit = min(int(args.get("limit") or 1000), 1000)
        start = int(args.get("cursor") or 0)
        people = list(self.users.values())
        page = people[start : start + limit]
        more = start + limit < len(people)
        return {"members": page, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _usergroups_users_list(self, args: dict) -> dict:
        group = self.usergroups.get(args.get("usergroup", ""))
        return {"users": group} if group is not None else {"error": "no_such_subteam"}

    def _conversations_open(self, args: dict) -> dict:
        user_id = str(args.get("users", "")).split(",")[0]
        user = self.users.get(user_id)
        if user is None:
            return {"error": "user_not_found"}
        if user["deleted"]:
            return {"error": "user_disabled"}
        if user["is_bot"]:
            return {"error": "cannot_dm_bot"}
        return {"channel": {"id": self.dm_channel(user_id)}}

    def _conversations_info(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if channel not in self.members or (channel in self.private and self.BOT_USER not in self.members[channel]):
            return {"error": "channel_not_found"}  # Slack hides private channels the bot is not in
        private = channel in self.private
        return {"channel": {"id": channel, "is_private": private, "is_member": self.BOT_USER in self.members[channel]}}

    def _conversations_join(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if channel not in self.members:
            return {"error": "channel_not_found"}
        if channel in self.private:
            return {"error": "method_not_supported_for_channel_type"}
        self.members[channel].add(self.BOT_USER)
        return {"channel": {"id": channel}}

    def _conversations_history(self, args: dict) -> dict:
        """Top-level messages only, newest first, as Slack answers."""
        channel = args.get("channel", "")
        found = [
            m
            for m in self.messages
            if m.channel == channel and m.thread_ts is None and float(m.ts) >= float(args.get("oldest") or 0)
        ]
        return {"messages": [_listed(m) for m in reversed(found)], "has_more": False}

    def _conversations_replies(self, args: dict) -> dict:
        """A thread's parent and then its replies, oldest first."""
        channel, parent = args.get("channel", ""), str(args.get("ts", ""))
        if self.message(channel, parent) is None:
            return {"error": "thread_not_found"}
        found = [m for m in self.messages if m.channel == channel and parent in (m.ts, m.thread_ts)]
        return {"messages": [_listed(m) for m in found], "has_more": False}

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and ts in (m.ts, m.thread_ts)]

    def _writable_channel(self, channel: str) -> str | dict:
        """The channel a chat.* call writes to: a user id means the DM with that user."""
        if channel.startswith(("U", "W")):
            opened = self._conversations_open({"users": channel})
            return opened if "error" in opened else opened["channel"]["id"]
        if channel.startswith("D"):
            return channel
        if channel not in self.members:
            return {"error": "channel_not_found"}
        if self.BOT_USER not in self.members[channel]:
            return {"error": "not_in_channel"}
        return channel

    def _chat_postMessage(self, args: dict) -> dict:
        channel = self._writable_channel(str(args.get("channel", "")))
        if isinstance(channel, dict):
            return channel
        if not args.get("text") and not args.get("blocks"):
            return {"error": "no_text"}
        refused = _refused(args)
        if refused:
            return refused
        thread_ts = str(args.get("thread_ts") or "") or None
        if thread_ts and self.message(channel, thread_ts) is None:
            return {"error": "thread_not_found"}
        message = Message(
            channel,
            self._ts(),
            self.BOT_USER,
            args.get("text", ""),
            _blocks(args),
            _metadata(args),
            thread_ts=thread_ts,
        )
        self.messages.append(message)
        return {"channel": channel, "ts": message.ts, "message": {"text": message.text}}

    def _chat_update(self, args: dict) -> dict:
        message = self.message(str(args.get("channel", "")), str(args.get("ts", "")))
        if message is None:
            return {"error": "message_not_found"}
        refused = _refused(args)
        if refused:
            return refused
        message.text, message.blocks, message.edits = args.get("text", ""), _blocks(args), message.edits + 1
        return {"channel": message.channel, "ts": message.ts}

    def _chat_postEphemeral(self, args: dict) -> dict:
        self.responses.append({"ephemeral_to": args.get("user"), **args})
        return {"message_ts": self._ts()}

    def _files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {
            "id": file_id,
            "name": args["filename"],
            "title": args["filename"],
            "content": None,
            "user": self.BOT_USER,
            "length": int(args["length"]),
        }
        return {"upload_url": f"{self.url.removesuffix('/api/')}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict) -> dict:
        listed = args.get("files")
        listed = json.loads(listed) if isinstance(listed, str) else listed or []
        known = [self.files.get(f.get("id", "")) for f in listed]
        found = [f for f in known if f is not None]
        if not found or len(found) < len(known) or any(f["content"] is None for f in found):
            return {"error": "file_upload_not_completed"}
        for f, given in zip(found, listed, strict=False):
            f["title"] = given.get("title") or f["name"]
        channel = args.get("channel_id") or args.get("channels")
        if channel:
            channel = self._writable_channel(str(channel))
            if isinstance(channel, dict):
                return channel
            message = Message(
                channel, self._ts(), self.BOT_USER, args.get("initial_comment", ""), files=[f["id"] for f in found]
            )
            self.messages.append(message)
        return {"files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in found]}

    def _files_info(self, args: dict) -> dict:
        found = self.files.get(str(args.get("file", "")))
        if found is None or found["content"] is None:
            return {"error": "file_not_found"}
        return {
            "file": {
                "id": found["id"],
                "name": found["name"],
                "title": found["title"],
                "size": len(found["content"]),
                "filetype": found["name"].rsplit(".", 1)[-1].lower() if "." in found["name"] else "",
                "user": found["user"],
                "url_private_download": f"{self.url.removesuffix('/api/')}/files/{found['id']}",
            }
        }

    def share_file(self, user_id: str, name: str, content: bytes, *, text: str = "") -> tuple[str, Message]:
        """A person uploading a file into their DM with the app: the file, and the message that shares it."""
        if not self.manifest.people_can_message_the_app:
            raise SlackRefused("people cannot send the app files: its messages tab is off or read-only")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = {"id": file_id, "name": name, "title": name, "content": content, "user": user_id}
        message = Message(self.dm_channel(user_id), self._ts(), user_id, text, files=[file_id])
        self.messages.append(message)
        return file_id, message

    def _views_open(self, args: dict) -> dict:
        user = self.triggers.pop(str(args.get("trigger_id", "")), None)
        if user is None and self.any_trigger and args.get("trigger_id"):
            user = "UANYONE"
        if user is None:
            return {"error": "invalid_trigger_id"}
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        view_id = f"V{next(self._ids):08d}"
        view = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "hash": view_id,
            "private_metadata": view.get("private_metadata", ""),
        }
        self.views[view_id] = {"user": user, "view": view}
        return {"view": view}

    def _views_publish(self, args: dict) -> dict:
        """Slack's checks of a Home tab: the app has one (manifest), for a known person, a home view of at most 100
        blocks. Each publish replaces what the person's tab shows."""
        if not self.manifest.home_tab:
            return {"error": "not_enabled"}
        user = str(args.get("user_id") or "")
        if not user:
            return {"error": "invalid_arguments"}
        if user not in self.users:
            return {"error": "user_not_found"}
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        if view.get("type") != "home" or not isinstance(view.get("blocks"), list) or len(view["blocks"]) > 100:
            return {"error": "invalid_arguments"}
        previous = self.homes.get(user)
        view_id = previous["id"] if previous else f"V{next(self._ids):08d}"
        view = {**view, "id": view_id, "team_id": self.team_id, "hash": f"{view_id}-{next(self._clock)}"}
        self.homes[user] = view
        self.published.append((user, view))
        return {"view": view}


def _listed(message: Message) -> dict:
    listed = {"ts": message.ts, "text": message.text, "metadata": message.metadata}
    return {**listed, "thread_ts": message.thread_ts} if message.thread_ts else listed


def _refused(args: dict) -> dict | None:
    """Slack's own limits on a message: it refuses, it does not cut."""
    if len(_blocks(args)) > 50:
        return {"error": "invalid_blocks"}
    if len(args.get("text") or "") > 40_000:
        return {"error": "msg_too_long"}
    return None


def _parse_args(raw: str, content_type: str) -> dict:
    if content_type.startswith("application/json"):
        return json.loads(raw or "{}")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _blocks(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _metadata(args: dict) -> dict | None:
    metadata = args.get("metadata")
    return json.loads(metadata) if isinstance(metadata, str) else metadata
