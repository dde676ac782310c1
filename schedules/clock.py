"""The clock process: APScheduler runs the scheduling pass every minute (the web process never schedules)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

PASS_JOB_ID = "touchpoint-pass"
# After SIGTERM the pass under way gets this long to finish (platforms kill about 30 s after SIGTERM).
STOP_SECONDS = 20.0


def build_scheduler(run_once: Callable[[], object], every: timedelta, now: datetime | None = None) -> BlockingScheduler:
    """A scheduler whose one job runs a pass now and then every `every`; a late or overlapping run is merged
    into one (the pass catches up on its own, from the database)."""
    start = now or datetime.now(UTC)
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        run_once,
        IntervalTrigger(seconds=int(every.total_seconds()), start_date=start, timezone=UTC),
        id=PASS_JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(every.total_seconds()),
        next_run_time=start,
    )
    return scheduler


def run_clock(run_once: Callable[[], object], every: timedelta, stop_seconds: float = STOP_SECONDS) -> None:
    """Run passes until SIGTERM (or SIGINT); then start no other, let the one under way finish within
    `stop_seconds`, and return. A pass cut short loses nothing: what it claimed is taken over by the next pass once
    its lease has passed, and Slack's history is checked before anything is sent again."""
    idle = threading.Event()
    idle.set()

    def one_pass() -> None:
        idle.clear()
        try:
            run_once()
        finally:
            idle.set()

    scheduler = build_scheduler(one_pass, every)

    def on_signal(*_) -> None:
        logger.info("clock: stopping; no further pass")
        scheduler.shutdown(wait=False)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    logger.info("clock: a scheduling pass every %s", every)
    scheduler.start()
    if not idle.wait(stop_seconds):
        logger.warning(
            "clock: the pass under way did not finish in %.0f s; the next pass takes its work over", stop_seconds
        )
        logging.shutdown()
        os._exit(0)  # the pass's thread would otherwise be waited for at exit
    logger.info("clock: stopped")
