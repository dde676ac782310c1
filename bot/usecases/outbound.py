"""What the outbound use cases (DMs, answers, summaries, digests, workbooks, notices) need: the database, the patient
Slack gateway and the clock, built once by create_app (or by the clock process) and handed to each call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlmodel import Session

from bot.blocks import Message
from bot.slack.errors import SlackCallFailed, reason
from bot.slack.gateway import SlackGateway
from storage.db import Database

logger = logging.getLogger(__name__)
Item = TypeVar("Item")

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


def recover_stale(out: Outbound, reclaim: Callable[[Session], list], resend: Callable[[list], int], what: str) -> int:
    """The pass's recovery step of an outbox: take back (in its own transaction) what a sender that stopped part-way
    left claimed, or what met a passing failure, once its lease has passed, and hand it to `resend` (which looks in
    Slack before sending anything again); returns what `resend` returns."""
    with out.db.session() as session:
        items = reclaim(session)
    if not items:
        return 0
    logger.warning("recovering %d %s whose sender stopped part-way", len(items), what)
    return resend(items)


@dataclass(frozen=True)
class DmOutbox(Generic[Item]):
    """How one kind of claimed DM goes out exactly once (its row is the claim, its id in the message's metadata):
    where it goes and what it says, how to find it again in the DM, and what to record of Slack's answer."""

    name: str  # for the logs
    key: Callable[[Item], object]  # the row's id, in the logs
    attempts: Callable[[Item], int]
    post: Callable[[Item], tuple[str | None, str, Message, dict]]  # (their DM if known, user id, message, metadata)
    since: Callable[[Item], datetime]  # when it was made: the DM is looked in from (a little before) then
    sent: Callable[[Session, Item, str, str], None]  # record it, given the channel and ts
    failed: Callable[[Session, Item, str], None]  # given up on, with Slack's error
    report: Callable[[Item, str], None]  # tell someone it could not go, and why (in words)


def send_dms(out: Outbound, box: DmOutbox[Item], items: list[Item], *, recovering: bool = False) -> int:
    """DM each claimed item; returns how many went out. A passing failure leaves it claimed, to be tried again once
    the lease has passed; one that needs a person (or the last attempt) is marked failed and reported. `recovering`
    looks in the DM first, so that a DM Slack already took is recorded, not sent twice."""
    done = 0
    for item in items:
        dm_channel_id, user_id, message, metadata = box.post(item)
        try:
            found = _find_in_dm(out, dm_channel_id, user_id, metadata, box.since(item)) if recovering else None
            channel_id, ts = found or out.slack.post_with_channel(
                dm_channel_id or user_id, message.text, message.blocks, metadata=metadata
            )
        except SlackCallFailed as exc:
            logger.warning("%s %s not sent: %s", box.name, box.key(item), exc)
            if exc.needs_a_person or exc.user_unreachable or box.attempts(item) >= ATTEMPTS_MAX:
                with out.db.session() as session:
                    box.failed(session, item, exc.error)
                box.report(item, reason(exc.error))
            continue
        with out.db.session() as session:
            box.sent(session, item, channel_id, ts)
        done += 1
    return done


def _find_in_dm(
    out: Outbound, dm_channel_id: str | None, user_id: str, metadata: dict, since: datetime
) -> tuple[str, str] | None:
    """(channel, ts) of the DM Slack already took whose metadata is this one's, if any."""
    [(key, value)] = metadata["event_payload"].items()
    return find_in_dm(out, dm_channel_id, user_id, metadata["event_type"], key, value, since - timedelta(minutes=5))
