"""Sending touchpoints and publishing answers: the Slack side of each use case, run after the listener's ack
(kickoffs, from the web process) or by the scheduling pass (everything else, from the clock process)."""

from __future__ import annotations

import io
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.blocks import Message
from bot.blocks import digest as digest_blocks
from bot.blocks import exports as export_blocks
from bot.blocks import initiatives as initiative_blocks
from bot.blocks import shifts as shift_blocks
from bot.blocks import touchpoints as blocks
from bot.exports import reading, template, workbook
from bot.ids import MessageEvent
from bot.services import answers, digest, exporting, importing, shifts, touchpoints
from bot.services.initiatives import CreatedInitiative
from bot.services.shifts import SummaryView
from bot.services.touchpoints import Outgoing
from bot.slack import SlackCallFailed, SlackGateway
from storage.db import Database
from storage.models import PostStatus

logger = logging.getLogger(__name__)

ATTEMPTS_MAX = 5  # a message that met this many passing Slack failures is given up on (and its owner told)

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


# A DM update that fails with these will never succeed: the DM's message is gone or cannot be edited.
_DM_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def workbook_name(title: str, now: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "export"
    return f"touchpoint-{slug}-{now:%Y-%m-%d}.xlsx"


def _summary_metadata(view: SummaryView) -> dict:
    return {"event_type": MessageEvent.SHIFT_SUMMARY_POSTED, "event_payload": {"summary": view.summary_id}}


def reason(error: str) -> str:
    return _REASONS.get(error, f"Slack answered “{error}”")


class Delivery:
    def __init__(
        self,
        db: Database,
        slack: SlackGateway,
        clock: Callable[[], datetime],
        default_tz: str = "UTC",
        default_channel: str = "",
    ) -> None:
        self.db = db
        self.slack = slack
        self.clock = clock
        self.default_tz = default_tz
        self.default_channel = default_channel  # the L&D channel: imported initiatives' summary channel by default

    def open_initiative(self, created: CreatedInitiative) -> dict[int, str]:
        """A new initiative's kickoffs: those due now are sent, the rest wait for the scheduling pass; the L&D member
        who opened it is told when each stakeholder will be asked."""
        failures = self.send(created.touchpoint_ids)
        self._tell(created.opened_by, initiative_blocks.first_asks(created.name, created.asks, self.clock()))
        return failures

    def send(self, touchpoint_ids: Iterable[int]) -> dict[int, str]:
        """Claim and deliver the touchpoints among touchpoint_ids that are pending and due."""
        with self.db.session() as session:
            items = touchpoints.claim(session, touchpoint_ids, self.clock(), self.default_tz)
        return self.deliver(items)

    def deliver(self, items: list[Outgoing], *, recovering: bool = False) -> dict[int, str]:
        """DM each claimed touchpoint; returns the errors of those that failed.

        Each DM is recorded in its own transaction right after Slack accepts it, so a failure or a crash part-way
        loses neither the DMs already sent nor the ones still to send. A sender that died between Slack's answer and
        that record leaves the touchpoint "sending"; `recovering` looks in the DM for the message (by its metadata)
        so that such a touchpoint is recorded, not sent twice, and gives back to the send step one Slack never had.
        """
        failures: dict[int, str] = {}
        problems: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for item in items:
            try:
                channel_id, ts = self._find(item) if recovering else self._post(item)
                if ts is None:  # the dead sender never got it to Slack: send it as if new, with every check
                    with self.db.session() as session:
                        touchpoints.release(session, item)
                    continue
            except SlackCallFailed as exc:
                logger.warning("touchpoint %s to %s not delivered: %s", item.touchpoint_id, item.user_id, exc)
                with self.db.session() as session:
                    touchpoints.failed(
                        session, item, exc.error, user_unreachable=exc.user_unreachable, now=self.clock()
                    )
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
        return self.slack.post_with_channel(
            item.dm_channel_id or item.user_id, message.text, message.blocks, metadata=metadata
        )

    def _find(self, item: Outgoing) -> tuple[str | None, str | None]:
        channel_id = item.dm_channel_id or self.slack.open_dm(item.user_id)
        since = (item.due_at or self.clock()) - timedelta(minutes=5)
        ts = self.slack.find_by_metadata(
            channel_id, MessageEvent.TOUCHPOINT_SENT, "touchpoint", item.touchpoint_id, since
        )
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

    def publish_answers(
        self, posts: list[answers.AnswerPostView], *, recovering: bool = False, fresh_for: timedelta | None = None
    ) -> int:
        """Show each stakeholder their DM as answered and post the answers' summary; returns how many summaries
        went out. The answers are stored already, and so is each post (the outbox row, claimed by the caller).

        The summary carries the post's id in its metadata, so a poster taking over from one that died after Slack
        took the message (`recovering`) finds it instead of posting twice. A passing failure leaves the post
        claimed, to be tried again once the lease has passed; one that needs a person, or the last attempt, gives up
        and tells the initiative's owner. `fresh_for`: posts claimed longer ago than this are left to the scheduling
        pass (a web process running late must not race the pass that takes them over)."""
        now = self.clock()
        outcomes = [
            self._publish_answer(p, recovering)
            for p in posts
            if fresh_for is None or p.claimed_at is None or now - p.claimed_at <= fresh_for
        ]
        if not outcomes:
            return 0
        with self.db.session() as session:
            answers.record_outcomes(session, outcomes, self.clock())
        before = {p.post_id: p for p in posts}
        for outcome in outcomes:
            if outcome.status == PostStatus.FAILED:
                found = before[outcome.post_id].answers
                self._tell(
                    found.opened_by,
                    blocks.summary_not_posted(found.initiative_name, found.summary_channel_id, outcome.error or ""),
                )
        return sum(1 for o in outcomes if o.message_ts and not before[o.post_id].message_ts)

    def _publish_answer(self, post: answers.AnswerPostView, recovering: bool) -> answers.PostOutcome:
        found, last_try = post.answers, post.attempts >= ATTEMPTS_MAX
        dm_done = post.dm_done or not (found.dm_channel_id and found.dm_ts)
        if not dm_done:
            message = blocks.answered_message(found)
            try:
                self.slack.update(found.dm_channel_id, found.dm_ts, message.text, message.blocks)
                dm_done = True
            except SlackCallFailed as exc:
                logger.warning("could not mark touchpoint %s answered in its DM: %s", found.touchpoint_id, exc)
                dm_done = last_try or exc.needs_a_person or exc.error in _DM_GONE
        ts = post.message_ts
        if ts is None:
            summary = blocks.answer_summary(found)
            try:
                if recovering:
                    ts = self._find_in_channel(
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
                    ts = self.slack.post(found.summary_channel_id, summary.text, summary.blocks, metadata=metadata)
            except SlackCallFailed as exc:
                logger.warning("summary for touchpoint %s not posted: %s", found.touchpoint_id, exc)
                gives_up = exc.needs_a_person or last_try
                return answers.PostOutcome(
                    post.post_id,
                    None,
                    dm_done or gives_up,
                    PostStatus.FAILED if gives_up else PostStatus.SENDING,
                    exc.error,
                )
        return answers.PostOutcome(post.post_id, ts, dm_done, PostStatus.POSTED if dm_done else PostStatus.SENDING)

    def hand_back_answers(self, posts: list[answers.AnswerPostView]) -> None:
        """Posts this process will not make after all (it is stopping): the next scheduling pass makes them."""
        with self.db.session() as session:
            answers.hand_back(session, [p.post_id for p in posts])

    def post_shift_summaries(self, items: list[SummaryView], *, recovering: bool = False) -> int:
        """Post each claimed summary, or update its message with the day's newer shifts; returns how many went out.

        The message carries the summary's id in its metadata, so a poster that died between Slack's answer and the
        record is found out (`recovering`) instead of posting twice. A passing failure leaves the summary claimed,
        so that it is retried once the lease runs out; one that needs a person marks it failed and tells its owner."""
        done = 0
        for view in items:
            message = shift_blocks.shift_summary(view)
            try:
                ts = view.message_ts or (self._find_summary(view) if recovering else None)
                if ts is not None:
                    ts = self._update_or_repost(view, ts, message)
                else:
                    ts = self.slack.post(
                        view.channel_id, message.text, message.blocks, metadata=_summary_metadata(view)
                    )
            except SlackCallFailed as exc:
                logger.warning("shift summary %s not posted: %s", view.summary_id, exc)
                if exc.needs_a_person or view.attempts >= ATTEMPTS_MAX:
                    with self.db.session() as session:
                        shifts.failed(session, view, exc.error)
                    self._tell(
                        view.opened_by,
                        blocks.summary_not_posted(view.initiative_name, view.channel_id, reason(exc.error)),
                    )
                continue
            with self.db.session() as session:
                shifts.posted(session, view, ts, self.clock())
            done += 1
        return done

    def _update_or_repost(self, view: SummaryView, ts: str, message: Message) -> str:
        try:
            self.slack.update(view.channel_id, ts, message.text, message.blocks)
            return ts
        except SlackCallFailed as exc:
            if exc.error != "message_not_found":  # someone deleted it: post it again
                raise
        return self.slack.post(view.channel_id, message.text, message.blocks, metadata=_summary_metadata(view))

    def _find_summary(self, view: SummaryView) -> str | None:
        since = self.clock() - timedelta(days=2)
        return self._find_in_channel(
            view.channel_id, MessageEvent.SHIFT_SUMMARY_POSTED, "summary", view.summary_id, since
        )

    def _find_in_channel(
        self, channel_id: str, event_type: str, key: str, value: object, since: datetime
    ) -> str | None:
        try:
            return self.slack.find_by_metadata(channel_id, event_type, key, value, since)
        except SlackCallFailed as exc:
            if exc.error in ("not_in_channel", "channel_not_found"):  # it cannot have posted there
                return None
            raise

    def post_digest(self, posting: digest.Posting, *, recovering: bool = False) -> bool:
        """Post the week's digest: its first message in the channel, any further parts in that message's thread.

        Each part is recorded as soon as Slack has it, with the part's number in its metadata; a poster taking over
        (`recovering`) first looks for the part that was in flight, so no part is posted twice or skipped."""
        with self.db.reading() as session:
            found = digest.build(session, posting.team_id, self.clock(), posting.week)
        messages = digest_blocks.digest_messages(found)
        channel_id, thread_ts = posting.channel_id, posting.thread_ts
        try:
            for part in range(posting.parts_posted, len(messages)):
                key = f"{posting.post_id}:{part}"
                ts = None
                if recovering and part == posting.parts_posted:
                    ts = self._find_part(channel_id, key, thread_ts)
                if ts is None:
                    metadata = {"event_type": MessageEvent.DIGEST_POSTED, "event_payload": {"digest_part": key}}
                    channel_id, ts = self.slack.post_with_channel(
                        channel_id, messages[part].text, messages[part].blocks, metadata=metadata, thread_ts=thread_ts
                    )
                with self.db.session() as session:
                    digest.record_part(session, posting, part, ts, self.clock(), found)
                thread_ts = thread_ts or ts
        except SlackCallFailed as exc:
            logger.warning("digest %s of team %s stopped: %s", posting.week, posting.team_id, exc)
            if exc.needs_a_person or posting.attempts >= ATTEMPTS_MAX:
                with self.db.session() as session:
                    digest.failed(session, posting, exc.error)
            return False  # otherwise it stays claimed: the next poster after the lease goes on from the last part
        with self.db.session() as session:
            digest.finished(session, posting, self.clock())
        return True

    def _find_part(self, channel_id: str, key: str, thread_ts: str | None) -> str | None:
        since = self.clock() - timedelta(days=8)
        return self.slack.find_by_metadata(
            channel_id, MessageEvent.DIGEST_POSTED, "digest_part", key, since, thread_ts=thread_ts
        )

    def preview_digest(self, team_id: str, user_id: str, week: str) -> int:
        """Send the digest as it stands to one L&D member's DM, laid out as the channel would get it."""
        with self.db.reading() as session:
            found = digest.build(session, team_id, self.clock(), week)
        messages = digest_blocks.digest_messages(found, preview=True)
        channel_id, thread_ts = self.slack.post_with_channel(user_id, messages[0].text, messages[0].blocks)
        for message in messages[1:]:
            self.slack.post_with_channel(channel_id, message.text, message.blocks, thread_ts=thread_ts)
        return len(messages)

    def export_to_dm(self, scope: exporting.Scope, user_id: str, tz: str) -> str:
        """Build the workbook of `scope` and share it in the requester's DM; returns the file name."""
        now = self.clock()
        buffer = io.BytesIO()
        with self.db.reading() as session:
            workbook.write(exporting.collect(session, scope, now, tz), buffer)
        filename = workbook_name(scope.title, now)
        channel_id = self.slack.open_dm(user_id)
        self.slack.upload(
            channel_id,
            filename,
            buffer.getvalue(),
            title=f"Touchpoint: {scope.title}",
            comment=export_blocks.workbook_shared(scope.title, own=bool(scope.stakeholder_id)).text,
        )
        return filename

    def import_from_slack(self, team_id: str, user_id: str, file_id: str) -> None:
        """Import a workbook someone sent to the app's DM, and tell them how it went there (refusals raise)."""
        info, content = self.slack.download(file_id, reading.SIZE_MAX)
        name = str(info.get("name") or "workbook")
        if content is None or len(content) > reading.SIZE_MAX:
            raise reading.FileRefused(f"“{name}” is over 10 MB; workbooks up to 10 MB can be imported.")
        reading.check(name, content)  # before asking Slack for the member list
        directory = self.slack.directory()
        with self.db.session() as session:
            done = importing.run(
                session, team_id, name, content, directory, user_id, self.default_channel, self.clock(), self.default_tz
            )
        message = export_blocks.imported(name, done)
        self.slack.post(user_id, message.text, message.blocks)

    def template_to_dm(self, user_id: str) -> None:
        buffer = io.BytesIO()
        template.write(buffer)
        self.slack.upload(
            self.slack.open_dm(user_id),
            "touchpoint-import-template.xlsx",
            buffer.getvalue(),
            title="Touchpoint import template",
            comment=export_blocks.TEMPLATE_COMMENT,
        )

    def _tell(self, user_id: str, message: Message) -> None:
        try:
            self.slack.post(user_id, message.text, message.blocks)
        except SlackCallFailed:
            logger.exception("could not tell %s about a delivery problem", user_id)
