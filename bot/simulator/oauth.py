"""The simulated Slack's side of installing the app into many workspaces: which workspace each token belongs to, the
app's OAuth credentials, the authorize page (the person clicking Allow), oauth.v2.access with token rotation, and
uninstalling (apps.uninstall, and the app_uninstalled and tokens_revoked events sent signed to the app).

Real Slack's rules, as https://api.slack.com/methods/oauth.v2.access states them: the client's id and secret come as
HTTP Basic auth or as form fields; a code is used once, within ten minutes, with the redirect_uri the authorize step
was given (when it was given one); `grant_type=refresh_token` exchanges a refresh token for a new access token once rotation
is on; an expired token is `token_expired`, a revoked one `token_revoked`, an
unknown one `invalid_auth`."""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from bot.simulator.webapi import FakeSlackApi

CODE_SECONDS = 600  # Slack's codes expire after ten minutes
TOKEN_SECONDS = 43200  # a rotated access token lives twelve hours


@dataclass
class Grant:
    """A bot token Slack issued, and whose workspace it is."""

    team_id: str
    expires_at: float | None = None  # None: a token that never expires (rotation off)
    revoked: bool = False


@dataclass
class _Code:
    team_id: str
    user_id: str
    redirect_uri: str | None
    issued_at: float
    used: bool = False


@dataclass
class OAuthApp:
    """The app as registered with Slack: what oauth.v2.access checks, and where Slack sends events."""

    client_id: str = "1111.2222"
    client_secret: str = "simulated-client-secret"
    redirect_urls: tuple[str, ...] = ()  # the manifest's oauth_config.redirect_urls; empty: any
    rotation: bool = False  # token rotation on: tokens expire, refresh tokens are issued
    events_url: str | None = None  # the app's /slack/events, for app_uninstalled and tokens_revoked
    signing_secret: str = ""


@dataclass
class Cloud:
    """Every simulated workspace of one fake Slack, and the tokens that open each one."""

    workspaces: dict[str, FakeSlackApi] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> team id
    codes: dict[str, _Code] = field(default_factory=dict)
    app: OAuthApp = field(default_factory=OAuthApp)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.RLock = field(default_factory=threading.RLock)
    events: list[tuple[str, dict]] = field(default_factory=list)  # (team id, event) sent to the app

    def workspace_for(self, authorization: str) -> FakeSlackApi | dict:
        """The workspace a bearer token opens, or Slack's error for the token."""
        token = authorization.removeprefix("Bearer ")
        with self.lock:
            grant = self.tokens.get(token) if authorization.startswith("Bearer ") else None
            if grant is None:
                return {"error": "invalid_auth"}
            if grant.revoked:
                return {"error": "token_revoked"}
            if grant.expires_at is not None and time.time() >= grant.expires_at:
                return {"error": "token_expired"}
            return self.workspaces[grant.team_id]

    def issue(self, team_id: str, token: str | None = None, *, refresh: str | None = None) -> dict:
        """A new bot token for a workspace (with its refresh token and lifetime when rotation is on). A refresh token
        stays valid until the workspace's tokens are revoked, so two processes refreshing at once both succeed."""
        with self.lock:
            token = token or f"xoxb-{team_id}-{secrets.token_hex(8)}"
            if not self.app.rotation:
                self.tokens[token] = Grant(team_id)
                return {"access_token": token}
            self.tokens[token] = Grant(team_id, expires_at=time.time() + TOKEN_SECONDS)
            refresh = refresh or f"xoxe-1-{team_id}-{secrets.token_hex(8)}"
            self.refresh_tokens[refresh] = team_id
            return {"access_token": token, "refresh_token": refresh, "expires_in": TOKEN_SECONDS}

    def authorize(self, team_id: str, user_id: str, redirect_uri: str | None) -> str:
        """A person of `team_id` clicking Allow: a one-time code for the app."""
        with self.lock:
            code = f"{next(self.ids)}.{secrets.token_hex(6)}"
            self.codes[code] = _Code(team_id, user_id, redirect_uri, time.time())
            return code

    def access(self, args: dict, authorization: str) -> dict:
        """oauth.v2.access: a code (or a refresh token) exchanged for a bot token, or Slack's error."""
        client_id, client_secret = _client(args, authorization)
        with self.lock:
            if client_id != self.app.client_id:
                return {"error": "invalid_client_id"}
            if client_secret != self.app.client_secret:
                return {"error": "bad_client_secret"}
            grant_type = args.get("grant_type") or "authorization_code"
            if grant_type == "refresh_token":
                return self._refresh(str(args.get("refresh_token") or ""))
            if grant_type != "authorization_code":
                return {"error": "invalid_grant_type"}
            code = self.codes.get(str(args.get("code") or ""))
            if code is None or code.used or time.time() - code.issued_at > CODE_SECONDS:
                return {"error": "invalid_code"}
            if code.redirect_uri is not None and args.get("redirect_uri") != code.redirect_uri:
                return {"error": "bad_redirect_uri"}
            code.used = True
            workspace = self.workspaces[code.team_id]
            issued = self.issue(code.team_id)
            workspace.installed_by = code.user_id
            return {
                **issued,
                "token_type": "bot",
                "scope": ",".join(sorted(workspace.manifest.bot_scopes)),
                "bot_user_id": workspace.BOT_USER,
                "app_id": "ATOUCHPOINT",
                "team": {"id": code.team_id, "name": workspace.team_name},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": code.user_id},
            }

    def _refresh(self, refresh_token: str) -> dict:
        team_id = self.refresh_tokens.get(refresh_token)
        if team_id is None or not self.app.rotation:
            return {"error": "invalid_refresh_token"}
        return {**self.issue(team_id, refresh=refresh_token), "token_type": "bot", "team": {"id": team_id}}

    def revoke(self, team_id: str) -> list[str]:
        """Every token of a workspace revoked; the ones that were live."""
        with self.lock:
            live = [t for t, g in self.tokens.items() if g.team_id == team_id and not g.revoked]
            for token in live:
                self.tokens[token].revoked = True
            for refresh in [r for r, t in self.refresh_tokens.items() if t == team_id]:
                del self.refresh_tokens[refresh]
            return live

    def expire(self, token: str) -> None:
        """A test's shortcut to twelve hours later for one token."""
        with self.lock:
            self.tokens[token].expires_at = time.time() - 1


def _client(args: dict, authorization: str) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic auth (as slack_sdk sends them) or the form."""
    if authorization.startswith("Basic "):
        decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode("utf-8", "replace")
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(args.get("client_id") or ""), str(args.get("client_secret") or "")


def redirect_with(redirect_uri: str, **query: str) -> str:
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(query)}"
