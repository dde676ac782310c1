"""A fake Slack Web API: real HTTP on a random loopback port, recording every call with its arguments."""

from __future__ import annotations

import math
import threading
import time

from bot.simulator.chat import ChatMethods
from bot.simulator.files import FileMethods
from bot.simulator.manifest import scopes_for
from bot.simulator.people import PeopleMethods
from bot.simulator.serving import server_for
from bot.simulator.state import TOKEN, Message, SlackCall
from bot.simulator.views import ViewMethods

__all__ = ["TOKEN", "FakeSlackApi", "Message", "SlackCall"]


class FakeSlackApi(ChatMethods, PeopleMethods, ViewMethods, FileMethods):
    """Slack's Web API as the app sees it. Start with `start()`; point the app's SLACK_API_URL at `url`.

    It holds the app to its manifest (the repository's manifest.json unless told otherwise) as Slack does: a method
    the bot's scopes do not allow is refused with missing_scope, and `usage` collects what was called."""

    def response_url(self) -> str:
        return self.url.replace("/api/", f"/respond/{next(self._ids)}")

    def new_trigger(self, user_id: str) -> str:
        trigger = f"{next(self._ids)}.{int(time.time())}.simulated"
        with self._lock:
            self.triggers[trigger] = user_id
        return trigger

    def start(self) -> FakeSlackApi:
        self._server = server_for(self)
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

    # What the HTTP server hands in

    def handle(self, method: str, args: dict, authorization: str) -> tuple[int, dict, dict]:
        result = self._answer(method, args, authorization)
        self._note_recorded()
        if method in self._delays:
            time.sleep(self._delays[method])
        return result

    def receive_response(self, payload: dict) -> None:
        """A body posted to a response_url."""
        with self._lock:
            self.responses.append(payload)
        self._note_recorded()

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
