"""The business calendar's planning touchpoint: queued and sent by the scheduling pass, exactly once (claimed, its
DM found again by metadata after a sender stopped part-way), answered from a modal, its DM updated to the answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from slack_sdk.models.views import View

from bot.blocks import business_calendar as blocks
from bot.blocks.notices import notice_view
from bot.ids import MessageEvent
from bot.runtime import Deps
from bot.services import business_calendar
from bot.services.business_calendar import PlanningView
from bot.usecases.outbound import DmOutbox, Outbound, drain, recover_stale, send_dms, update_message


def _metadata(view: PlanningView) -> dict:
    return {"event_type": MessageEvent.PLANNING_ASKED, "event_payload": {"ask": view.ask_id}}


def send(out: Outbound, items: list[PlanningView], *, recovering: bool = False) -> int:
    """DM each claimed planning touchpoint; returns how many went out (see outbound.send_dms: a passing failure is
    tried again by the pass; one that needs a person, or the last attempt, is given up, with nobody to tell)."""
    return send_dms(out, _outbox(out), items, recovering=recovering)


def _outbox(out: Outbound) -> DmOutbox[PlanningView]:
    return DmOutbox(
        "planning touchpoint",
        key=lambda v: v.ask_id,
        attempts=lambda v: v.attempts,
        post=lambda v: (v.dm_channel_id, v.user_id, blocks.planning_message(v), _metadata(v)),
        since=lambda v: v.created_at,
        sent=lambda session, v, channel_id, ts: business_calendar.posted(session, v, channel_id, ts, out.clock()),
        failed=business_calendar.failed,
        report=lambda v, why: None,
    )


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
    return recover_stale(
        out,
        lambda session: business_calendar.reclaim_stale(session, out.clock(), lease, out.default_tz),
        lambda items: send(out, items, recovering=True),
        "planning touchpoints",
    )


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
