"""What each process tells Prometheus: Slack calls and their 429s, the pacer's rate, the scheduling pass (how long,
what it did, when it last finished), the work waiting to go out, and the web process's Slack requests.

One registry per process (`REGISTRY`), read at `/metrics`: the web process serves it on its own port beside
`/slack/events`; the clock process on `TOUCHPOINT_METRICS_PORT` with its own `/healthz`. Counters only ever grow; a
test reads how much they grew."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

SLACK_CALLS = Counter(
    "touchpoint_slack_calls",
    "Web API calls, by method and result (ok, or Slack's error code)",
    ["method", "result"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "touchpoint_slack_rate_limited",
    "429 answers Slack gave the patient client (waited out, then tried again), by method",
    ["method"],
    registry=REGISTRY,
)
PACED_INTERVAL = Gauge(
    "touchpoint_slack_paced_interval_seconds",
    "Seconds the pacer keeps between calls of a method since its last 429 (0: not paced)",
    ["method"],
    registry=REGISTRY,
)
PASS_SECONDS = Histogram(
    "touchpoint_pass_duration_seconds",
    "How long a scheduling pass took",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
PASS_ITEMS = Counter(
    "touchpoint_pass_items",
    "What scheduling passes did: planned, sent (DMs), failed (DMs), recovered, reminded, missed, summaries, "
    "digests (posted), map_messages (status updates, owner alerts), proposals (measures proposed to their owners), "
    "answers (summaries the web process had not got out), homes",
    ["what"],
    registry=REGISTRY,
)
PASS_STEP_FAILURES = Counter(
    "touchpoint_pass_step_failures", "Steps of a pass that failed (logged), by step", ["step"], registry=REGISTRY
)
LAST_PASS = Gauge(
    "touchpoint_last_pass_completed_timestamp_seconds",
    "When the last scheduling pass of this process finished (Unix time)",
    registry=REGISTRY,
)
REQUESTS = Histogram(
    "touchpoint_request_duration_seconds",
    "Slack's requests to the web process, by kind (command, block_actions, view_submission, event, ...) and status",
    ["kind", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
    registry=REGISTRY,
)

_last_pass = {"at": 0.0}  # what LAST_PASS shows, for the clock's own health check

PASS_FIELDS = (
    "planned",
    "sent",
    "failed",
    "recovered",
    "reminded",
    "missed",
    "summaries",
    "digests",
    "map_messages",
    "proposals",
    "answers",
    "homes",
)


def slack_call(method: str, result: str) -> None:
    SLACK_CALLS.labels(method, result).inc()


def rate_limited(method: str, interval: float) -> None:
    RATE_LIMITED.labels(method).inc()
    PACED_INTERVAL.labels(method).set(interval)


def pass_done(report: object, seconds: float, finished: float | None = None) -> None:
    """A pass finished: how long it took and what it did (a PassReport: its counts and its failed steps)."""
    PASS_SECONDS.observe(seconds)
    for what in PASS_FIELDS:
        count = int(getattr(report, what, 0) or 0)
        if count:
            PASS_ITEMS.labels(what).inc(count)
    for step in getattr(report, "errors", ()):
        PASS_STEP_FAILURES.labels(step).inc()
    _last_pass["at"] = time.time() if finished is None else finished
    LAST_PASS.set(_last_pass["at"])


def request_done(kind: str, status: int, seconds: float) -> None:
    REQUESTS.labels(kind, str(status)).observe(seconds)


class Outbox(Collector):
    """The work waiting to go out, counted in the database when Prometheus asks (`depth` returns kind -> count)."""

    def __init__(self, depth: Callable[[datetime], dict[str, int]], clock: Callable[[], datetime]) -> None:
        self._depth, self._clock = depth, clock

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "touchpoint_outbox_depth",
            "Work waiting to go out: touchpoints due and not sent, answer summaries, shift summaries, digests",
            labels=["kind"],
        )
        try:
            found = self._depth(self._clock())
        except Exception:  # a scrape must not fail because the database is briefly away; it is logged
            logger.warning("outbox depth not read", exc_info=True)
            found = {}
        for kind, count in sorted(found.items()):
            family.add_metric([kind], count)
        yield family


_outbox: Outbox | None = None


def watch_outbox(depth: Callable[[datetime], dict[str, int]], clock: Callable[[], datetime]) -> None:
    """Count this process's database's outbox at each scrape (a later call replaces an earlier one's database)."""
    global _outbox
    if _outbox is not None:
        REGISTRY.unregister(_outbox)
    _outbox = Outbox(depth, clock)
    REGISTRY.register(_outbox)


def exposition() -> tuple[str, bytes]:
    """The content type and body of a scrape."""
    return CONTENT_TYPE_LATEST, generate_latest(REGISTRY)


def watch_database(db, clock: Callable[[], datetime]) -> None:
    """Count the outbox of `db` (a storage.db.Database) at each scrape."""
    from storage.repositories import outbox

    def depth(now: datetime) -> dict[str, int]:
        with db.reading() as session:
            return outbox.depth(session, now)

    watch_outbox(depth, clock)


def last_pass_at() -> float:
    """When this process's last pass finished (Unix time; 0 before the first)."""
    return _last_pass["at"]


def clock_health(every_seconds: float, last: float, now: Callable[[], float] = time.time) -> tuple[int, str]:
    """The clock process is healthy while its last pass (finished at `last`, 0 for none yet) finished within three of
    its intervals (at least three minutes: a long pass after a downtime is not a failure)."""
    if not last:
        return 503, "no scheduling pass has finished yet"
    age = now() - last
    if age > max(3 * every_seconds, 180):
        return 503, f"the last scheduling pass finished {age:.0f} s ago"
    return 200, f"ok: the last scheduling pass finished {age:.0f} s ago"


def clock_app(every_seconds: float) -> Callable:
    """The clock process's own HTTP face: GET /metrics and GET /healthz (its last pass)."""
    return health_app(lambda: clock_health(every_seconds, last_pass_at()))


def health_app(health: Callable[[], tuple[int, str]]) -> Callable:
    """A process's HTTP face when it serves nothing else (the clock, Socket Mode): GET /metrics, and GET /healthz
    answering what `health()` says (a status and a line of text)."""

    def app(environ: dict, start_response) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            content_type, body = exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if path == "/healthz":
            status, text = health()
            start_response(
                f"{status} {'OK' if status == 200 else 'Service Unavailable'}",
                [("Content-Type", "text/plain; charset=utf-8")],
            )
            return [text.encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found"]

    return app


def serve_health(port: int, app: Callable, name: str, host: str = "0.0.0.0"):
    """Serve `app` (a health_app) on `port` from a daemon thread of its own; returns the waitress server (its
    `effective_port`, and `close()`)."""
    import threading

    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=2, ident="touchpoint")
    threading.Thread(target=server.run, name=name, daemon=True).start()
    logger.info("%s: GET /metrics and /healthz on port %s", name, server.effective_port)
    return server


_connection: Collector | None = None


def watch_connection(collector: Collector) -> None:
    """Show the Socket Mode connection's state at /metrics (a later call replaces an earlier one's)."""
    global _connection
    if _connection is not None:
        REGISTRY.unregister(_connection)
    _connection = collector
    REGISTRY.register(collector)
