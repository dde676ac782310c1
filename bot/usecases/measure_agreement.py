"""A measure proposed to its owner in a DM, exactly once, after the L&D member's confirmation; their "Yes, that's
right" or their correction, and the DM updated to show it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from slack_sdk.models.views import View

from bot.blocks import agreement as blocks
from bot.blocks.notices import notice_view
from bot.ids import MessageEvent
from bot.runtime import Deps
from bot.services import agreement
from bot.services.agreement import ProposalView
from bot.slack.errors import SlackCallFailed, reason
from bot.usecases import notices
from bot.usecases.outbound import ATTEMPTS_MAX, Outbound, drain

logger = logging.getLogger(__name__)


def _metadata(view: ProposalView) -> dict:
    return {"event_type": MessageEvent.MEASURE_PROPOSED, "event_payload": {"proposal": view.proposal_id}}


def send(out: Outbound, items: list[ProposalView], *, recovering: bool = False) -> int:
    """DM each claimed proposal to its owner; returns how many went out. A passing failure leaves it claimed, to be
    tried again once the lease has passed; one that needs a person (or the last attempt) marks it failed and tells
    the L&D member who confirmed the measure. `recovering` looks in the DM first, so that a DM Slack already took
    (its metadata names the proposal) is recorded, not sent twice."""
    done = 0
    for view in items:
        if view.withdrawn:  # retired, closed or its owner removed before they were asked: nothing to agree any more
            with out.db.session() as session:
                agreement.failed(session, view, view.withdrawn)
            continue
        message = blocks.proposal_message(view)
        try:
            found = _find(out, view) if recovering else None
            channel_id, ts = found or out.slack.post_with_channel(
                view.owner_dm_channel_id or view.owner_user_id, message.text, message.blocks, metadata=_metadata(view)
            )
        except SlackCallFailed as exc:
            logger.warning("measure proposal %s not sent: %s", view.proposal_id, exc)
            if exc.needs_a_person or exc.user_unreachable or view.attempts >= ATTEMPTS_MAX:
                with out.db.session() as session:
                    agreement.failed(session, view, exc.error)
                notices.tell(out, view.proposed_by, blocks.proposal_not_sent(view, reason(exc.error)))
            continue
        with out.db.session() as session:
            agreement.posted(session, view, channel_id, ts, out.clock())
        done += 1
    return done


def send_one(out: Outbound, proposal_id: int) -> int:
    """The web process's job right after the L&D member's confirmation: the proposal its transaction claimed."""
    with out.db.reading() as session:
        items = agreement.views(session, [proposal_id])
    return send(out, items)


def hand_back(out: Outbound, proposal_id: int) -> None:
    """The web process stops before sending it: the scheduling pass will."""
    with out.db.session() as session:
        agreement.hand_back(session, proposal_id)


def send_due(out: Outbound) -> int:
    """The pass's step: proposals handed back by a stopping web process (or left by the migration)."""
    return drain(
        out, lambda session: agreement.claim(session, out.clock()), lambda v: send(out, v), agreement.PROPOSAL_BATCH
    )


def recover(out: Outbound, lease: timedelta) -> int:
    """Proposals whose sender stopped part-way, or met a passing failure (their lease passed)."""
    with out.db.session() as session:
        items = agreement.reclaim_stale(session, out.clock(), lease)
    if not items:
        return 0
    logger.warning("recovering %d measure proposals whose sender stopped part-way", len(items))
    return send(out, items, recovering=True)


def _find(out: Outbound, view: ProposalView) -> tuple[str, str] | None:
    channel_id = view.owner_dm_channel_id or out.slack.open_dm(view.owner_user_id)
    since = view.proposed_at - timedelta(minutes=5)
    ts = out.slack.find_by_metadata(channel_id, MessageEvent.MEASURE_PROPOSED, "proposal", view.proposal_id, since)
    return (channel_id, ts) if ts else None


def agree(
    deps: Deps, team_id: str, measure_id: int | None, user_id: str, clicked: tuple[str | None, str | None]
) -> None:
    """The owner's "Yes, that's right", in one transaction, then their DM updated. `clicked` is the (channel, ts)
    of the DM clicked: the one to update when the click came before its send was recorded."""
    with deps.db.session() as session:
        view = agreement.agree(session, team_id, measure_id, user_id, deps.clock())
    if not view.message_ts:
        view = dataclasses.replace(view, channel_id=clicked[0], message_ts=clicked[1])
    show(deps, view)


def correction_form(deps: Deps, team_id: str, measure_id: int | None, user_id: str) -> ProposalView:
    with deps.db.reading() as session:
        return agreement.correction_form(session, team_id, measure_id, user_id)


def correct(
    deps: Deps,
    team_id: str,
    measure_id: int | None,
    user_id: str,
    values: Mapping[str, str | None],
    *,
    acknowledge: Callable[[View], object],
) -> None:
    """The owner's correction, in one transaction (FormInvalid with every problem, before `acknowledge`), then
    `acknowledge` the submission with what was agreed, then their DM updated in the background."""
    with deps.db.session() as session:
        agreed = agreement.correct(session, team_id, measure_id, user_id, values, deps.clock())
    acknowledge(notice_view(blocks.agreed_notice(agreed).text))
    deps.background.submit(show, deps, agreed)


def show(deps: Deps, view: ProposalView) -> None:
    """Update the owner's DM to what they agreed. What was recorded stands if Slack refuses (logged)."""
    if view.channel_id and view.message_ts:
        message = blocks.proposal_message(view)
        try:
            deps.slack.update(view.channel_id, view.message_ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("measure proposal %s not updated: %s", view.proposal_id, exc)
    deps.home.after_activity(view.team_id, [])
