"""A measure proposed to its owner in a DM, exactly once, after the L&D member's confirmation; their "Yes, that's
right" or their correction, and the DM updated to show it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import timedelta

from slack_sdk.models.views import View

from bot.blocks import agreement as blocks
from bot.blocks.notices import notice_view
from bot.ids import MessageEvent
from bot.runtime import Deps
from bot.services import agreement
from bot.services.agreement import ProposalView
from bot.usecases import notices
from bot.usecases.outbound import DmOutbox, Outbound, drain, recover_stale, send_dms, update_message


def _metadata(view: ProposalView) -> dict:
    return {"event_type": MessageEvent.MEASURE_PROPOSED, "event_payload": {"proposal": view.proposal_id}}


def send(out: Outbound, items: list[ProposalView], *, recovering: bool = False) -> int:
    """DM each claimed proposal to its owner; returns how many went out (see outbound.send_dms: a passing failure is
    tried again by the pass, one that needs a person tells the L&D member who confirmed the measure). A measure
    retired, closed or whose owner left the initiative before they were asked is not proposed."""
    for view in items:
        if view.withdrawn:  # retired, closed or its owner removed before they were asked: nothing to agree any more
            with out.db.session() as session:
                agreement.failed(session, view, view.withdrawn)
    return send_dms(out, _outbox(out), [v for v in items if not v.withdrawn], recovering=recovering)


def _outbox(out: Outbound) -> DmOutbox[ProposalView]:
    return DmOutbox(
        "measure proposal",
        key=lambda v: v.proposal_id,
        attempts=lambda v: v.attempts,
        post=lambda v: (v.owner_dm_channel_id, v.owner_user_id, blocks.proposal_message(v), _metadata(v)),
        since=lambda v: v.proposed_at,
        sent=lambda session, v, channel_id, ts: agreement.posted(session, v, channel_id, ts, out.clock()),
        failed=agreement.failed,
        report=lambda v, why: notices.tell(out, v.proposed_by, blocks.proposal_not_sent(v, why)),
    )


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
    return recover_stale(
        out,
        lambda session: agreement.reclaim_stale(session, out.clock(), lease),
        lambda items: send(out, items, recovering=True),
        "measure proposals",
    )


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
    message = blocks.proposal_message(view)
    update_message(deps.slack, view.channel_id, view.message_ts, message, f"measure proposal {view.proposal_id}")
    deps.home.after_activity(view.team_id, [])
