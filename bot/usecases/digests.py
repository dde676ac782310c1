"""The weekly digest: posted to each team's channel once its time has come (by every scheduling pass), and
previewed in an L&D member's DM on request.

A row per team and week is the claim: whichever pass inserts it posts the digest, so two schedulers (or a clock and
`touchpoint tick`) never post it twice, and a restart part-way goes on from the last part Slack has."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.blocks import digest as digest_blocks
from bot.ids import MessageEvent
from bot.services import digest, installs
from bot.slack.errors import SlackCallFailed
from bot.slack.workspaces import acting_for
from bot.usecases.outbound import ATTEMPTS_MAX, Outbound
from storage.scope import in_scope

logger = logging.getLogger(__name__)


def post_due(out: Outbound, default_tz: str, ld_channel_id: str | None) -> int:
    """Claim and post every team's digest whose time has come; returns how many were posted whole."""
    with out.db.reading() as session:
        due = digest.due(session, out.clock(), default_tz, ld_channel_id)
        removed = installs.inactive_teams(session)
    posted = 0
    for team_id, week, channel_id in due:
        if not in_scope(team_id) or team_id in removed:  # another team's pass posts it; or Touchpoint was removed
            continue
        with out.db.session() as session:
            posting = digest.claim(session, team_id, week, channel_id, out.clock())
        if posting is not None and post(out, posting):
            logger.info("posted the digest of %s for team %s", week, team_id)
            posted += 1
    return posted


def recover(out: Outbound, lease: timedelta) -> int:
    """Digests whose poster stopped part-way: each goes on from the part that was in flight."""
    with out.db.session() as session:
        stale = digest.reclaim_stale(session, out.clock(), lease)
    posted = 0
    for posting in stale:
        logger.warning(
            "going on with the digest of %s for team %s (part %d)", posting.week, posting.team_id, posting.parts_posted
        )
        if post(out, posting, recovering=True):
            posted += 1
    return posted


def post(out: Outbound, posting: digest.Posting, *, recovering: bool = False) -> bool:
    with acting_for(posting.team_id):
        return _post(out, posting, recovering=recovering)


def _post(out: Outbound, posting: digest.Posting, *, recovering: bool) -> bool:
    """Post the week's digest: its first message in the channel, any further parts in that message's thread.

    Each part is recorded as soon as Slack has it, with the part's number in its metadata; a poster taking over
    (`recovering`) first looks for the part that was in flight, so no part is posted twice or skipped."""
    with out.db.reading() as session:
        found = digest.build(session, posting.team_id, out.clock(), posting.week)
    messages = digest_blocks.digest_messages(found)
    channel_id, thread_ts = posting.channel_id, posting.thread_ts
    try:
        for part in range(posting.parts_posted, len(messages)):
            key = f"{posting.post_id}:{part}"
            ts = None
            if recovering and part == posting.parts_posted:
                ts = _find_part(out, channel_id, key, thread_ts)
            if ts is None:
                metadata = {"event_type": MessageEvent.DIGEST_POSTED, "event_payload": {"digest_part": key}}
                channel_id, ts = out.slack.post_with_channel(
                    channel_id, messages[part].text, messages[part].blocks, metadata=metadata, thread_ts=thread_ts
                )
            with out.db.session() as session:
                digest.record_part(session, posting, part, ts, out.clock(), found)
            thread_ts = thread_ts or ts
    except SlackCallFailed as exc:
        logger.warning("digest %s of team %s stopped: %s", posting.week, posting.team_id, exc)
        if exc.needs_a_person or posting.attempts >= ATTEMPTS_MAX:
            with out.db.session() as session:
                digest.failed(session, posting, exc.error)
        return False  # otherwise it stays claimed: the next poster after the lease goes on from the last part
    with out.db.session() as session:
        digest.finished(session, posting, out.clock())
    return True


def _find_part(out: Outbound, channel_id: str, key: str, thread_ts: str | None) -> str | None:
    since = out.clock() - timedelta(days=8)
    return out.slack.find_by_metadata(
        channel_id, MessageEvent.DIGEST_POSTED, "digest_part", key, since, thread_ts=thread_ts
    )


def preview(out: Outbound, team_id: str, user_id: str, week: str) -> int:
    """Send the digest as it stands to one L&D member's DM, laid out as the channel would get it."""
    with out.db.reading() as session:
        found = digest.build(session, team_id, out.clock(), week)
    messages = digest_blocks.digest_messages(found, preview=True)
    channel_id, thread_ts = out.slack.post_with_channel(user_id, messages[0].text, messages[0].blocks)
    for message in messages[1:]:
        out.slack.post_with_channel(channel_id, message.text, message.blocks, thread_ts=thread_ts)
    return len(messages)
