"""The scheduling pass's step for the stakeholder map's DMs: alerts queued for high-influence stakeholders at risk,
then everything due (status updates, alerts) claimed, sent and recorded, each in its own transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.blocks import map_messages as blocks
from bot.ids import MessageEvent
from bot.services import map_messages
from bot.services.map_messages import MapDm
from bot.slack.errors import SlackCallFailed
from bot.usecases.outbound import Outbound, find_in_channel

logger = logging.getLogger(__name__)


def send_due(out: Outbound, grace: timedelta, lease: timedelta) -> tuple[int, int]:
    """Returns (sent, failed)."""
    with out.db.session() as session:
        map_messages.queue_alerts(session, out.clock())
    sent = failed = 0
    while True:
        with out.db.session() as session:
            dms = map_messages.claim(session, out.clock(), grace, lease, out.default_tz)
        for dm in dms:
            message = blocks.message_for(dm)
            try:
                if not _already_sent(out, dm):
                    out.slack.post(dm.to_user_id, message.text, message.blocks, metadata=_metadata(dm))
            except SlackCallFailed as exc:
                logger.warning("map message %s to %s not delivered: %s", dm.message_id, dm.to_user_id, exc)
                with out.db.session() as session:
                    map_messages.failed(session, dm, exc.error, out.clock(), unreachable=exc.user_unreachable)
                failed += 1
                continue
            with out.db.session() as session:
                map_messages.sent(session, dm, out.clock())
            sent += 1
        if len(dms) < map_messages.BATCH:
            return sent, failed


def _metadata(dm: MapDm) -> dict:
    return {"event_type": MessageEvent.MAP_MESSAGE_SENT, "event_payload": {"message": dm.message_id}}


def _already_sent(out: Outbound, dm: MapDm) -> bool:
    """A DM claimed before (its sender stopped, or Slack refused it) may be in the conversation already: a sender
    that died between Slack's answer and its record left it claimed. Its metadata says so; a first try never looks."""
    if dm.attempts <= 1 or dm.due_at is None:
        return False
    channel_id = out.slack.open_dm(dm.to_user_id)
    since = dm.due_at - timedelta(minutes=5)
    return find_in_channel(out, channel_id, MessageEvent.MAP_MESSAGE_SENT, "message", dm.message_id, since) is not None
