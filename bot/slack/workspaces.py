"""Which workspace a Slack call is for, and with which token: one gateway per team.

With SLACK_BOT_TOKEN there is one workspace and one gateway. With installs ("Add to Slack"), each team's bot token
comes from slack_sdk's installation store, refreshed before it expires (token rotation), and each team keeps one
Pacer whatever its token: Slack's rate limits are per app and workspace.

The team being worked for is the request's (Bolt's context, set for every line logged as bot.logs.TEAM_ID), or the
one a pass step names with `acting_for` while it sends a row of that team; `TeamGateway` is the gateway of whichever
team that is, so the use cases call Slack as they always did."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.logs import TEAM_ID
from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.pacing import Pacer, PacingStore
from storage.scope import CLAIM_TEAM

logger = logging.getLogger(__name__)

REFRESH_MINUTES = 10  # a token that expires sooner than this is refreshed before it is used


@contextmanager
def acting_for(team_id: str) -> Iterator[None]:
    """Slack calls (and log lines) in this block are for `team_id`, and so are the rows its claims take."""
    token, claims = TEAM_ID.set(team_id), CLAIM_TEAM.set(team_id)
    try:
        yield
    finally:
        CLAIM_TEAM.reset(claims)
        TEAM_ID.reset(token)


def current_team() -> str | None:
    return TEAM_ID.get()


class Workspaces:
    """The gateway of each team. This one is single-workspace mode's: the one gateway, whatever the team."""

    def __init__(self, gateway: SlackGateway) -> None:
        self._gateway = gateway

    def for_team(self, team_id: str | None) -> SlackGateway:
        return self._gateway

    def forget(self, team_id: str) -> None:
        """The team's token was revoked or replaced: the next call reads it again."""


class InstalledWorkspaces(Workspaces):
    """Each team's gateway from its installation, cached until its token nears expiry (then refreshed, saved, and
    the gateway rebuilt on the team's own pacer). A team with no installation is SlackCallFailed("not_installed")."""

    def __init__(
        self,
        store: InstallationStore,
        api_url: str,
        rotator: TokenRotator,
        *,
        patient: bool,
        pacing: PacingStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._api_url, self._rotator, self._pacing = store, api_url, rotator, pacing
        self._patient, self._sleep, self._now = patient, sleep, now
        self._lock = threading.Lock()
        self._gateways: dict[str, tuple[float | None, SlackGateway]] = {}  # team -> (token expires at, gateway)
        self._pacers: dict[str, Pacer] = {}

    def for_team(self, team_id: str | None) -> SlackGateway:
        if not team_id:
            raise SlackCallFailed("installation", "no_team")
        with self._lock:
            cached = self._gateways.get(team_id)
        if cached is not None and (cached[0] is None or cached[0] - REFRESH_MINUTES * 60 > self._now()):
            return cached[1]
        bot = self._fresh_bot(team_id)
        pacer = self._pacer(team_id) if self._patient else None
        gateway = SlackGateway(make_client(bot.bot_token or "", self._api_url, pacer=pacer, sleep=self._sleep), pacer)
        expires_at = float(bot.bot_token_expires_at) if bot.bot_token_expires_at is not None else None
        with self._lock:
            self._gateways[team_id] = (expires_at, gateway)
        return gateway

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._gateways.pop(team_id, None)

    def _fresh_bot(self, team_id: str) -> Bot:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise SlackCallFailed("installation", "not_installed")
        if bot.bot_refresh_token:
            try:
                rotated = self._rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=REFRESH_MINUTES)
            except Exception as exc:  # SlackTokenRotationError, or Slack unreachable: the call fails as any would
                raise SlackCallFailed("oauth.v2.access", type(exc).__name__) from exc
            if rotated is not None:
                self._store.save_bot(rotated)
                logger.info("refreshed the bot token of %s", team_id)
                bot = rotated
        return bot

    def _pacer(self, team_id: str) -> Pacer:
        with self._lock:
            if team_id not in self._pacers:  # the team's pace, shared by every process through `pacing` if given
                self._pacers[team_id] = Pacer(team_id=team_id, store=self._pacing)
            return self._pacers[team_id]


class TeamGateway(SlackGateway):
    """The gateway of the team being worked for (see the module's docstring): its client and pacer are looked up
    per call, so the use cases hold one gateway whatever the team."""

    def __init__(self, workspaces: Workspaces) -> None:  # no super().__init__: client and pacer are looked up
        self._workspaces = workspaces

    @property
    def client(self) -> WebClient:
        return self._workspaces.for_team(current_team()).client

    @client.setter
    def client(self, _: WebClient) -> None:
        raise AttributeError("a team's client comes from its installation")

    @property
    def pacer(self) -> Pacer | None:
        return self._workspaces.for_team(current_team()).pacer

    @pacer.setter
    def pacer(self, _: Pacer | None) -> None:
        raise AttributeError("a team's pacer is its own")
