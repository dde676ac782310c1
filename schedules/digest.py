"""The weekly digest job: run by every scheduling pass, it posts each team's digest once its time has come.

A row per team and week is the claim: whichever pass inserts it posts the digest, so two schedulers (or a clock and
`touchpoint tick`) never post it twice, and a restart part-way goes on from the last part Slack has.
"""

from __future__ import annotations

import logging

from bot.services import digest

logger = logging.getLogger(__name__)


def post_due_digests(db, delivery, settings, now, report) -> None:
    with db.reading() as session:
        due = digest.due(session, now(), settings.default_tz, settings.ld_channel_id)
    for team_id, week, channel_id in due:
        with db.session() as session:
            posting = digest.claim(session, team_id, week, channel_id, now())
        if posting is not None and delivery.post_digest(posting):
            logger.info("posted the digest of %s for team %s", week, team_id)
            report.digests += 1


def recover_digests(db, delivery, settings, now, report) -> None:
    with db.session() as session:
        stale = digest.reclaim_stale(session, now(), settings.lease)
    for posting in stale:
        logger.warning(
            "going on with the digest of %s for team %s (part %d)", posting.week, posting.team_id, posting.parts_posted
        )
        if delivery.post_digest(posting, recovering=True):
            report.digests += 1
