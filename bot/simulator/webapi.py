"""A fake Slack Web API: real HTTP on a random loopback port, recording every call with its arguments."""

from __future__ import annotations

import math
import threading
import time

from bot.simulator.chat import ChatMethods
from bot.simulator.files import FileMethods
from bot.simulator.manifest import Manifest, scopes_for
from bot.simulator.oauth import redirect_with
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
        return self.url.replace("/api/", f"/respond/{self.team_id}/{next(self._ids)}")

    # Many workspaces

    def add_workspace(self, team_id: str, *, name: str = "", manifest: Manifest | None = None) -> FakeSlackApi:
        """Another workspace of this Slack, served on the same port: its own people, channels, DMs, Homes and calls.
        The app reaches it only with a token issued for it (by oauth.v2.access, after `authorize`)."""
        return FakeSlackApi(
            team_id, manifest=manifest or self.manifest, usage=self.usage, cloud=self.cloud, team_name=name or team_id
        )

    def workspace(self, team_id: str) -> FakeSlackApi:
        return self.cloud.workspaces[team_id]

    def authorize(self, query: dict, *, team_id: str, user_id: str) -> tuple[int, str]:
        """The authorize page (slack.com/oauth/v2/authorize) a person opens from the app's "Add to Slack" link, and
        clicking Allow as `user_id` of `team_id`: (302, the app's redirect with code and state) or (400, the error).
        """
        app = self.cloud.app
        redirect_uri = query.get("redirect_uri") or (app.redirect_urls[0] if app.redirect_urls else None)
        if query.get("client_id") != app.client_id:
            return 400, "invalid_client_id"
        if redirect_uri is None or (app.redirect_urls and not redirect_uri.startswith(app.redirect_urls)):
            return 400, "bad_redirect_uri"
        if team_id not in self.cloud.workspaces or user_id not in self.workspace(team_id).users:
            return 400, "invalid_team_for_user"
        code = self.cloud.authorize(team_id, user_id, query.get("redirect_uri"))
        return 302, redirect_with(redirect_uri, code=code, state=query.get("state", ""))

    def uninstall(self, team_id: str) -> list:
        """Someone removing the app from a workspace: its tokens revoked, then tokens_revoked and app_uninstalled
        sent signed to the app's events URL (the replies, or [] when the app registered none)."""
        from bot.simulator.workspace import Workspace  # the people's side of Slack builds on this module

        workspace = self.workspace(team_id)
        self.cloud.revoke(team_id)
        app = self.cloud.app
        if app.events_url is None:
            return []
        people = Workspace(workspace, app.events_url, app.signing_secret)
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [self.BOT_USER]}}
        replies = []
        for event in (revoked, {"type": "app_uninstalled"}):
            with self.cloud.lock:
                self.cloud.events.append((team_id, event))
            replies.append(people.event(event, event_id=f"Ev{next(self._ids):08d}"))
        return replies

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
        """A Web API call, answered by the workspace its token opens (oauth.v2.access needs none: the client's id
        and secret instead)."""
        if method == "oauth.v2.access":
            workspace, result = self, self._oauth_access(args, authorization)
        else:
            found = self.cloud.workspace_for(authorization)
            workspace = found if isinstance(found, FakeSlackApi) else self
            result = workspace._answer(method, args, found if isinstance(found, dict) else None)
        workspace._note_recorded()
        if method in workspace._delays:
            time.sleep(workspace._delays[method])
        return result

    def receive_response(self, path: str, payload: dict) -> None:
        """A body posted to a response_url (/respond/<team>/<n>), kept by that team's workspace."""
        team_id = path.partition("/")[0]
        workspace = self.cloud.workspaces.get(team_id, self)
        with workspace._lock:
            workspace.responses.append(payload)
        workspace._note_recorded()

    def _oauth_access(self, args: dict, authorization: str) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(SlackCall("oauth.v2.access", {k: v for k, v in args.items() if k != "client_secret"}, 0))
        result = self.cloud.access(args, authorization)
        return 200, {"ok": "error" not in result, **result}, {}

    def _apps_uninstall(self, args: dict) -> dict:
        app = self.cloud.app
        if args.get("client_id") != app.client_id:
            return {"error": "invalid_client_id"}
        if args.get("client_secret") != app.client_secret:
            return {"error": "bad_client_secret"}
        threading.Thread(target=self.uninstall, args=(self.team_id,), daemon=True).start()
        return {}

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

    def _answer(self, method: str, args: dict, refused_token: dict | None) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(SlackCall(method, args, time.monotonic()))
            if refused_token is not None:  # unknown, revoked or expired: recorded by the default workspace
                return 200, {"ok": False, **refused_token}, {}
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
