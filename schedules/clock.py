"""The clock process: APScheduler runs the scheduling pass every minute (the web process never schedules)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

PASS_JOB_ID = "touchpoint-pass"


def build_scheduler(run_once: Callable[[], object], every: timedelta, now: datetime | None = None) -> BlockingScheduler:
    """A scheduler whose one job runs a pass now and then every `every`; a late or overlapping run is merged
    into one (the pass catches up on its own, from the database)."""
    start = now or datetime.now(timezone.utc)
    scheduler = BlockingScheduler(timezone=timezone.utc)
    scheduler.add_job(
        run_once,
        IntervalTrigger(seconds=int(every.total_seconds()), start_date=start, timezone=timezone.utc),
        id=PASS_JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(every.total_seconds()),
        next_run_time=start,
    )
    return scheduler


def run_clock(run_once: Callable[[], object], every: timedelta) -> None:
    logger.info("clock: a scheduling pass every %s", every)
    build_scheduler(run_once, every).start()
