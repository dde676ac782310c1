"""Touchpoint DMs: kickoffs when an initiative opens, what falls due, recovery of interrupted sends, reminders, and
showing closed touchpoints as closed. Run after the listener's ack (kickoffs, from the web process) or by the
scheduling pass (everything else, from the clock process)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.blocks import Message
from bot.blocks import changes as change_blocks
from bot.blocks import initiatives as initiative_blocks
from bot.blocks import touchpoints as blocks
from bot.ids import MessageEvent
from bot.services import calendar, changes, touchpoints
from bot.services.answer_posts import RecordedAnswers
from bot.services.changes import ClosedDm
from bot.services.initiatives import CreatedInitiative
from bot.services.touchpoints import Outgoing
from bot.slack.errors import SlackCallFailed, reason
from bot.usecases import notices
from bot.usecases.outbound import Outbound, recover_stale
from storage.models import TouchpointKind, TouchpointStatus

logger = logging.getLogger(__name__)


@dataclass
class Delivered:
    """What a delivery did: touchpoints recorded as sent, and the errors of those Slack refused (those closed since
    their claim are neither)."""

    sent: int = 0
    failures: dict[int, str] = field(default_factory=dict)


def open_initiative(out: Outbound, created: CreatedInitiative) -> dict[int, str]:
    """A new initiative's kickoffs: those due now are sent, the rest wait for the scheduling pass; the L&D member
    who opened it is told when each stakeholder will be asked."""
    failures = send(out, created.touchpoint_ids).failures
    notices.tell(
        out, created.opened_by, initiative_blocks.first_asks(created.name, created.asks, out.clock(), created.busy)
    )
    return failures


def send(out: Outbound, touchpoint_ids: Iterable[int]) -> Delivered:
    """Claim and deliver the touchpoints among touchpoint_ids that are pending and due."""
    with out.db.session() as session:
        items = touchpoints.claim(session, touchpoint_ids, out.clock(), out.default_tz)
    return deliver(out, items)


def send_due(out: Outbound, grace: timedelta, default_tz: str) -> tuple[int, int]:
    """The pass's send step: claim what is due batch after batch and deliver it; returns (sent, failed)."""
    sent = failed = 0
    while True:
        with out.db.session() as session:
            items, claimed = touchpoints.claim_due(session, out.clock(), grace, default_tz)
        if not claimed:
            return sent, failed
        delivered = deliver(out, items)
        sent += delivered.sent
        failed += len(delivered.failures)


def recover(out: Outbound, lease: timedelta) -> int:
    """Touchpoints left "sending" by a sender that stopped part-way: recorded if Slack has them, else sent anew."""

    def resend(items: list[Outgoing]) -> int:
        deliver(out, items, recovering=True)
        return len(items)

    return recover_stale(
        out, lambda session: touchpoints.reclaim_stale(session, out.clock(), lease), resend, "touchpoints"
    )


def deliver(out: Outbound, items: list[Outgoing], *, recovering: bool = False) -> Delivered:
    """DM the claimed touchpoints, a person's check-ins (or reviews) due the same day in one DM; returns how many
    were sent and the errors of those that failed.

    Each DM is recorded in its own transaction right after Slack accepts it (every touchpoint it carries), so a
    failure or a crash part-way loses neither the DMs already sent nor the ones still to send. A sender that died
    between Slack's answer and that record leaves the touchpoints "sending"; `recovering` looks in the DM for the
    message (its metadata names every touchpoint in it) so that they are recorded, not sent twice, and gives back
    to the send step those Slack never had.
    """
    delivered = Delivered()
    failures = delivered.failures
    problems: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for planned in _by_person(items) if recovering else _bundles(items, out.default_tz):
        bundle = planned
        if not recovering:  # what closed since the claim (its initiative, its stakeholder's part) stays unsent
            with out.db.reading() as session:  # a read: the record of the send checks again
                bundle = touchpoints.still_to_send(session, planned)
            if not bundle:
                continue
        try:
            posted = _find(out, bundle) if recovering else {_post(out, bundle): bundle}
        except SlackCallFailed as exc:
            logger.warning("touchpoints %s to %s not delivered: %s", _ids(bundle), bundle[0].user_id, exc)
            with out.db.session() as session:
                for item in bundle:
                    touchpoints.failed(session, item, exc.error, user_unreachable=exc.user_unreachable, now=out.clock())
            for item in bundle:
                failures[item.touchpoint_id] = exc.error
                problems[(item.opened_by, item.initiative_name)].append((item.user_id, reason(exc.error)))
            continue
        for (channel_id, ts), together in posted.items():
            with out.db.session() as session:
                if ts is None:  # the dead sender never got these to Slack: send them as if new, with every check
                    for item in together:
                        touchpoints.release(session, item)
                    continue
                closed = touchpoints.sent_bundle(session, together, channel_id, ts, out.clock(), out.default_tz)
            delivered.sent += len(together)
            if closed:  # closed while Slack took the DM: it says so
                with out.db.reading() as session:
                    dms = changes.closed_dms(session, closed)
                show_closed(out, dms)
    for (owner, initiative_name), people in problems.items():
        notices.delivery_report(out, owner, initiative_name, people)
    return delivered


