"""Keeping Web API calls under Slack's rate limits: the pacer, and the retry handler that waits out 429s."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState

from bot import metrics


class Pacer:
    """Keeps each Web API method under the rate Slack enforces, learnt from its 429s.

    Without it a fan-out bursts into the limit, waits out Retry-After (whole seconds), bursts again, and spends a
    good part of its time waiting. After a 429 the pacer spaces calls of that method at just under the rate that
    was reached in the second before, then lets go again after a quiet minute.
    """

    WINDOW = 1.0
    QUIET = 60.0

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._interval: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._limited_at: dict[str, float] = {}

    def wait_turn(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            if method in self._interval and now - self._limited_at[method] > self.QUIET:
                del self._interval[method]
            interval = self._interval.get(method)
            if not interval:
                return
            turn = max(now, self._next.get(method, now))
            self._next[method] = turn + interval
        if turn > now:
            self._sleep(turn - now)

    def record(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            recent = self._recent[method]
            recent.append(now)
            while recent and now - recent[0] > self.WINDOW:
                recent.popleft()

    def slow_down(self, method: str) -> None:
        with self._lock:
            now = self._clock()
            recent = [t for t in self._recent[method] if now - t <= self.WINDOW]
            reached = len(recent) * 0.98
            previous = self._interval.get(method)
            self._interval[method] = max(1.0 / reached if reached >= 1 else 1.0, previous * 1.25 if previous else 0.0)
            self._limited_at[method] = now

    def interval(self, method: str) -> float:
        """The seconds kept between calls of `method` (0 when it is not paced)."""
        with self._lock:
            return self._interval.get(method, 0.0)


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


class PatientRetryHandler(RetryHandler):
    """Waits out a 429 for exactly the Retry-After Slack gave (slack_sdk's own handler adds up to a second of
    jitter, which a single paced sender does not need), and retries 500/503 with backoff. Each kind keeps its own
    count, so a burst of 429s does not use up the retries a later 500 deserves."""

    def __init__(
        self,
        pacer: Pacer,
        max_rate_limited: int = 30,
        max_server_errors: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(max_retry_count=max_rate_limited + max_server_errors)
        self.pacer = pacer
        self.limits = {"ratelimited": max_rate_limited, "server": max_server_errors}
        self.sleep = sleep

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
            self.pacer.slow_down(method)
            metrics.rate_limited(method, self.pacer.interval(method))
            retry_after = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after"), "1")
            self.sleep(max(1.0, float(retry_after)) if str(retry_after).replace(".", "", 1).isdigit() else 1.0)
        else:
            self.sleep(0.5 * 2**count)
        state.next_attempt_requested = True
        state.increment_current_attempt()
