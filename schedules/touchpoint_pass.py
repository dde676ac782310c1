"""The scheduling pass: plan what comes next, send what is due, recover interrupted sends, remind, close.

The database is the source of truth: every step claims its rows atomically, so any number of passes may run at once
(two clock processes, a clock and `touchpoint tick`) and each touchpoint is still sent once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields
from datetime import timedelta

from bot import metrics
from bot.slack.workspaces import acting_for
from bot.usecases import (
    answer_posts,
    business_calendar,
    calibration,
    digests,
    installs,
    map_messages,
    measure_agreement,
    planning,
    plans,
    shift_summaries,
    touchpoint_dms,
)
from bot.usecases.home import HomeTabs
from bot.usecases.outbound import Outbound

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
    map_messages: int = 0  # status updates and alerts to owners sent (the stakeholder map)
    answers: int = 0  # answers' summaries posted that the web process had not got out
    proposals: int = 0  # measures proposed to their owners
    signoffs: int = 0  # plans sent to their stakeholders for sign-off, and reminders of them
    planning: int = 0  # planning touchpoints sent (the business calendar)
    calibration: int = 0  # calibration packs sent to owners, and sessions' outcomes to stakeholders
    homes: int = 0  # L&D members' App Homes published because this pass changed what they show
    errors: list[str] = field(default_factory=list)

    def worth_logging(self) -> bool:
        """Anything sent, failed, recovered or closed: planning and Homes refreshed alone are every pass's routine."""
        return any(getattr(self, f.name) for f in fields(self) if f.name not in ("planned", "homes", "errors"))

    def changed_ld_homes(self) -> bool:
        """Shifts posted, answers posted, touchpoints sent or closed, plans sent for sign-off: what an L&D member's
        Home shows moved."""
        return bool(self.summaries or self.answers or self.sent or self.missed or self.signoffs)


def run_pass(out: Outbound, settings: PassSettings, homes: HomeTabs | None = None) -> PassReport:
    """One pass, on the clock of `out`. Each step runs on its own, so one step's failure (logged) does not stop the
    others. Each step calls one use case, which owns its transactions and its Slack calls. With `homes`, a pass that
    changed what the L&D members' App Homes show publishes them last, once each."""
    report, started = PassReport(), time.monotonic()
    # What a dead sender never got to Slack goes back to pending first, so that it meets every check of what follows.
    # Closing what is past its answer-by time or its grace period comes next, so that a pass after a long downtime
    # never reminds anyone of a touchpoint that is already over, and plans the current one instead; planning comes
    # before sending, so what falls due at this very pass (or fell due within the grace period) is sent by it.
    steps = (
        ("recover", _recover),
        ("expire", _expire),
        ("plan", _plan),
        ("send", _send),
        ("map messages", _map_messages),
        ("remind", _remind),
        ("shift summaries", _summaries),
        ("recover summaries", _recover_summaries),
        ("digest", _digests),
        ("recover digests", _recover_digests),
        ("answers", _answers),
        ("recover answers", _recover_answers),
        ("measure proposals", _proposals),
        ("recover measure proposals", _recover_proposals),
        ("recover plan sign-offs", _recover_signoffs),
        ("plan sign-offs", _signoffs),
        ("plan sign-off reminders", _signoff_reminders),
        ("planning touchpoints", _planning),
        ("recover planning touchpoints", _recover_planning),
        ("calibration packs", _calibration_packs),
        ("calibration outcomes", _calibration_outcomes),
    )
    for name, step in steps:
        try:
            step(out, settings, report)
        except Exception:
            logger.exception("scheduling pass: step %s failed", name)
            report.errors.append(name)
    if homes is not None and report.changed_ld_homes():
        try:
            report.homes = homes.after_pass()
        except Exception:
            logger.exception("scheduling pass: step homes failed")
            report.errors.append("homes")
    if report.worth_logging():
        logger.info("scheduling pass: %s", report)
    metrics.pass_done(report, time.monotonic() - started)
    return report


def run_team_passes(out: Outbound, settings: PassSettings, homes: HomeTabs | None) -> dict[str, PassReport]:
    """With installs into many workspaces: first the data of teams uninstalled longer ago than it is kept is deleted,
    then one pass per installed team, each claiming only its own team's rows and sending them with its own token
    (an uninstalled team gets none). One team's failing pass does not stop the others'."""
    _delete_expired(out)
    reports = {}
    for team_id in installs.active_teams(out):
        with acting_for(team_id):
            reports[team_id] = run_pass(out, settings, homes)
    return reports


def run_workspace_pass(out: Outbound, settings: PassSettings, homes: HomeTabs | None) -> PassReport:
    """With one SLACK_BOT_TOKEN: the data of a team that uninstalled longer ago than it is kept is deleted, then
    one pass (whose claims skip any team that uninstalled)."""
    _delete_expired(out)
    return run_pass(out, settings, homes)


def _delete_expired(out: Outbound) -> None:
    try:
        installs.delete_expired(out)
    except Exception:
        logger.exception("scheduling pass: deleting the data of uninstalled teams failed")


def _plan(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.planned += planning.plan(out, settings.default_tz, settings.grace)


def _send(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    sent, failed = touchpoint_dms.send_due(out, settings.grace, settings.default_tz)
    report.sent += sent
    report.failed += failed


def _map_messages(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    sent, failed = map_messages.send_due(out, settings.grace, settings.lease)
    report.map_messages += sent
    report.failed += failed


def _recover(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.recovered += touchpoint_dms.recover(out, settings.lease)


def _remind(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.reminded += touchpoint_dms.remind_due(out, settings.default_tz)


def _expire(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.missed += touchpoint_dms.close_expired(out, settings.grace)


def _summaries(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.summaries += shift_summaries.post_due(out)


def _recover_summaries(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.summaries += shift_summaries.recover(out, settings.lease)


def _digests(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.digests += digests.post_due(out, settings.default_tz, settings.ld_channel_id)


def _recover_digests(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.digests += digests.recover(out, settings.lease)


def _answers(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    """Answers' summaries and DMs a stopping web process handed back."""
    report.answers += answer_posts.publish_handed_back(out)


def _recover_answers(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.answers += answer_posts.recover(out, settings.lease)


def _proposals(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    """Measures to propose to their owners that a stopping web process handed back."""
    report.proposals += measure_agreement.send_due(out)


def _recover_proposals(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.proposals += measure_agreement.recover(out, settings.lease)


def _signoffs(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.signoffs += plans.send_due(out)


def _recover_signoffs(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.signoffs += plans.recover(out, settings.lease)


def _signoff_reminders(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.signoffs += plans.remind_due(out)


def _planning(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    """The business calendar: planning touchpoints before each financial year, once per person and year."""
    report.planning += business_calendar.send_due(out)


def _recover_planning(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    report.planning += business_calendar.recover(out, settings.lease)


def _calibration_packs(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    sent, failed = calibration.send_packs(out, settings.lease)
    report.calibration += sent
    report.failed += failed


def _calibration_outcomes(out: Outbound, settings: PassSettings, report: PassReport) -> None:
    """What a calibration session agreed, to stakeholders whose DM Slack refused (or whose sender stopped)."""
    sent, failed = calibration.send_outcomes(out, settings.lease)
    report.calibration += sent
    report.failed += failed
