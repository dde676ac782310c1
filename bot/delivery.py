"""Sending touchpoints and publishing answers: the Slack side of each use case, run after the listener's ack
(kickoffs, from the web process) or by the scheduling pass (everything else, from the clock process)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.blocks import Message
from bot.blocks import touchpoints as blocks
from bot.ids import MessageEvent
from bot.services import touchpoints
from bot.services.answers import RecordedAnswers
from bot.services.touchpoints import Outgoing
from bot.slack import SlackCallFailed, SlackGateway
from storage.db import Database

logger = logging.getLogger(__name__)

_REASONS = {
    "user_not_found": "isn't in this workspace any more",
    "users_not_found": "isn't in this workspace any more",
    "user_disabled": "is deactivated in Slack",
    "account_inactive": "is deactivated in Slack",
    "cannot_dm_bot": "is an app, not a person",
    "user_is_bot": "is an app, not a person",
    "ratelimited": "Slack was too busy to take the message; it will be retried",
    "channel_not_found": "their DM could not be opened",
}


def reason(error: str) -> str:
    return _REASONS.get(error, f"Slack answered “{error}”")


class Delivery:
    def __init__(self, db: Database, slack: SlackGateway, clock: Callable[[], datetime], default_tz: str = "UTC") -> None:
        self.db = db
        self.slack = slack
        self.clock = clock
        self.default_tz = default_tz

    def send(self, touchpoint_ids: Iterable[int]) -> dict[int, str]:
        """Claim and deliver the pending touchpoints among touchpoint_ids (a new initiative's kickoffs)."""
        with self.db.session() as session:
            items = touchpoints.claim(session, touchpoint_ids, self.clock())
        return self.deliver(items)

    def deliver(self, items: list[Outgoing], *, recovering: bool = False) -> dict[int, str]:
        """DM each claimed touchpoint; returns the errors of those that failed.

        Each DM is recorded in its own transaction right after Slack accepts it, so a failure or a crash part-way
        loses neither the DMs already sent nor the ones still to send. A sender that died between Slack's answer and
        that record leaves the touchpoint "sending"; `recovering` first looks in the DM for the message (by its
        metadata) so that such a touchpoint is recorded, not sent twice.
        """
        failures: dict[int, str] = {}
        problems: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for item in items:
            try:
                channel_id, ts = self._find(item) if recovering else (None, None)
                if ts is None:
                    channel_id, ts = self._post(item)
            except SlackCallFailed as exc:
                logger.warning("touchpoint %s to %s not delivered: %s", item.touchpoint_id, item.user_id, exc)
                with self.db.session() as session:
                    touchpoints.failed(session, item, exc.error, user_unreachable=exc.user_unreachable, now=self.clock())
                failures[item.touchpoint_id] = exc.error
                problems[(item.opened_by, item.initiative_name)].append((item.user_id, reason(exc.error)))
                continue
            with self.db.session() as session:
                touchpoints.sent(session, item, channel_id, ts, self.clock(), self.default_tz)
        for (owner, initiative_name), people in problems.items():
            self._tell(owner, blocks.delivery_report(initiative_name, people))
        return failures

    def _post(self, item: Outgoing) -> tuple[str, str]:
        message = blocks.touchpoint_message(item)
        # Posting to the user id opens the DM if need be, without conversations.open (which is rate-limited harder).
        metadata = {"event_type": MessageEvent.TOUCHPOINT_SENT, "event_payload": {"touchpoint": item.touchpoint_id}}
        return self.slack.post_with_channel(item.dm_channel_id or item.user_id, message.text, message.blocks, metadata=metadata)

    def _find(self, item: Outgoing) -> tuple[str | None, str | None]:
        channel_id = item.dm_channel_id or self.slack.open_dm(item.user_id)
        since = (item.due_at or self.clock()) - timedelta(minutes=5)
        ts = self.slack.find_by_metadata(channel_id, MessageEvent.TOUCHPOINT_SENT, "touchpoint", item.touchpoint_id, since)
        return channel_id, ts

    def remind(self, items: list[Outgoing]) -> None:
        for item in items:
            message = blocks.reminder_message(item)
            try:
                self.slack.post(item.dm_channel_id or item.user_id, message.text, message.blocks)
            except SlackCallFailed as exc:
                logger.warning("reminder for touchpoint %s not delivered: %s", item.touchpoint_id, exc)

    def close(self, items: list[Outgoing], status: str) -> None:
        """Show closed touchpoints as closed in their DMs, so their buttons no longer invite an answer."""
        for item in items:
            if item.sent_channel_id and item.message_ts:
                message = blocks.closed_message(item, status)
                try:
                    self.slack.update(item.sent_channel_id, item.message_ts, message.text, message.blocks)
                except SlackCallFailed as exc:
                    logger.warning("could not show touchpoint %s as %s: %s", item.touchpoint_id, status, exc)

    def publish_answers(self, answers: RecordedAnswers) -> None:
        """Show the stakeholder their DM as answered and post the summary; answers are already stored."""
        if answers.dm_channel_id and answers.dm_ts:
            message = blocks.answered_message(answers)
            try:
                self.slack.update(answers.dm_channel_id, answers.dm_ts, message.text, message.blocks)
            except SlackCallFailed as exc:
                logger.warning("could not mark touchpoint %s answered in its DM: %s", answers.touchpoint_id, exc)
        summary = blocks.answer_summary(answers)
        try:
            self.slack.post(answers.summary_channel_id, summary.text, summary.blocks)
        except SlackCallFailed as exc:
            logger.warning("summary for touchpoint %s not posted: %s", answers.touchpoint_id, exc)
            self._tell(
                answers.opened_by,
                blocks.summary_not_posted(answers.initiative_name, answers.summary_channel_id, exc.error),
            )

    def _tell(self, user_id: str, message: Message) -> None:
        try:
            self.slack.post(user_id, message.text, message.blocks)
        except SlackCallFailed:
            logger.exception("could not tell %s about a delivery problem", user_id)
