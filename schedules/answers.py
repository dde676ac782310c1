"""The scheduling pass's step for answers: their summaries and DMs that the web process did not get out."""

from __future__ import annotations

from bot.services import answers


def publish_answers(db, delivery, settings, now, report) -> None:
    """Posts a stopping web process handed back, then posts whose poster died or met a passing Slack failure (their
    lease passed): for those, Slack's history is checked first, so that no summary goes out twice."""
    while True:
        with db.session() as session:
            posts = answers.claim_posts(session, now())
        if not posts:
            break
        report.answers += delivery.publish_answers(posts)
        if len(posts) < answers.POST_BATCH:
            break
    with db.session() as session:
        stale = answers.reclaim_stale_posts(session, now(), settings.lease)
    if stale:
        report.answers += delivery.publish_answers(stale, recovering=True)
