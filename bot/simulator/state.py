"""What the simulated Slack holds (people, channels, messages, views, files) and records (every call), how a test
sets the scene and reads what happened. The Web API's methods, a family a module, and its HTTP serving build on it."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from bot.simulator.manifest import Manifest, SlackUsage
from bot.simulator.oauth import Cloud

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


class SlackState:
    """The workspace as the simulated Slack holds it. Its Web API methods, each family a subclass, are named after
    the method (`_chat_postMessage` answers chat.postMessage) and called under `_lock`."""

    BOT_USER = "UTOUCHBOT"

    def __init__(
        self,
        team_id: str = "T0SIMULATED",
        *,
        any_trigger: bool = False,
        manifest: Manifest | None = None,
        usage: SlackUsage | None = None,
        cloud: Cloud | None = None,
        team_name: str = "Simulated",
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.installed_by: str | None = None  # who clicked Allow on the authorize page, last
        # Every workspace of one fake Slack shares its cloud: the tokens, the app's OAuth registration, the ids. The
        # first workspace is the default one, opened by TOKEN as before.
        self.cloud = cloud if cloud is not None else Cloud()
        if cloud is None:
            self.cloud.issue(team_id, TOKEN)
        self.cloud.workspaces[team_id] = self  # type: ignore[assignment]
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
        self._ids = self.cloud.ids  # shared, so that files, views and codes are unique across workspaces
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

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and ts in (m.ts, m.thread_ts)]

    @property
    def url(self) -> str:
        server = self._server or self.root._server
        assert server is not None, "start() first"
        return f"http://127.0.0.1:{server.server_address[1]}/api/"

    @property
    def root(self) -> SlackState:
        """The first workspace of this fake Slack: the one that serves HTTP for all of them."""
        return next(iter(self.cloud.workspaces.values()))

    # What the methods share

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._clock):06d}"

    def _dm_with(self, user_id: str) -> dict:
        """The DM with a person, as conversations.open finds it, or Slack's error."""
        user = self.users.get(user_id)
        if user is None:
            return {"error": "user_not_found"}
        if user["deleted"]:
            return {"error": "user_disabled"}
        if user["is_bot"]:
            return {"error": "cannot_dm_bot"}
        return {"channel": {"id": self.dm_channel(user_id)}}

    def _writable_channel(self, channel: str) -> str | dict:
        """The channel a chat.* call writes to: a user id means the DM with that user."""
        if channel.startswith(("U", "W")):
            opened = self._dm_with(channel)
            return opened if "error" in opened else opened["channel"]["id"]
        if channel.startswith("D"):
            return channel
        if channel not in self.members:
            return {"error": "channel_not_found"}
        if self.BOT_USER not in self.members[channel]:
            return {"error": "not_in_channel"}
        return channel
