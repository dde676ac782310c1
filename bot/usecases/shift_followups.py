"""An L&D member takes the follow-up of a stakeholder's priority shifts, then records how it ended; the summary
message shows who took it and the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from slack_sdk.models.views import View

from bot.blocks import followups as outcome_blocks
from bot.blocks import shifts as blocks
from bot.blocks.notices import notice_view
from bot.runtime import Deps
from bot.services import followups, shifts
from bot.services.followups import OutcomeForm
from bot.services.shifts import RecentShifts, SummaryView
from bot.slack.errors import SlackCallFailed

logger = logging.getLogger(__name__)


def take(deps: Deps, team_id: str, summary_id: int, stakeholder_id: int, user_id: str, message_ts: str | None) -> None:
    """Record the follow-up (the first click keeps it) and update the summary for everyone in the channel."""
    with deps.db.session() as session:
        view = shifts.follow_up(session, team_id, summary_id, stakeholder_id, user_id, deps.clock())
    _show(deps, view, message_ts)
    deps.home.after_activity(team_id, [])  # the L&D members' open Homes


def outcome_form(deps: Deps, team_id: str, summary_id: int, stakeholder_id: int) -> OutcomeForm:
    with deps.db.reading() as session:
        return followups.form(session, team_id, summary_id, stakeholder_id)


def record_outcome(
    deps: Deps,
    team_id: str,
    summary_id: int,
    stakeholder_id: int,
    user_id: str,
    values: Mapping[str, str],
    *,
    upto: int | None,
    acknowledge: Callable[[View], object],
) -> None:
    """Store the outcome in one transaction (FormInvalid with every problem, before `acknowledge`), `acknowledge`
    the submission with the modal saying what was recorded, then update the summary message in the background."""
    with deps.db.session() as session:
        summary = followups.record(session, team_id, summary_id, stakeholder_id, user_id, values, deps.clock(), upto)
    acknowledge(notice_view(outcome_blocks.outcome_recorded(summary, stakeholder_id).text))
    deps.background.submit(_show_outcome, deps, summary, hand_back=lambda: update_later(deps, summary))


def _show_outcome(deps: Deps, view: SummaryView) -> None:
    _show(deps, view, None)
    deps.home.after_activity(view.team_id, [])


def update_later(deps: Deps, view: SummaryView) -> None:
    """The web process stops before updating the message: the scheduling pass will."""
    with deps.db.session() as session:
        shifts.to_update(session, view.summary_id)


def _show(deps: Deps, view: SummaryView, message_ts: str | None) -> None:
    """Update the summary message in place. What was recorded stands if Slack refuses: the summary is then marked
    for the scheduling pass, which updates it (or tells the initiative's owner it can't) like any newer shift."""
    ts = view.message_ts or message_ts
    if ts is None:  # a summary that never reached the channel has no message to update; its post will show it all
        return
    message = blocks.shift_summary(view)
    try:
        deps.slack.update(view.channel_id, ts, message.text, message.blocks)
    except SlackCallFailed as exc:
        logger.warning("shift summary %s not updated in place: %s", view.summary_id, exc)
        update_later(deps, view)


def recent(deps: Deps, team_id: str, initiative_name: str) -> RecentShifts:
    with deps.db.reading() as session:
        return shifts.recent(session, team_id, initiative_name, deps.clock())
