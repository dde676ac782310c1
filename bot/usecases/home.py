"""The App Home: publishing the tabs (HomeTabs owns the reading session and the views.publish call), and what the
buttons on a tab do (one function per button, each owning its session).

A Home is published when its person opens it, and refreshed when something it shows changes for them (an answer,
a shift, a follow-up). Refreshes are batched (a person asked for twice before their turn is published once) and run
on the background pool, paced within views.publish's rate limit (Slack's Tier 4: 100+ calls a minute), never
inside a listener's 3 seconds. The clock process, which has no listeners and so no memory of who opened their Home,
publishes the L&D members' Homes after a pass that changed what they show (`after_pass`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from slack_sdk.models.views import View

from bot.blocks import home as blocks
from bot.blocks import schedules as schedule_blocks
from bot.jobs import BackgroundJobs
from bot.services import cadence, exporting, home, measures, pauses
from bot.services.answers import AnswerContext
from bot.services.cadence import ScheduleSettings
from bot.services.initiatives import InitiativeInfo
from bot.services.measures import MeasureForm
from bot.slack.gateway import SlackGateway
from bot.slack.workspaces import acting_for
from bot.usecases import workbooks
from storage.db import Database
from storage.scope import in_scope

if TYPE_CHECKING:  # bot.runtime holds a HomeTabs
    from bot.runtime import Deps

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
        ld_members: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._db, self._slack, self._background = db, slack, background
        self._is_ld_member, self._clock, self._tz, self._ld_user_ids = is_ld_member, clock, tz, ld_user_ids
        self._ld_members = ld_members or ld_user_ids  # a team's L&D members, user group included (the clock asks)
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

    def after_pass(self) -> int:
        """The clock's refresh, after a pass that changed what the L&D members' Homes show (shifts found, answers
        posted, touchpoints sent or closed): each L&D member's Home of each team, once, paced, on the pass's own
        thread (the clock waits for nothing else). Returns how many were published."""
        with self._db.reading() as session:
            teams = home.teams_with_active_initiatives(session)
        published = 0
        for team_id in (t for t in teams if in_scope(t)):  # with installs, each team's pass does its own
            with acting_for(team_id):
                for user_id in sorted(set(self._ld_members(team_id))):
                    self._bucket.take()
                    try:
                        self.publish(team_id, user_id)
                        published += 1
                    except Exception:
                        logger.exception("could not publish the Home of %s", user_id)
        return published

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
        """Read, build and publish one person's Home now (the background calls this; so does the benchmark), with
        their team's token: the background publishes the Homes of every team that asked."""
        with acting_for(team_id):
            view = self.build(team_id, user_id)
            if notice:  # each builder leaves room for it
                view = View(type="home", blocks=[blocks.notice(notice), *(view.blocks or [])][: blocks.BLOCKS_MAX])
            self._slack.publish_home(user_id, view)
        return view

    def build(self, team_id: str, user_id: str) -> View:
        """An L&D member who is also a stakeholder sees their own initiatives first, then the L&D team's picture
        (a shorter page of it, to stay within Slack's 100 blocks)."""
        with self._db.reading() as session:
            own = home.stakeholder_home(session, team_id, user_id, self._tz)
            if not self._is_ld_member(team_id, user_id):
                return blocks.stakeholder_home(own, self._ld_user_ids(team_id))
            page = self._pages.get((team_id, user_id), 1)
            per_page = blocks.PER_PAGE_BESIDE_OWN if own.initiatives else blocks.PER_PAGE
            found = home.ld_home(session, team_id, user_id, self._clock(), self._tz, page=page, per_page=per_page)
        return blocks.ld_home(found, own=own)


# What the buttons on a tab do. Each is called by one listener once it has acknowledged; what a button says back
# shows at the top of the refreshed Home (a tab has no conversation to answer in).


def go_away(deps: Deps, team_id: str, user_id: str, until: date) -> None:
    """A stakeholder is away: nothing is sent to them up to `until`; their Home says so."""
    with deps.db.session() as session:
        moved = pauses.pause(session, team_id, user_id, until, deps.clock(), deps.settings.touchpoint_tz)
    notice = schedule_blocks.paused(user_id, until, moved, self_service=True).text
    deps.home.refresh(team_id, [user_id], notice=notice)


def export_mine(deps: Deps, team_id: str, user_id: str) -> None:
    _export(deps, team_id, user_id, "mine")


def export_initiative(deps: Deps, team_id: str, user_id: str, initiative_id: int | None) -> None:
    with deps.db.reading() as session:
        name = home.active_initiative_name(session, team_id, initiative_id)
    _export(deps, team_id, user_id, name)


def _export(deps: Deps, team_id: str, user_id: str, what: str) -> None:
    """The workbook `/touchpoint export` would send, built in the background and shared in the person's DM."""
    with deps.db.reading() as session:
        scope = exporting.scope_for(
            session, team_id, what, user_id, is_ld_member=deps.ld_team.is_member(team_id, user_id)
        )
    deps.home.refresh(team_id, [user_id], notice=f"Building the workbook of {scope.title}… it arrives in our DM.")
    deps.background.submit(workbooks.export_to_dm, deps.outbound, scope, user_id, deps.settings.touchpoint_tz)


def schedule_form(deps: Deps, team_id: str, initiative_id: int | None) -> tuple[InitiativeInfo, ScheduleSettings]:
    with deps.db.reading() as session:
        return cadence.find(
            session, team_id, home.active_initiative_name(session, team_id, initiative_id), deps.clock()
        )


def measure_form(deps: Deps, team_id: str, initiative_id: int | None) -> MeasureForm:
    with deps.db.reading() as session:
        return measures.form(session, team_id, home.active_initiative_name(session, team_id, initiative_id))


def revision_form(deps: Deps, team_id: str, user_id: str, initiative_id: int | None) -> AnswerContext:
    """The answer modal of this person's kickoff, pre-filled with their current words: submitted, it stores them
    as new versions like any answer (and the Home is refreshed by the answer's own listener)."""
    with deps.db.reading() as session:
        return home.revision(session, team_id, user_id, initiative_id)


def show_page(deps: Deps, team_id: str, user_id: str, page: int) -> None:
    deps.home.show_page(team_id, user_id, page)


def opened(deps: Deps, team_id: str, user_id: str) -> None:
    deps.home.opened(team_id, user_id)
