"""The scheduling pass's step for the stakeholder map's DMs: alerts queued for high-influence stakeholders at risk,
then everything due (status updates, alerts) claimed, sent and recorded, each in its own transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.blocks import map_messages as blocks
from bot.services import map_messages
from bot.slack.errors import SlackCallFailed
from bot.usecases.outbound import Outbound

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
                out.slack.post(dm.to_user_id, message.text, message.blocks)
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
