"""Publishing a stakeholder's answers: their DM shown as answered and the answers' summary posted in the
initiative's summary channel, from the web process right after the answer or by the pass for what it handed back."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk.models.blocks import Block

from bot.blocks import Message
from bot.blocks import answers as answer_blocks
from bot.blocks.common import context
from bot.ids import Action, MessageEvent
from bot.services import answer_posts as outbox
from bot.slack.errors import DM_GONE, SlackCallFailed
from bot.slack.gateway import SlackGateway
from bot.usecases import notices, touchpoint_dms
from bot.usecases.outbound import ATTEMPTS_MAX, Outbound, drain, find_in_channel, recover_stale
from storage.models import PostStatus

logger = logging.getLogger(__name__)


def publish(
    out: Outbound,
    posts: list[outbox.AnswerPostView],
    *,
    recovering: bool = False,
    fresh_for: timedelta | None = None,
) -> int:
    """Show each stakeholder their DM as answered and post the answers' summary; returns how many summaries
    went out. The answers are stored already, and so is each post (the outbox row, claimed by the caller).

    The summary carries the post's id in its metadata, so a poster taking over from one that died after Slack
    took the message (`recovering`) finds it instead of posting twice. A passing failure leaves the post
    claimed, to be tried again once the lease has passed; one that needs a person, or the last attempt, gives up
    and tells the initiative's owner. `fresh_for`: posts claimed longer ago than this are left to the scheduling
    pass (a web process running late must not race the pass that takes them over)."""
    now = out.clock()
    outcomes = [
        _publish_one(out, p, recovering)
        for p in posts
        if fresh_for is None or p.claimed_at is None or now - p.claimed_at <= fresh_for
    ]
    if not outcomes:
        return 0
    with out.db.session() as session:
        outbox.record_outcomes(session, outcomes, out.clock())
    before = {p.post_id: p for p in posts}
    for outcome in outcomes:
        if outcome.status == PostStatus.FAILED:
            found = before[outcome.post_id].answers
            notices.summary_not_posted(
                out, found.opened_by, found.initiative_name, found.summary_channel_id, outcome.error or ""
            )
    return sum(1 for o in outcomes if o.message_ts and not before[o.post_id].message_ts)


def _publish_one(out: Outbound, post: outbox.AnswerPostView, recovering: bool) -> outbox.PostOutcome:
    found, last_try = post.answers, post.attempts >= ATTEMPTS_MAX
    dm_done = post.dm_done or not (found.dm_channel_id and found.dm_ts)
    if not dm_done and found.dm_channel_id and found.dm_ts:  # not done means both are set
        message = touchpoint_dms.shown_answered(out, found)
        try:
            out.slack.update(found.dm_channel_id, found.dm_ts, message.text, message.blocks)
            dm_done = True
        except SlackCallFailed as exc:
            logger.warning("could not mark touchpoint %s answered in its DM: %s", found.touchpoint_id, exc)
            dm_done = last_try or exc.needs_a_person or exc.error in DM_GONE
    ts = post.message_ts
    if ts is None:
        summary = answer_blocks.answer_summary(found)
        try:
            if recovering:
                ts = find_in_channel(
                    out,
                    found.summary_channel_id,
                    MessageEvent.ANSWER_SUMMARY_POSTED,
                    "answer_post",
                    post.post_id,
                    post.created_at - timedelta(minutes=5),
                )
            if ts is None:
                metadata = {
                    "event_type": MessageEvent.ANSWER_SUMMARY_POSTED,
                    "event_payload": {"answer_post": post.post_id},
                }
                ts = out.slack.post(found.summary_channel_id, summary.text, summary.blocks, metadata=metadata)
        except SlackCallFailed as exc:
            logger.warning("summary for touchpoint %s not posted: %s", found.touchpoint_id, exc)
            gives_up = exc.needs_a_person or last_try
            return outbox.PostOutcome(
                post.post_id,
                None,
                dm_done or gives_up,
                PostStatus.FAILED if gives_up else PostStatus.SENDING,
                exc.error,
            )
    return outbox.PostOutcome(post.post_id, ts, dm_done, PostStatus.POSTED if dm_done else PostStatus.SENDING)


def drop_change_button(slack: SlackGateway, body: dict) -> None:
    """The answered DM whose "Change my answer" was clicked after its touchpoint closed, shown without the button.
    Best effort: if Slack refuses, the button stays and answers the next click the same way."""
    channel_id = str((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or "")
    message = body.get("message") or {}
    ts = str(message.get("ts") or "")
    if not channel_id or not ts:
        return
    closed = _without_change_button(message.get("text") or "", message.get("blocks") or [])
    try:
        slack.update(channel_id, ts, closed.text, closed.blocks)
    except SlackCallFailed as exc:
        logger.warning("could not drop the change button from %s: %s", channel_id, exc)


def _without_change_button(text: str, shown: list[dict]) -> Message:
    """The DM as Slack holds it (already escaped by the builder that made it), less its "Change my answer" button."""
    kept = [b for b in Block.parse_all([b for b in shown if not _has_action(b, Action.CHANGE_ANSWER)]) if b]
    return Message(text=text, blocks=[*kept, context("This touchpoint has closed: its answers stay as they are.")])


def _has_action(block: dict, action_id: str) -> bool:
    return block.get("type") == "actions" and any(e.get("action_id") == action_id for e in block.get("elements", []))


def hand_back(out: Outbound, posts: list[outbox.AnswerPostView]) -> None:
    """Posts this process will not make after all (it is stopping): the next scheduling pass makes them."""
    with out.db.session() as session:
        outbox.hand_back(session, [p.post_id for p in posts])


def publish_handed_back(out: Outbound) -> int:
    """The pass's step for answers' summaries and DMs a stopping web process handed back."""
    return drain(
        out, lambda session: outbox.claim_posts(session, out.clock()), lambda p: publish(out, p), outbox.POST_BATCH
    )


def recover(out: Outbound, lease: timedelta) -> int:
    """Posts whose poster died or met a passing Slack failure (their lease passed): Slack's history is checked
    first, so that no summary goes out twice."""
    return recover_stale(
        out,
        lambda session: outbox.reclaim_stale_posts(session, out.clock(), lease),
        lambda stale: publish(out, stale, recovering=True),
        "answers' posts",
    )
