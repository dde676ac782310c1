"""A plan the stakeholders sign off: the L&D member's form and its save (a version; sign-off DMs queued in the same
transaction), the scheduling pass sending those DMs exactly once (recovered by their metadata) and their reminders,
and the stakeholder's answers, each updating their DM."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from slack_sdk.models.views import View

from bot.blocks import plans as blocks
from bot.blocks.notices import notice_view
from bot.ids import Block, MessageEvent
from bot.runtime import Deps
from bot.services import plans, signoff_dms
from bot.services.plans import PlanForm, Saved
from bot.services.signoff_dms import SignoffDm
from bot.slack.errors import SlackCallFailed
from bot.usecases import notices
from bot.usecases.outbound import DmOutbox, Outbound, drain, recover_stale, send_dms
from storage.models import SignoffAnswer

logger = logging.getLogger(__name__)


def form(deps: Deps, team_id: str, initiative_id: int | None) -> PlanForm:
    with deps.db.reading() as session:
        return plans.form(session, team_id, initiative_id, deps.clock())


def form_by_name(deps: Deps, team_id: str, name: str) -> PlanForm:
    with deps.db.reading() as session:
        return plans.form_by_name(session, team_id, name, deps.clock())


def save(
    deps: Deps, team_id: str, user_id: str, initiative_id: int | None, values: Mapping[str, str], ask: bool
) -> Saved:
    """The plan saved (a new version if anything changed) and its sign-off DMs queued, in one transaction; the
    scheduling pass sends them (FormInvalid with every problem before anything is stored)."""
    with deps.db.session() as session:
        saved = plans.save(
            session, team_id, user_id, initiative_id, values, ask, deps.clock(), deps.settings.touchpoint_tz
        )
    deps.home.after_activity(team_id, [])
    return saved


# The scheduling pass


def _metadata(dm: SignoffDm) -> dict:
    return {"event_type": MessageEvent.PLAN_SIGNOFF, "event_payload": {"signoff": dm.signoff_id}}


def send(out: Outbound, items: list[SignoffDm], *, recovering: bool = False) -> int:
    """DM each claimed sign-off; returns how many went out (see outbound.send_dms: a passing failure is tried again
    by the pass, one that needs a person tells the L&D member who asked)."""
    return send_dms(out, _outbox(out), items, recovering=recovering)


def _outbox(out: Outbound) -> DmOutbox[SignoffDm]:
    return DmOutbox(
        "plan sign-off",
        key=lambda dm: dm.signoff_id,
        attempts=lambda dm: dm.attempts,
        post=lambda dm: (dm.dm_channel_id, dm.user_id, blocks.signoff_message(dm), _metadata(dm)),
        since=lambda dm: dm.created_at,
        sent=lambda session, dm, channel_id, ts: signoff_dms.posted(
            session, dm, channel_id, ts, out.clock(), out.default_tz
        ),
        failed=signoff_dms.failed,
        report=lambda dm, why: notices.tell(out, dm.asked_by, blocks.not_sent(dm, why)),
    )


def send_due(out: Outbound) -> int:
    """The pass's step: sign-off DMs due (at a sensible hour of each stakeholder's day)."""
    return drain(
        out,
        lambda session: signoff_dms.claim(session, out.clock(), out.default_tz),
        lambda v: send(out, v),
        signoff_dms.BATCH,
    )


def recover(out: Outbound, lease: timedelta) -> int:
    """Sign-off DMs whose sender stopped part-way, or met a passing failure (their lease passed)."""
    return recover_stale(
        out,
        lambda session: signoff_dms.reclaim_stale(session, out.clock(), lease, out.default_tz),
        lambda items: send(out, items, recovering=True),
        "plan sign-off DMs",
    )


def remind_due(out: Outbound) -> int:
    """One reminder, in the DM's thread, to each who must sign and has not answered by their reminder time."""
    with out.db.session() as session:
        items = signoff_dms.claim_reminders(session, out.clock())
    done = 0
    for dm in items:
        message = blocks.reminder_message(dm)
        try:
            out.slack.post_with_channel(
                dm.channel_id or dm.user_id, message.text, message.blocks, thread_ts=dm.message_ts
            )
            done += 1
        except SlackCallFailed as exc:  # a reminder is a courtesy: not tried again
            logger.warning("plan sign-off %s reminder not sent: %s", dm.signoff_id, exc)
    return done


# The stakeholder's answers


def matches(
    deps: Deps, team_id: str, signoff_id: int | None, user_id: str, clicked: tuple[str | None, str | None]
) -> None:
    """ "This matches our plan", then their DM updated."""
    with deps.db.session() as session:
        dm = signoff_dms.answer(
            session, team_id, signoff_id, user_id, SignoffAnswer.MATCHES, "", deps.clock(), Block.PLAN_COMMENT
        )
    show(deps, dm, clicked)


def answer_form(deps: Deps, team_id: str, signoff_id: int | None, user_id: str) -> SignoffDm:
    with deps.db.reading() as session:
        return signoff_dms.dm_of(session, team_id, signoff_id, user_id)


def something_off(
    deps: Deps,
    team_id: str,
    signoff_id: int | None,
    user_id: str,
    comment: str,
    *,
    acknowledge: Callable[[View], object],
) -> None:
    """ "Something's off" with its comment (FormInvalid without one, before `acknowledge`), then their DM updated."""
    with deps.db.session() as session:
        dm = signoff_dms.answer(
            session, team_id, signoff_id, user_id, SignoffAnswer.OFF, comment, deps.clock(), Block.PLAN_COMMENT
        )
    acknowledge(notice_view(blocks.answered_notice(dm)))
    deps.background.submit(show, deps, dm, (None, None))


def commit(
    deps: Deps, team_id: str, signoff_id: int | None, user_id: str, text: str, *, acknowledge: Callable[[View], object]
) -> None:
    """ "What I will do to help", recorded (FormInvalid when empty, before `acknowledge`), then their DM updated."""
    with deps.db.session() as session:
        dm = signoff_dms.commit(session, team_id, signoff_id, user_id, text, deps.clock(), Block.PLAN_COMMITMENT)
    acknowledge(notice_view(blocks.answered_notice(dm)))
    deps.background.submit(show, deps, dm, (None, None))


def show(deps: Deps, dm: SignoffDm, clicked: tuple[str | None, str | None]) -> None:
    """Update their DM to show what they said (the one clicked, if the send was not recorded yet). What was
    recorded stands if Slack refuses (logged)."""
    channel_id, ts = (dm.channel_id, dm.message_ts) if dm.message_ts else clicked
    if channel_id and ts:
        message = blocks.signoff_message(dm)
        try:
            deps.slack.update(channel_id, ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("plan sign-off %s not updated: %s", dm.signoff_id, exc)
    deps.home.after_activity(dm.team_id, [dm.user_id])
