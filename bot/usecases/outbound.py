"""What the outbound use cases (DMs, answers, summaries, digests, workbooks, notices) need: the database, the patient
Slack gateway and the clock, built once by create_app (or by the clock process) and handed to each call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Message
from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway
from storage.db import Database

logger = logging.getLogger(__name__)

ATTEMPTS_MAX = 5  # a message that met this many passing Slack failures is given up on (and its owner told)


@dataclass(frozen=True)
class Outbound:
    db: Database
    slack: SlackGateway  # patient: waits out rate limits (this is work after an ack, or the clock's)
    clock: Callable[[], datetime]
    default_tz: str = "UTC"
    default_channel: str = ""  # the environment's L&D channel, for teams that have not saved their own


def find_in_channel(
    out: Outbound, channel_id: str, event_type: str, key: str, value: object, since: datetime
) -> str | None:
    """The ts of the app's message in a channel whose metadata says key == value; None if the app cannot read the
    channel (then it cannot have posted there either)."""
    try:
        return out.slack.find_by_metadata(channel_id, event_type, key, value, since)
    except SlackCallFailed as exc:
        if exc.error in ("not_in_channel", "channel_not_found"):
            return None
        raise


def find_in_dm(
    out: Outbound, channel_id: str | None, user_id: str, event_type: str, key: str, value: object, since: datetime
) -> tuple[str, str] | None:
    """(channel, ts) of the app's DM to a person whose metadata says key == value, opening the DM if its id is not
    known yet; None if there is none."""
    channel_id = channel_id or out.slack.open_dm(user_id)
    ts = out.slack.find_by_metadata(channel_id, event_type, key, value, since)
    return (channel_id, ts) if ts else None


def update_message(slack: SlackGateway, channel_id: str | None, ts: str | None, message: Message, what: str) -> None:
    """Update a message the app sent, if it is known; what was recorded stands if Slack refuses (logged)."""
    if channel_id and ts:
        try:
            slack.update(channel_id, ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("%s not updated: %s", what, exc)


def drain(out: Outbound, claim: Callable, post: Callable[[list], int], batch: int) -> int:
    """Claim (in its own transaction) and post batch after batch until a claim comes back short; returns how many
    went out."""
    done = 0
    while True:
        with out.db.session() as session:
            items = claim(session)
        if items:
            done += post(items)
        if len(items) < batch:
            return done
