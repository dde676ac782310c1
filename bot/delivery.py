"""Sending touchpoints and publishing answers: the Slack side of each use case, run after the listener's ack."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from bot.blocks import touchpoints as blocks
from bot.ids import MessageEvent
from bot.services import touchpoints
from bot.services.answers import RecordedAnswers
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
    def __init__(self, db: Database, slack: SlackGateway, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.slack = slack
        self.clock = clock

    def send(self, touchpoint_ids: Iterable[int]) -> dict[int, str]:
        """Deliver the pending touchpoints among touchpoint_ids; returns the errors of those that failed.

        Each DM is recorded in its own transaction right after Slack accepts it, so a failure or a crash part-way
        loses neither the DMs already sent nor the ones still to send (they stay pending or sending).
        """
        with self.db.session() as session:
            items = touchpoints.claim(session, touchpoint_ids, self.clock())
        failures: dict[int, str] = {}
        problems: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for item in items:
            try:
                channel_id = item.dm_channel_id or self.slack.open_dm(item.user_id)
                message = blocks.kickoff_message(item)
                ts = self.slack.post(
                    channel_id,
                    message.text,
                    message.blocks,
                    metadata={"event_type": MessageEvent.TOUCHPOINT_SENT, "event_payload": {"touchpoint": item.touchpoint_id}},
                )
            except SlackCallFailed as exc:
                logger.warning("touchpoint %s to %s not delivered: %s", item.touchpoint_id, item.user_id, exc)
                with self.db.session() as session:
                    touchpoints.failed(session, item, exc.error, user_unreachable=exc.user_unreachable, now=self.clock())
                failures[item.touchpoint_id] = exc.error
                problems[(item.opened_by, item.initiative_name)].append((item.user_id, reason(exc.error)))
                continue
            with self.db.session() as session:
                touchpoints.sent(session, item, channel_id, ts, self.clock())
        for (owner, initiative_name), people in problems.items():
            self._tell(owner, blocks.delivery_report(initiative_name, people))
        return failures

    def publish_answers(self, answers: RecordedAnswers) -> None:
        """Show the stakeholder their DM as answered and post the summary; answers are already stored."""
        if answers.dm_channel_id and answers.dm_ts:
            message = blocks.kickoff_answered_message(answers)
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

    def _tell(self, user_id: str, message) -> None:
        try:
            self.slack.post(user_id, message.text, message.blocks)
        except SlackCallFailed:
            logger.exception("could not tell %s about a delivery problem", user_id)
