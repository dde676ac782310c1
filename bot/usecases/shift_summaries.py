"""The day's priority shifts of an initiative, posted as one summary in its summary channel (and updated as more
come in that day) by the scheduling pass."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.blocks import Message
from bot.blocks import shifts as shift_blocks
from bot.ids import MessageEvent
from bot.services import shifts
from bot.services.shifts import SummaryView
from bot.slack.errors import SlackCallFailed, reason
from bot.usecases import notices
from bot.usecases.outbound import ATTEMPTS_MAX, Outbound, drain, find_in_channel, recover_stale

logger = logging.getLogger(__name__)


def _metadata(view: SummaryView) -> dict:
    return {"event_type": MessageEvent.SHIFT_SUMMARY_POSTED, "event_payload": {"summary": view.summary_id}}


def post(out: Outbound, items: list[SummaryView], *, recovering: bool = False) -> int:
    """Post each claimed summary, or update its message with the day's newer shifts; returns how many went out.

    The message carries the summary's id in its metadata, so a poster that died between Slack's answer and the
    record is found out (`recovering`) instead of posting twice. A passing failure leaves the summary claimed,
    so that it is retried once the lease runs out; one that needs a person marks it failed and tells its owner."""
    done = 0
    for view in items:
        message = shift_blocks.shift_summary(view)
        try:
            ts = view.message_ts or (_find(out, view) if recovering else None)
            if ts is not None:
                ts = _update_or_repost(out, view, ts, message)
            else:
                ts = out.slack.post(view.channel_id, message.text, message.blocks, metadata=_metadata(view))
        except SlackCallFailed as exc:
            logger.warning("shift summary %s not posted: %s", view.summary_id, exc)
            if exc.needs_a_person or view.attempts >= ATTEMPTS_MAX:
                with out.db.session() as session:
                    shifts.failed(session, view, exc.error)
                notices.summary_not_posted(
                    out, view.opened_by, view.initiative_name, view.channel_id, reason(exc.error)
                )
            continue
        with out.db.session() as session:
            shifts.posted(session, view, ts, out.clock())
        done += 1
    return done


def post_due(out: Outbound) -> int:
    """The pass's step: every summary with shifts not yet posted, batch after batch."""
    return drain(
        out, lambda session: shifts.claim_summaries(session, out.clock()), lambda v: post(out, v), shifts.SUMMARY_BATCH
    )


def recover(out: Outbound, lease: timedelta) -> int:
    """Summaries whose poster stopped part-way (their lease passed)."""
    return recover_stale(
        out,
        lambda session: shifts.reclaim_stale(session, out.clock(), lease),
        lambda items: post(out, items, recovering=True),
        "shift summaries",
    )


def _update_or_repost(out: Outbound, view: SummaryView, ts: str, message: Message) -> str:
    try:
        out.slack.update(view.channel_id, ts, message.text, message.blocks)
        return ts
    except SlackCallFailed as exc:
        if exc.error != "message_not_found":  # someone deleted it: post it again
            raise
    return out.slack.post(view.channel_id, message.text, message.blocks, metadata=_metadata(view))


def _find(out: Outbound, view: SummaryView) -> str | None:
    since = out.clock() - timedelta(days=2)
    return find_in_channel(out, view.channel_id, MessageEvent.SHIFT_SUMMARY_POSTED, "summary", view.summary_id, since)
