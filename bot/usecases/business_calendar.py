"""The business calendar's planning touchpoint: queued and sent by the scheduling pass, exactly once (claimed, its
DM found again by metadata after a sender stopped part-way), answered from a modal, its DM updated to the answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from slack_sdk.models.views import View

from bot.blocks import business_calendar as blocks
from bot.blocks.notices import notice_view
from bot.ids import MessageEvent
from bot.runtime import Deps
from bot.services import business_calendar
from bot.services.business_calendar import PlanningView
from bot.slack.errors import SlackCallFailed
from bot.usecases.outbound import Outbound, drain, find_in_dm, update_message

logger = logging.getLogger(__name__)


def _metadata(view: PlanningView) -> dict:
    return {"event_type": MessageEvent.PLANNING_ASKED, "event_payload": {"ask": view.ask_id}}


def send(out: Outbound, items: list[PlanningView], *, recovering: bool = False) -> int:
    """DM each claimed planning touchpoint; returns how many went out. `recovering` looks in the DM first, so that
    one Slack already took (its metadata names the ask) is recorded, not sent twice."""
    done = 0
    for view in items:
        message = blocks.planning_message(view)
        try:
            found = _find(out, view) if recovering else None
            channel_id, ts = found or out.slack.post_with_channel(
                view.dm_channel_id or view.user_id, message.text, message.blocks, metadata=_metadata(view)
            )
        except SlackCallFailed as exc:
            logger.warning("planning touchpoint %s not sent: %s", view.ask_id, exc)
            with out.db.session() as session:
                business_calendar.failed(session, view, exc.error, for_good=exc.needs_a_person or exc.user_unreachable)
            continue
        with out.db.session() as session:
            business_calendar.posted(session, view, channel_id, ts, out.clock())
        done += 1
    return done


def send_due(out: Outbound) -> int:
    """The pass's step: queue what the coming financial years call for, then send what is due."""
    with out.db.session() as session:
        business_calendar.queue(session, out.clock(), out.default_tz)
    return drain(
        out,
        lambda session: business_calendar.claim(session, out.clock(), out.default_tz),
        lambda v: send(out, v),
        business_calendar.BATCH,
    )


def recover(out: Outbound, lease: timedelta) -> int:
    """Planning touchpoints whose sender stopped part-way, or met a passing failure (their lease passed)."""
    with out.db.session() as session:
        items = business_calendar.reclaim_stale(session, out.clock(), lease, out.default_tz)
    if not items:
        return 0
    logger.warning("recovering %d planning touchpoints whose sender stopped part-way", len(items))
    return send(out, items, recovering=True)


def _find(out: Outbound, view: PlanningView) -> tuple[str, str] | None:
    since = view.created_at - timedelta(minutes=5)
    return find_in_dm(out, view.dm_channel_id, view.user_id, MessageEvent.PLANNING_ASKED, "ask", view.ask_id, since)


def form(deps: Deps, team_id: str, ask_id: int | None, user_id: str) -> PlanningView:
    with deps.db.reading() as session:
        return business_calendar.form(session, team_id, ask_id, user_id)


def answer(
    deps: Deps,
    team_id: str,
    ask_id: int | None,
    user_id: str,
    values: Mapping[str, str | None],
    *,
    acknowledge: Callable[[View], object],
) -> None:
    """Their answer in one transaction (FormInvalid with every problem, before `acknowledge`), then `acknowledge`
    the submission, then their DM updated in the background."""
    with deps.db.session() as session:
        view = business_calendar.answer(session, team_id, ask_id, user_id, values, deps.clock())
    acknowledge(notice_view(blocks.answered_notice(view).text))
    deps.background.submit(show, deps, view)


def show(deps: Deps, view: PlanningView) -> None:
    """Update their DM to what they said. What was recorded stands if Slack refuses (logged)."""
    message = blocks.planning_message(view)
    update_message(deps.slack, view.channel_id, view.message_ts, message, f"planning touchpoint {view.ask_id}")
    deps.home.after_activity(view.team_id, [])