def show_closed(out: Outbound, dms: Iterable[ClosedDm]) -> None:
    """DMs of touchpoints closed with their initiative or their stakeholder's part in it say so; a bundle's DM is
    rebuilt whole, the other initiatives' buttons kept. A failure is logged: the touchpoint is closed whatever its
    DM says, and an answer to it is refused."""
    by_message: dict[tuple[str, str], ClosedDm] = {}
    for dm in dms:
        by_message.setdefault((dm.channel_id, dm.message_ts), dm)
    for (channel_id, ts), dm in by_message.items():
        with out.db.reading() as session:
            current = touchpoints.bundle(session, dm.touchpoint_id)
        message = blocks.bundle_message(current) if len(current) > 1 else change_blocks.closed_dm(dm)
        try:
            out.slack.update(channel_id, ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("could not show touchpoint %s as closed: %s", dm.touchpoint_id, exc)


def _ids(items: list[Outgoing]) -> list[int]:
    return [i.touchpoint_id for i in items]


def _bundles(items: list[Outgoing], default_tz: str) -> list[list[Outgoing]]:
    """The DMs to send: one per person for their check-ins (or reviews) due the same local day, at most BUNDLE_MAX
    touchpoints each (more go in a second DM); a kickoff, about one new initiative, goes on its own."""
    groups: dict[tuple, list[Outgoing]] = {}
    for item in items:
        if item.kind == TouchpointKind.KICKOFF or item.due_at is None:
            key: tuple = ("alone", item.touchpoint_id)
        else:
            day = item.due_at.astimezone(calendar.zone(item.tz, default_tz)).date()
            key = (item.stakeholder_id, item.kind, day)
        groups.setdefault(key, []).append(item)
    return [
        group[start : start + blocks.BUNDLE_MAX]
        for group in groups.values()
        for start in range(0, len(group), blocks.BUNDLE_MAX)
    ]


def _by_person(items: list[Outgoing]) -> list[list[Outgoing]]:
    people: dict[int, list[Outgoing]] = {}
    for item in items:
        people.setdefault(item.stakeholder_id, []).append(item)
    return list(people.values())


def _post(out: Outbound, bundle: list[Outgoing]) -> tuple[str, str]:
    message = blocks.dm_message(bundle)
    # The metadata names every touchpoint in the DM, so that a recovering sender finds the DM of each of them.
    payload: dict[str, object] = {"touchpoint": bundle[0].touchpoint_id}
    if len(bundle) > 1:
        payload["touchpoints"] = _ids(bundle)
    metadata = {"event_type": MessageEvent.TOUCHPOINT_SENT, "event_payload": payload}
    # Posting to the user id opens the DM if need be, without conversations.open (which is rate-limited harder).
    first = bundle[0]
    return out.slack.post_with_channel(
        first.dm_channel_id or first.user_id, message.text, message.blocks, metadata=metadata
    )


def _find(out: Outbound, items: list[Outgoing]) -> dict[tuple[str, str | None], list[Outgoing]]:
    """One person's interrupted touchpoints grouped by the DM Slack has them in (ts None: in none), from one read
    of their DM's recent history."""
    first = items[0]
    channel_id = first.dm_channel_id or out.slack.open_dm(first.user_id)
    since = min(i.due_at or out.clock() for i in items) - timedelta(minutes=5)
    wanted = set(_ids(items))
    where: dict[int, str] = {}
    for ts, payload in out.slack.tagged(channel_id, MessageEvent.TOUCHPOINT_SENT, since):
        named = payload.get("touchpoints")
        for touchpoint_id in [*(named if isinstance(named, list) else []), payload.get("touchpoint")]:
            if isinstance(touchpoint_id, int) and touchpoint_id in wanted:
                where.setdefault(touchpoint_id, ts)
        if wanted <= where.keys():
            break
    found: dict[tuple[str, str | None], list[Outgoing]] = {}
    for item in items:
        found.setdefault((channel_id, where.get(item.touchpoint_id)), []).append(item)
    return found


def _by_message(items: list[Outgoing]) -> list[list[Outgoing]]:
    """Touchpoints grouped by the DM they went out in (each bundle's together)."""
    messages: dict[tuple, list[Outgoing]] = {}
    for item in items:
        key = (item.sent_channel_id, item.message_ts) if item.message_ts else ("alone", item.touchpoint_id)
        messages.setdefault(key, []).append(item)
    return list(messages.values())


def remind_due(out: Outbound, default_tz: str) -> int:
    """Remind the stakeholders whose touchpoints are still unanswered at their reminder time, one reminder for
    what is still open of each DM; returns how many touchpoints were reminded."""
    with out.db.session() as session:
        items = touchpoints.claim_reminders(session, out.clock(), default_tz)
    for group in _by_message(items):
        message = blocks.bundle_reminder_message(group)
        first = group[0]
        try:
            out.slack.post(first.dm_channel_id or first.user_id, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("reminder for touchpoints %s not delivered: %s", _ids(group), exc)
    return len(items)


def shown_answered(out: Outbound, answers: RecordedAnswers) -> Message:
    """A touchpoint's DM once it is answered: today's thanks, or for a bundle the whole bundle as it stands now
    (the other touchpoints' buttons stay). A check-in or review that has closed meanwhile (its answers published
    late, by the pass) shows the thanks without "Change my answer"."""
    with out.db.reading() as session:
        current = touchpoints.bundle(session, answers.touchpoint_id)
    if len(current) > 1:
        return blocks.bundle_message(current)
    closes = current[0].expires_at if current else None
    if answers.kind != TouchpointKind.KICKOFF and closes is not None and closes <= out.clock():
        return blocks.answers_closed_message(current[0])
    return blocks.answered_message(answers)


def close_expired(out: Outbound, grace: timedelta) -> int:
    """Mark missed what is past its answer-by time or its grace period, and show it so in the DMs; returns how many."""
    with out.db.session() as session:
        items = touchpoints.expire(session, out.clock(), grace)
    close(out, items, TouchpointStatus.MISSED)
    close_corrections(out, grace)
    return len(items)


def close_corrections(out: Outbound, grace: timedelta) -> int:
    """Answered check-ins and reviews past their close: their DMs lose "Change my answer" (the patient client waits
    out Slack's rate limit, as for every update). A failure is logged and not retried: the button then says the
    touchpoint has closed when clicked, and goes. Returns how many DMs were updated."""
    with out.db.session() as session:
        items = touchpoints.close_corrections(session, out.clock(), grace)
    shown = 0
    for item in items:
        if not (item.sent_channel_id and item.message_ts):
            continue
        message = blocks.answers_closed_message(item)
        try:
            out.slack.update(item.sent_channel_id, item.message_ts, message.text, message.blocks)
            shown += 1
        except SlackCallFailed as exc:
            logger.warning("could not take Change my answer off touchpoint %s: %s", item.touchpoint_id, exc)
    return shown


def close(out: Outbound, items: list[Outgoing], status: str) -> None:
    """Show closed touchpoints as closed in their DMs, so their buttons no longer invite an answer; a bundle's DM is
    rebuilt whole from the current state of every touchpoint in it."""
    for group in _by_message(items):
        item = group[0]
        if not (item.sent_channel_id and item.message_ts):
            continue
        with out.db.session() as session:
            current = touchpoints.bundle(session, item.touchpoint_id)
        message = blocks.bundle_message(current) if len(current) > 1 else blocks.closed_message(item, status)
        try:
            out.slack.update(item.sent_channel_id, item.message_ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("could not show touchpoints %s as %s: %s", _ids(group), status, exc)
