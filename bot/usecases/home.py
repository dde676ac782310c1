"""Publishing App Home tabs: this owns the reading session and the views.publish call.

A Home is published when its person opens it, and refreshed when something it shows changes for them (an answer,
a shift, a follow-up). Refreshes are batched (a person asked for twice before their turn is published once) and run
on the background pool, paced within views.publish's rate limit (Slack's Tier 4: 100+ calls a minute), never
inside a listener's 3 seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from slack_sdk.models.views import View

from bot.blocks import home as blocks
from bot.jobs import BackgroundJobs
from bot.services import home
from bot.slack.gateway import SlackGateway
from storage.db import Database

logger = logging.getLogger(__name__)

PER_MINUTE = 100  # views.publish is a Tier 4 method: 100+ calls a minute
BURST = 20


class TokenBucket:
    """At most `burst` calls at once and `per_minute` a minute after that."""

    def __init__(
        self,
        per_minute: float = PER_MINUTE,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate, self._burst, self._clock, self._sleep = per_minute / 60.0, burst, clock, sleep
        self._tokens, self._at = float(burst), clock()

    def take(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            self._sleep((1 - self._tokens) / self._rate)
            self._tokens, self._at = 1.0, self._clock()
        self._tokens -= 1


class HomeTabs:
    def __init__(
        self,
        db: Database,
        slack: SlackGateway,
        background: BackgroundJobs,
        is_ld_member: Callable[[str, str], bool],  # (team, user)
        clock: Callable[[], datetime],
        tz: str,
        ld_user_ids: Callable[[str], tuple[str, ...]],  # a team's L&D members named by id
        bucket: TokenBucket | None = None,
    ) -> None:
        self._db, self._slack, self._background = db, slack, background
        self._is_ld_member, self._clock, self._tz, self._ld_user_ids = is_ld_member, clock, tz, ld_user_ids
        self._bucket = bucket or TokenBucket()
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], str | None] = {}  # (team, user) -> a notice to show at the top
        self._draining = False
        self._viewers: dict[str, set[str]] = {}  # team -> people who opened their Home since this process started
        self._pages: dict[tuple[str, str], int] = {}  # an L&D member's page of initiatives

    # What listeners call: all of it returns at once, the publishing happens in the background

    def opened(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._viewers.setdefault(team_id, set()).add(user_id)
        self.refresh(team_id, [user_id])

    def show_page(self, team_id: str, user_id: str, page: int) -> None:
        with self._lock:
            self._pages[(team_id, user_id)] = page
        self.refresh(team_id, [user_id])

    def after_activity(self, team_id: str, user_ids: Iterable[str]) -> None:
        """Something changed for these stakeholders: their Homes and the L&D members' ones that are open (who is an
        L&D member may take a Slack call to tell, so that is asked in the background too)."""
        self._background.submit(self._after_activity, team_id, list(user_ids))

    def _after_activity(self, team_id: str, user_ids: list[str]) -> None:
        with self._lock:
            viewers = set(self._viewers.get(team_id, ()))
        concerned = set(user_ids) & viewers
        self.refresh(team_id, sorted(concerned | {u for u in viewers - concerned if self._is_ld_member(team_id, u)}))

    def refresh(self, team_id: str, user_ids: Iterable[str], *, notice: str | None = None) -> None:
        with self._lock:
            for user_id in user_ids:
                key = (team_id, user_id)
                self._pending[key] = notice or self._pending.get(key)
            if self._draining or not self._pending:
                return
            self._draining = True
        self._background.submit(self._drain)

    # The background side

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._draining = False
                    return
                key = next(iter(self._pending))
                notice = self._pending.pop(key)
            self._bucket.take()
            try:
                self.publish(*key, notice=notice)
            except Exception:
                logger.exception("could not publish the Home of %s", key[1])

    def publish(self, team_id: str, user_id: str, *, notice: str | None = None) -> View:
        """Read, build and publish one person's Home now (the background calls this; so does the benchmark)."""
        view = self.build(team_id, user_id)
        if notice:  # each builder leaves room for it
            view = View(type="home", blocks=[blocks.notice(notice), *(view.blocks or [])][: blocks.BLOCKS_MAX])
        self._slack.publish_home(user_id, view)
        return view

    def build(self, team_id: str, user_id: str) -> View:
        with self._db.reading() as session:
            if self._is_ld_member(team_id, user_id):
                page = self._pages.get((team_id, user_id), 1)
                found = home.ld_home(
                    session, team_id, user_id, self._clock(), self._tz, page=page, per_page=blocks.PER_PAGE
                )
                return blocks.ld_home(found)
            return blocks.stakeholder_home(
                home.stakeholder_home(session, team_id, user_id, self._tz), self._ld_user_ids(team_id)
            )
