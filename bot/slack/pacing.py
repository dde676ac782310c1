"""Keeping Web API calls under Slack's rate limits: the pacer, and the retry handler that waits out 429s."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from sqlalchemy.exc import DBAPIError

from bot import metrics
from storage.db import Database
from storage.repositories import pacing as pacing_rows

logger = logging.getLogger(__name__)

# The key of the one workspace a single-workspace deployment (SLACK_BOT_TOKEN) talks to: every process of such a
# deployment shares its bot token, so they share this one pace. An installation's gateway is keyed by its team id.
THIS_WORKSPACE = "-"


Learn = Callable[[float, float], float]  # (calls taken in the last second, the spacing in force) -> the spacing to keep


class PacingStore(Protocol):
    """Where the pace of each (workspace, method) is kept when processes share it (SharedPacing: the database)."""

    def claim(self, team_id: str, method: str, now: float, quiet: float) -> tuple[float, float]:
        """Count a call and give it the next free slot: (when it may go, the spacing in force)."""
        ...

    def slow_down(self, team_id: str, method: str, now: float, quiet: float, learn: Learn, hold: float = 0.0) -> float:
        """Slack answered 429: set the spacing to learn(calls Slack took in the last second, the spacing in force),
        and give no slot before `hold` seconds from now (its Retry-After); return the spacing."""
        ...

    def interval(self, team_id: str, method: str, now: float, quiet: float) -> float: ...


# Calls reach Slack some milliseconds after their slot (the HTTP round trip, a busy CPU), so one second of Slack's
# sliding window can hold calls whose slots were more than a second apart. Keeping 5 % under the rate reached leaves
# about 50 ms of that per second before the window overflows; 2 % left 20 ms, too little on a loaded machine.
MARGIN = 0.95
# A 429 at the learnt pace says the margin was short, not that the limit is far lower: slow down a little, again if
# need be. (A quarter left a fan-out at 80 % of the limit for the rest of its run.)
STEP = 1.05


def learnt_interval(reached: float, previous: float, claimed: float) -> float:
    """The spacing to keep after a 429: MARGIN under the rate Slack took in the second before (`reached` calls), or,
    when the spacing in force (`previous`) already drew it, STEP slower than that (the calls of that second were the
    pace's own, so they tell no more than the pace does). A call that went out under a shorter spacing than the one
    now in force (`claimed`: another process, or this one, learnt from the same burst since) tells nothing new, so
    its 429 does not slow everyone down again."""
    rate = reached * MARGIN
    learnt = 1.0 / rate if rate >= 1 else 1.0
    if not previous:
        return learnt
    if claimed < previous:
        return max(previous, learnt)
    return previous * STEP


class Pacer:
    """Keeps each Web API method under the rate Slack enforces, learnt from its 429s.

    Without it a fan-out bursts into the limit, waits out Retry-After (whole seconds), bursts again, and spends a
    good part of its time waiting. After a 429 the pacer spaces calls of that method at 5 % under the rate that
    was reached in the second before (a little slower again after each 429 at that pace), then lets go again after a
    quiet minute.

    Slack limits an app per workspace and method, not per process. With a `store` (SharedPacing) the pace of
    `team_id`'s methods is kept in the database: every process counts its calls there and claims each call's slot
    there, so two clock processes together keep the rate one would, and learn it from each other's 429s. Without
    one, the pace is this process's own (tests, one-off commands).
    """

    WINDOW = 1.0
    QUIET = 60.0

    def __init__(
        self,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        *,
        team_id: str = THIS_WORKSPACE,
        store: PacingStore | None = None,
    ) -> None:
        # A shared pace is claimed on the wall clock, the one clock all processes (and machines) agree on.
        self._clock = clock or (time.time if store is not None else time.monotonic)
        self._sleep = sleep
        self.team_id, self._store = team_id, store
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._interval: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._limited_at: dict[str, float] = {}
        self._claimed = threading.local()  # the spacing each of this thread's last calls went out under, by method

    @property
    def shared(self) -> bool:
        return self._store is not None

    def wait_turn(self, method: str) -> None:
        now = self._clock()
        if self._store is not None:
            turn, interval = self._store.claim(self.team_id, method, now, self.QUIET)
        else:
            turn, interval = self._local_turn(method, now)
        self._claimed.__dict__[method] = interval
        if turn > now:
            self._sleep(turn - now)

    def _local_turn(self, method: str, now: float) -> tuple[float, float]:
        with self._lock:
            if method in self._interval and now - self._limited_at[method] > self.QUIET:
                del self._interval[method]
            interval = self._interval.get(method)
            if not interval:
                return now, 0.0
            turn = max(now, self._next.get(method, now))
            self._next[method] = turn + interval
            return turn, interval

    def retry_turn(self, method: str) -> None:
        """Before a call is tried again after a 429: a shared pace gives the retry a slot of its own, so that the
        processes that drew 429s together do not retry together. This process's own pace needs none: its sends
        are one after another."""
        if self._store is not None:
            self.wait_turn(method)

    def record(self, method: str) -> None:
        if self._store is not None:
            return  # a shared pace counts each call as it claims its slot
        with self._lock:
            now = self._clock()
            recent = self._recent[method]
            recent.append(now)
            while recent and now - recent[0] > self.WINDOW:
                recent.popleft()

    def slow_down(self, method: str, retry_after: float = 0.0) -> None:
        """Slack answered 429 to a call of `method`, saying to wait `retry_after` seconds. A shared pace gives no
        process a slot before then: the limit is the workspace's, and a call another process sent meanwhile would
        only find Slack's window still full (and draw a 429 at the learnt pace). This process's own pace needs no
        hold: the call that drew the 429 waits it out, and its sends are one after another."""
        now = self._clock()
        claimed = self._claimed.__dict__.get(method, 0.0)

        def learn(reached: float, previous: float) -> float:
            return learnt_interval(reached, previous, claimed)

        if self._store is not None:
            self._store.slow_down(self.team_id, method, now, self.QUIET, learn, retry_after)
            return
        with self._lock:
            reached = len([t for t in self._recent[method] if now - t <= self.WINDOW])
            self._interval[method] = learn(reached, self._interval.get(method, 0.0))
            self._limited_at[method] = now

    def interval(self, method: str) -> float:
        """The seconds kept between calls of `method` (0 when it is not paced)."""
        if self._store is not None:
            return self._store.interval(self.team_id, method, self._clock(), self.QUIET)
        with self._lock:
            return self._interval.get(method, 0.0)


class SharedPacing:
    """The pace of every process, in the database (storage.repositories.pacing): one short transaction per call.

    While the database cannot be reached, calls go unpaced rather than fail (logged): Slack's 429s are still waited
    out as Retry-After says, and the work that needs the database fails on its own terms."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self, team_id: str, method: str, now: float, quiet: float) -> tuple[float, float]:
        try:
            with self._db.session() as session:
                turn = pacing_rows.claim_turn(session, team_id, method, now, quiet)
        except DBAPIError as exc:
            logger.warning("%s goes unpaced: the shared pace could not be read (%s)", method, type(exc.orig).__name__)
            return now, 0.0
        return turn.at, turn.interval

    def slow_down(self, team_id: str, method: str, now: float, quiet: float, learn: Learn, hold: float = 0.0) -> float:
        try:
            return self._learn(team_id, method, now, quiet, learn, hold)
        except DBAPIError as exc:
            logger.warning(
                "a 429 of %s not shared: the shared pace could not be written (%s)", method, type(exc.orig).__name__
            )
            return 0.0

    def _learn(self, team_id: str, method: str, now: float, quiet: float, learn: Learn, hold: float) -> float:
        with self._db.session() as session:
            row = pacing_rows.locked(session, team_id, method)
            if row is None:  # a 429 on a call that claimed no slot: its row is made by claiming one
                pacing_rows.claim_turn(session, team_id, method, now, quiet)
                row = pacing_rows.locked(session, team_id, method)
                assert row is not None
            previous = row.interval if row.limited_at >= now - quiet else 0.0
            # The call that drew this 429 was counted when it claimed its slot, but Slack did not take it (a
            # process's own pace counts a call once it is answered).
            taken = max(0.0, pacing_rows.calls_per_second(row, now) - 1)
            row.interval = learn(taken, previous)
            row.limited_at = now
            row.next_at = max(row.next_at, now + hold)
            session.add(row)
            return row.interval

    def interval(self, team_id: str, method: str, now: float, quiet: float) -> float:
        try:
            with self._db.reading() as session:
                return pacing_rows.interval(session, team_id, method, now, quiet)
        except DBAPIError:
            return 0.0


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


class PatientRetryHandler(RetryHandler):
    """Waits out a 429 for exactly the Retry-After Slack gave, and retries 500/503 with backoff. Each kind keeps its
    own count, so a burst of 429s does not use up the retries a later 500 deserves.

    slack_sdk's own handler adds up to a second of random jitter to every wait. One process's paced sender needs
    none; processes sharing a pace would otherwise retry in step, so then a retried 429 takes a slot of the shared
    pace (spaced, not random) and a 5xx backoff gets up to half as much again at random."""

    def __init__(
        self,
        pacer: Pacer,
        max_rate_limited: int = 30,
        max_server_errors: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        super().__init__(max_retry_count=max_rate_limited + max_server_errors)
        self.pacer = pacer
        self.limits = {"ratelimited": max_rate_limited, "server": max_server_errors}
        self.sleep = sleep
        self.jitter = jitter

    @staticmethod
    def _kind(response: HttpResponse | None) -> str | None:
        if response is None:
            return None
        return (
            "ratelimited" if response.status_code == 429 else "server" if response.status_code in (500, 503) else None
        )

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        kind = self._kind(response)
        counts = state.custom_values if state.custom_values is not None else {}
        return kind is not None and counts.get(kind, 0) < self.limits[kind]

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        kind = self._kind(response)
        if kind is None or response is None:
            return  # can_retry retries only rate limits and server errors, each of which came with a response
        if state.custom_values is None:
            state.custom_values = {}
        count = state.custom_values.get(kind, 0)
        state.custom_values[kind] = count + 1
        if kind == "ratelimited":
            method = _method_of(request)
            retry_after = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after"), "1")
            wait = max(1.0, float(retry_after)) if str(retry_after).replace(".", "", 1).isdigit() else 1.0
            self.pacer.slow_down(method, wait)
            metrics.rate_limited(method, self.pacer.interval(method))
            self.sleep(wait)
            self.pacer.retry_turn(method)
        else:
            backoff = 0.5 * 2**count
            self.sleep(backoff * (1 + 0.5 * self.jitter()) if self.pacer.shared else backoff)
        state.next_attempt_requested = True
        state.increment_current_attempt()
