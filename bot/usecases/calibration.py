"""Calibration sessions: the pass's step that sends each pack (and each outcome DM) exactly once, the session
recorded from its modal, and the outcome sent to the stakeholders from the recorded session's button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.models.views import View
from sqlmodel import Session

from bot.blocks import calibration as blocks
from bot.ids import MessageEvent
from bot.runtime import Deps
from bot.services import calibration, calibration_sessions
from bot.services.calibration import PackDm
from bot.services.calibration_sessions import OutcomeDm, RecordForm, SessionForm, SessionRecord
from bot.slack.errors import SlackCallFailed
from bot.usecases.outbound import Outbound, find_in_dm

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(minutes=5)  # before a message's claim, where its DM's history is read on recovery


def send_packs(out: Outbound, lease: timedelta) -> tuple[int, int]:
    """The pass's step: packs whose date came are queued, then each due pack is claimed and sent, part by part.
    Returns (sent, failed)."""
    with out.db.session() as session:
        calibration.queue_packs(session, out.clock(), out.default_tz)
    return _each(
        out,
        lambda session: calibration.claim(session, out.clock(), lease, out.default_tz),
        lambda dm: _send_pack(out, dm),
    )


def _each(out: Outbound, claim: Callable[[Session], list], send: Callable[[Any], bool]) -> tuple[int, int]:
    """Claim (in its own transaction) and send batch after batch until a claim comes back short; (sent, failed)."""
    sent = failed = 0
    while True:
        with out.db.session() as session:
            items = claim(session)
        for item in items:
            if send(item):
                sent += 1
            else:
                failed += 1
        if len(items) < calibration.BATCH:
            return sent, failed


def _part_metadata(dm: PackDm, part: int) -> dict:
    return {"event_type": MessageEvent.CALIBRATION_PACK_SENT, "event_payload": {"part": f"{dm.pack_id}.{part}"}}


def _send_pack(out: Outbound, dm: PackDm) -> bool:
    """Each part not yet recorded: looked for in the DM first when this is not the first try (a sender that stopped
    after Slack took a part, or a call that failed after Slack took it), so no part goes out twice."""
    messages = blocks.pack_messages(dm)
    channel_id = dm.channel_id
    try:
        for part in range(dm.parts_posted, len(messages)):
            key = f"{dm.pack_id}.{part}"
            event = MessageEvent.CALIBRATION_PACK_SENT
            since = dm.due_at - LOOK_BACK
            found = find_in_dm(out, channel_id, dm.to_user_id, event, "part", key, since) if dm.attempts > 1 else None
            message = messages[part]
            channel_id, ts = found or out.slack.post_with_channel(
                channel_id or dm.to_user_id, message.text, message.blocks, metadata=_part_metadata(dm, part)
            )
            with out.db.session() as session:
                calibration.part_posted(session, dm, part, channel_id, ts)
    except SlackCallFailed as exc:
        logger.warning("calibration pack %s to %s not delivered: %s", dm.pack_id, dm.to_user_id, exc)
        with out.db.session() as session:
            calibration.pack_failed(session, dm, exc.error, final=exc.user_unreachable)
        return False
    with out.db.session() as session:
        calibration.pack_sent(session, dm, out.clock())
    return True


# The outcome, to each stakeholder


def send_outcomes(out: Outbound, lease: timedelta, session_id: int | None = None) -> tuple[int, int]:
    """Outcome DMs due (of one session, or all): each claimed, sent, recorded. Returns (sent, failed)."""
    return _each(
        out,
        lambda session: calibration_sessions.claim_outcomes(session, out.clock(), lease, session_id),
        lambda dm: _send_outcome(out, dm),
    )


def _send_outcome(out: Outbound, dm: OutcomeDm) -> bool:
    message = blocks.outcome_message(dm.record, dm.to_user_id)
    metadata = {"event_type": MessageEvent.CALIBRATION_OUTCOME_SENT, "event_payload": {"outcome": dm.outcome_id}}
    try:
        event = MessageEvent.CALIBRATION_OUTCOME_SENT
        found = (
            find_in_dm(out, dm.channel_id, dm.to_user_id, event, "outcome", dm.outcome_id, dm.queued_at - LOOK_BACK)
            if dm.attempts > 1
            else None
        )
        channel_id, ts = found or out.slack.post_with_channel(
            dm.channel_id or dm.to_user_id, message.text, message.blocks, metadata=metadata
        )
    except SlackCallFailed as exc:
        logger.warning("calibration outcome %s to %s not delivered: %s", dm.outcome_id, dm.to_user_id, exc)
        with out.db.session() as session:
            calibration_sessions.outcome_failed(session, dm, exc.error, final=exc.user_unreachable)
        return False
    with out.db.session() as session:
        calibration_sessions.outcome_sent(session, dm, channel_id, ts, out.clock())
    return True


# From the pack's button and the record modal


def record_form(deps: Deps, team_id: str, initiative_id: int | None) -> RecordForm:
    with deps.db.reading() as session:
        return calibration_sessions.record_form(session, team_id, initiative_id, deps.clock().date())


def record(deps: Deps, team_id: str, initiative_id: int | None, user_id: str, form: SessionForm) -> View:
    """The session stored in one transaction (FormInvalid with every problem); returns what the recorder sees."""
    with deps.db.session() as session:
        recorded = calibration_sessions.record(session, team_id, initiative_id, user_id, form, deps.clock())
    deps.home.after_activity(team_id, [])
    deps.background.submit(_post_record, deps, user_id, recorded)
    return blocks.recorded_view(recorded)


def _post_record(deps: Deps, user_id: str, recorded: SessionRecord) -> None:
    """The recorded session in the recorder's DM, with its button; if Slack refuses, the L&D Home has the button."""
    message = blocks.recorded_message(recorded)
    try:
        deps.slack.post(user_id, message.text, message.blocks)
    except SlackCallFailed as exc:
        logger.warning("calibration session %s not shown to %s: %s", recorded.session_id, user_id, exc)


def send_outcome(deps: Deps, team_id: str, session_id: int | None, user_id: str) -> None:
    """The outcome DMs queued in one transaction (once per stakeholder, whatever the clicks), the person who clicked
    told so in their DM, then the DMs sent in the background; what Slack refuses there the scheduling pass tries
    again."""
    with deps.db.session() as session:
        recorded, new = calibration_sessions.send_outcome(session, team_id, session_id, user_id, deps.clock())
    if new:
        lease = timedelta(seconds=deps.settings.touchpoint_sending_lease_seconds)
        deps.background.submit(send_outcomes, deps.outbound, lease, recorded.session_id)
    told = blocks.outcome_queued(recorded, new)
    try:
        deps.slack.post(user_id, told.text, told.blocks)
    except SlackCallFailed as exc:  # the DMs are queued all the same
        logger.warning("could not tell %s the outcome is on its way: %s", user_id, exc)
