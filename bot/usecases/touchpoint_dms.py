"""Touchpoint DMs: kickoffs when an initiative opens, what falls due, recovery of interrupted sends, reminders, and
showing closed touchpoints as closed. Run after the listener's ack (kickoffs, from the web process) or by the
scheduling pass (everything else, from the clock process)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from bot.blocks import initiatives as initiative_blocks
from bot.blocks import touchpoints as blocks
from bot.ids import MessageEvent
from bot.services import touchpoints
from bot.services.initiatives import CreatedInitiative
from bot.services.touchpoints import Outgoing
from bot.slack.errors import SlackCallFailed, reason
from bot.usecases import notices
from bot.usecases.outbound import Outbound
from storage.models import TouchpointStatus

logger = logging.getLogger(__name__)


def open_initiative(out: Outbound, created: CreatedInitiative) -> dict[int, str]:
    """A new initiative's kickoffs: those due now are sent, the rest wait for the scheduling pass; the L&D member
    who opened it is told when each stakeholder will be asked."""
    failures = send(out, created.touchpoint_ids)
    notices.tell(out, created.opened_by, initiative_blocks.first_asks(created.name, created.asks, out.clock()))
    return failures


def send(out: Outbound, touchpoint_ids: Iterable[int]) -> dict[int, str]:
    """Claim and deliver the touchpoints among touchpoint_ids that are pending and due."""
    with out.db.session() as session:
        items = touchpoints.claim(session, touchpoint_ids, out.clock(), out.default_tz)
    return deliver(out, items)


def send_due(out: Outbound, grace: timedelta, default_tz: str) -> tuple[int, int]:
    """The pass's send step: claim what is due batch after batch and deliver it; returns (sent, failed)."""
    sent = failed = 0
    while True:
        with out.db.session() as session:
            items, claimed = touchpoints.claim_due(session, out.clock(), grace, default_tz)
        if not claimed:
            return sent, failed
        failures = deliver(out, items)
        sent += len(items) - len(failures)
        failed += len(failures)


def recover(out: Outbound, lease: timedelta) -> int:
    """Touchpoints left "sending" by a sender that stopped part-way: recorded if Slack has them, else sent anew."""
    with out.db.session() as session:
        items = touchpoints.reclaim_stale(session, out.clock(), lease)
    if items:
        logger.warning("recovering %d touchpoints whose sender stopped part-way", len(items))
        deliver(out, items, recovering=True)
    return len(items)


def deliver(out: Outbound, items: list[Outgoing], *, recovering: bool = False) -> dict[int, str]:
    """DM each claimed touchpoint; returns the errors of those that failed.

    Each DM is recorded in its own transaction right after Slack accepts it, so a failure or a crash part-way
    loses neither the DMs already sent nor the ones still to send. A sender that died between Slack's answer and
    that record leaves the touchpoint "sending"; `recovering` looks in the DM for the message (by its metadata)
    so that such a touchpoint is recorded, not sent twice, and gives back to the send step one Slack never had.
    """
    failures: dict[int, str] = {}
    problems: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for item in items:
        try:
            channel_id, ts = _find(out, item) if recovering else _post(out, item)
            if ts is None:  # the dead sender never got it to Slack: send it as if new, with every check
                with out.db.session() as session:
                    touchpoints.release(session, item)
                continue
        except SlackCallFailed as exc:
            logger.warning("touchpoint %s to %s not delivered: %s", item.touchpoint_id, item.user_id, exc)
            with out.db.session() as session:
                touchpoints.failed(session, item, exc.error, user_unreachable=exc.user_unreachable, now=out.clock())
            failures[item.touchpoint_id] = exc.error
            problems[(item.opened_by, item.initiative_name)].append((item.user_id, reason(exc.error)))
            continue
        with out.db.session() as session:
            touchpoints.sent(session, item, channel_id, ts, out.clock(), out.default_tz)
    for (owner, initiative_name), people in problems.items():
        notices.delivery_report(out, owner, initiative_name, people)
    return failures


def _post(out: Outbound, item: Outgoing) -> tuple[str, str]:
    message = blocks.touchpoint_message(item)
    # Posting to the user id opens the DM if need be, without conversations.open (which is rate-limited harder).
    metadata = {"event_type": MessageEvent.TOUCHPOINT_SENT, "event_payload": {"touchpoint": item.touchpoint_id}}
    return out.slack.post_with_channel(
        item.dm_channel_id or item.user_id, message.text, message.blocks, metadata=metadata
    )


def _find(out: Outbound, item: Outgoing) -> tuple[str | None, str | None]:
    channel_id = item.dm_channel_id or out.slack.open_dm(item.user_id)
    since = (item.due_at or out.clock()) - timedelta(minutes=5)
    ts = out.slack.find_by_metadata(channel_id, MessageEvent.TOUCHPOINT_SENT, "touchpoint", item.touchpoint_id, since)
    return channel_id, ts


def remind_due(out: Outbound, default_tz: str) -> int:
    """Remind the stakeholders whose touchpoint is still unanswered at its reminder time; returns how many."""
    with out.db.session() as session:
        items = touchpoints.claim_reminders(session, out.clock(), default_tz)
    for item in items:
        message = blocks.reminder_message(item)
        try:
            out.slack.post(item.dm_channel_id or item.user_id, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("reminder for touchpoint %s not delivered: %s", item.touchpoint_id, exc)
    return len(items)


def close_expired(out: Outbound, grace: timedelta) -> int:
    """Mark missed what is past its answer-by time or its grace period, and show it so in the DMs; returns how many."""
    with out.db.session() as session:
        items = touchpoints.expire(session, out.clock(), grace)
    close(out, items, TouchpointStatus.MISSED)
    return len(items)


def close(out: Outbound, items: list[Outgoing], status: str) -> None:
    """Show closed touchpoints as closed in their DMs, so their buttons no longer invite an answer."""
    for item in items:
        if item.sent_channel_id and item.message_ts:
            message = blocks.closed_message(item, status)
            try:
                out.slack.update(item.sent_channel_id, item.message_ts, message.text, message.blocks)
            except SlackCallFailed as exc:
                logger.warning("could not show touchpoint %s as %s: %s", item.touchpoint_id, status, exc)
