"""The scheduling pass: plan what comes next, send what is due, recover interrupted sends, remind, close.

The database is the source of truth: every step claims its rows atomically, so any number of passes may run at once
(two clock processes, a clock and `touchpoint tick`) and each touchpoint is still sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.delivery import Delivery
from bot.services import answers, planning, shifts, touchpoints
from schedules.digest import post_due_digests, recover_digests
from storage.db import Database
from storage.models import TouchpointStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassSettings:
    default_tz: str = "UTC"
    grace: timedelta = timedelta(hours=6)  # what fell due longer ago than this while nothing ran is missed, not sent
    lease: timedelta = timedelta(minutes=5)  # a "sending" touchpoint, summary or digest older than this lost its sender
    ld_channel_id: str | None = None  # where digests go unless a team chose another channel


@dataclass
class PassReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    recovered: int = 0
    reminded: int = 0
    missed: int = 0
    summaries: int = 0
    digests: int = 0
    answers: int = 0  # answers' summaries posted that the web process had not got out
    errors: list[str] = field(default_factory=list)


def run_pass(db: Database, delivery: Delivery, settings: PassSettings, now: Callable[[], datetime]) -> PassReport:
    """One pass. Each step runs on its own, so one step's failure (logged) does not stop the others."""
    report = PassReport()
    # What a dead sender never got to Slack goes back to pending first, so that it meets every check of what follows.
    # Closing what is past its answer-by time or its grace period comes next, so that a pass after a long downtime
    # never reminds anyone of a touchpoint that is already over, and plans the current one instead; planning comes
    # before sending, so what falls due at this very pass (or fell due within the grace period) is sent by it.
    steps = (
        ("recover", _recover),
        ("expire", _expire),
        ("plan", _plan),
        ("send", _send),
        ("remind", _remind),
        ("shift summaries", _summaries),
        ("recover summaries", _recover_summaries),
        ("digest", post_due_digests),
        ("recover digests", recover_digests),
        ("answers", _answers),
        ("recover answers", _recover_answers),
    )
    for name, step in steps:
        try:
            step(db, delivery, settings, now, report)
        except Exception:
            logger.exception("scheduling pass: step %s failed", name)
            report.errors.append(name)
    if (
        report.sent
        or report.failed
        or report.recovered
        or report.reminded
        or report.missed
        or report.summaries
        or report.digests
        or report.answers
    ):
        logger.info("scheduling pass: %s", report)
    return report


def _plan(db, delivery, settings, now, report) -> None:
    while True:
        with db.session() as session:
            looked_at = planning.plan(session, now(), settings.default_tz, since=now() - settings.grace)
        report.planned += looked_at
        if looked_at < planning.PLAN_BATCH:
            return


def _send(db, delivery, settings, now, report) -> None:
    while True:
        with db.session() as session:
            items, claimed = touchpoints.claim_due(session, now(), settings.grace, settings.default_tz)
        if not claimed:
            return
        failures = delivery.deliver(items)
        report.sent += len(items) - len(failures)
        report.failed += len(failures)


def _recover(db, delivery, settings, now, report) -> None:
    with db.session() as session:
        items = touchpoints.reclaim_stale(session, now(), settings.lease)
    if items:
        logger.warning("recovering %d touchpoints whose sender stopped part-way", len(items))
        delivery.deliver(items, recovering=True)
        report.recovered += len(items)


def _remind(db, delivery, settings, now, report) -> None:
    with db.session() as session:
        items = touchpoints.claim_reminders(session, now(), settings.default_tz)
    delivery.remind(items)
    report.reminded += len(items)


def _expire(db, delivery, settings, now, report) -> None:
    with db.session() as session:
        items = touchpoints.expire(session, now(), settings.grace)
    delivery.close(items, TouchpointStatus.MISSED)
    report.missed += len(items)


def _drain(db, claim: Callable, post: Callable[[list], int], batch: int) -> int:
    """Claim and post batch after batch until a claim comes back short; returns how many went out."""
    done = 0
    while True:
        with db.session() as session:
            items = claim(session)
        if items:
            done += post(items)
        if len(items) < batch:
            return done


def _summaries(db, delivery, settings, now, report) -> None:
    report.summaries += _drain(
        db, lambda session: shifts.claim_summaries(session, now()), delivery.post_shift_summaries, shifts.SUMMARY_BATCH
    )


def _answers(db, delivery, settings, now, report) -> None:
    """Answers' summaries and DMs a stopping web process handed back."""
    report.answers += _drain(
        db, lambda session: answers.claim_posts(session, now()), delivery.publish_answers, answers.POST_BATCH
    )


def _recover_answers(db, delivery, settings, now, report) -> None:
    """Posts whose poster died or met a passing Slack failure (their lease passed): Slack's history is checked first,
    so that no summary goes out twice."""
    with db.session() as session:
        stale = answers.reclaim_stale_posts(session, now(), settings.lease)
    if stale:
        report.answers += delivery.publish_answers(stale, recovering=True)


def _recover_summaries(db, delivery, settings, now, report) -> None:
    with db.session() as session:
        items = shifts.reclaim_stale(session, now(), settings.lease)
    if items:
        logger.warning("recovering %d shift summaries whose poster stopped part-way", len(items))
        report.summaries += delivery.post_shift_summaries(items, recovering=True)
