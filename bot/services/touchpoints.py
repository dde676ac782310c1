"""Touchpoints from claim to close: what is due, what each DM needs to say, how delivery went, reminders and expiry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot.services import calendar
from storage.models import MapMessageKind, Question, TouchpointKind, TouchpointStatus, saved_id
from storage.repositories import answers as answer_rows
from storage.repositories import events as event_rows
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows
from storage.repositories import standings as standing_rows
from storage.repositories import touchpoints as touchpoint_rows

CLAIM_BATCH = 250  # a crashed sender leaves at most this many to recover


@dataclass(frozen=True)
class Outgoing:
    """A claimed touchpoint with all that its DM says."""

    touchpoint_id: int
    kind: str
    team_id: str
    initiative_id: int
    initiative_name: str
    business_goal: str
    description: str
    opened_by: str
    summary_channel_id: str
    stakeholder_id: int
    user_id: str
    dm_channel_id: str | None
    tz: str | None = None
    country: str | None = None
    due_at: datetime | None = None
    sent_channel_id: str | None = None
    message_ts: str | None = None
    current: dict[str, str] = field(default_factory=dict)  # their latest impact and tracking answers
    paused_until: date | None = None
    expires_at: datetime | None = None
    status: str = TouchpointStatus.SENDING
    answered_at: datetime | None = None


def _outgoing(session: Session, ids: list[int]) -> list[Outgoing]:
    rows = touchpoint_rows.touchpoint_context(session, ids)
    current = answer_rows.latest_answers_for(
        session, [(t.initiative_id, t.stakeholder_id) for t, _, _ in rows], (Question.IMPACT, Question.TRACKING)
    )
    return [
        Outgoing(
            touchpoint_id=saved_id(t),
            kind=t.kind,
            team_id=t.team_id,
            initiative_id=saved_id(i),
            initiative_name=i.name,
            business_goal=i.business_goal,
            description=i.description,
            opened_by=i.created_by,
            summary_channel_id=i.summary_channel_id,
            stakeholder_id=saved_id(s),
            user_id=s.user_id,
            dm_channel_id=s.dm_channel_id,
            tz=s.tz,
            country=s.country,
            due_at=t.due_at,
            sent_channel_id=t.channel_id,
            message_ts=t.message_ts,
            current=current.get((t.initiative_id, t.stakeholder_id), {}),
            paused_until=s.paused_until,
            expires_at=t.expires_at,
            status=t.status,
            answered_at=t.answered_at,
        )
        for t, i, s in rows
    ]


def claim(session: Session, touchpoint_ids: Iterable[int], now: datetime, default_tz: str) -> list[Outgoing]:
    """The given touchpoints that were pending and are due, now claimed by the caller alone (a new initiative's
    kickoffs: those whose stakeholders are in working hours go out at once, the others wait for the pass)."""
    return _sendable(
        session, _outgoing(session, touchpoint_rows.claim_touchpoints(session, touchpoint_ids, now)), now, default_tz
    )


def claim_due(
    session: Session, now: datetime, grace: timedelta, default_tz: str, limit: int = CLAIM_BATCH
) -> tuple[list[Outgoing], int]:
    """What is due now, claimed, and how many rows the claim took (held ones included); check-ins and reviews that
    fell due before the grace period are marked missed."""
    planning_rows.miss_stale_pending(session, now - grace)
    claimed = _outgoing(session, touchpoint_rows.claim_due(session, now, recurring_since=now - grace, limit=limit))
    sendable = _sendable(session, claimed, now, default_tz)
    later = _outgoing(session, touchpoint_rows.claim_later_today(session, now, _rest_of_day(sendable, default_tz)))
    return sorted(sendable + _sendable(session, later, now, default_tz), key=lambda i: i.touchpoint_id), len(claimed)


def _rest_of_day(items: list[Outgoing], default_tz: str) -> dict[tuple[str, datetime], list[int]]:
    """For the check-ins and reviews going out now: (kind, the end of the local day they were due on) -> their
    stakeholders, whose other touchpoints of that kind due later that day go with them, in one DM. Only those going
    out: a person who is away has everything held, so nothing is pulled into a day of their pause."""
    days: dict[tuple[str, datetime], set[int]] = {}
    for item in items:
        if item.kind == TouchpointKind.KICKOFF or item.due_at is None:
            continue
        tz = calendar.zone(item.tz, default_tz)
        day_end = calendar.at_local(item.due_at.astimezone(tz).date() + timedelta(days=1), time(), tz)
        days.setdefault((item.kind, day_end), set()).add(item.stakeholder_id)
    return {key: sorted(ids) for key, ids in days.items()}


def _sendable(session: Session, items: list[Outgoing], now: datetime, default_tz: str) -> list[Outgoing]:
    """The claimed touchpoints that may go out now. The others go back to pending, due when they may: a first DM
    outside its stakeholder's working hours (a pass that ran late) at their next working hours; anything of a
    stakeholder who is away on the first allowed day after the pause (pauses are usually applied ahead, by `pause`;
    this holds any other). One whose schedule leaves no day open is recorded as failed, not retried forever."""
    checked = [
        i
        for i in items
        if i.kind == TouchpointKind.KICKOFF or calendar.is_paused(i.paused_until, calendar.zone(i.tz, default_tz), now)
    ]
    schedules = schedule_rows.schedules_for(session, {i.initiative_id for i in checked})
    held = {i.touchpoint_id for i in checked}
    sendable = [i for i in items if i.touchpoint_id not in held]  # the common case: a check-in or review, not away
    for item in checked:
        cadence = calendar.Cadence.of(schedules.get(item.initiative_id))
        tz, is_holiday = calendar.zone(item.tz, default_tz), calendar.holidays_in(item.country)
        try:
            when = calendar.first_ask(cadence, tz, is_holiday, now, item.paused_until)
        except ValueError as exc:
            touchpoint_rows.mark_touchpoint_failed(session, item.touchpoint_id, str(exc))
            continue
        if when <= now:
            sendable.append(item)
        else:
            touchpoint_rows.hold_touchpoint(session, item.touchpoint_id, when)
    return sorted(sendable, key=lambda i: i.touchpoint_id)


def release(session: Session, item: Outgoing) -> None:
    """A touchpoint whose sender died before Slack had it goes back to pending, to be sent by the send step with
    all its checks (the grace period, pauses, inactive initiatives, working hours)."""
    assert item.due_at is not None  # a claimed touchpoint was read from its row, where due_at is required
    touchpoint_rows.hold_touchpoint(session, item.touchpoint_id, item.due_at)


def _split_away(items: list[Outgoing], now: datetime, default_tz: str) -> tuple[list[Outgoing], list[Outgoing]]:
    away = [i for i in items if calendar.is_paused(i.paused_until, calendar.zone(i.tz, default_tz), now)]
    return [i for i in items if i not in away], away


def reclaim_stale(session: Session, now: datetime, lease: timedelta, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Touchpoints whose sender died between claiming and recording: to be checked in Slack, then sent or not."""
    return _outgoing(session, touchpoint_rows.claim_stale_sending(session, now, now - lease, limit))


def local_calendar(session: Session, initiative_id: int, tz: str | None, country: str | None, default_tz: str):
    """The initiative's cadence, and the stakeholder's zone and holidays."""
    cadence = calendar.Cadence.of(schedule_rows.schedules_for(session, [initiative_id]).get(initiative_id))
    return cadence, calendar.zone(tz, default_tz), calendar.holidays_in(country)


def still_to_send(session: Session, items: list[Outgoing]) -> list[Outgoing]:
    """The claimed touchpoints that may still go out, checked at the moment of sending: those whose initiative was
    closed, or whose stakeholder was removed or went inactive, since they were claimed are left out."""
    ids = touchpoint_rows.still_sending(session, [i.touchpoint_id for i in items])
    return [i for i in items if i.touchpoint_id in ids]


def sent(session: Session, item: Outgoing, channel_id: str, ts: str, now: datetime, default_tz: str) -> str:
    """Record a touchpoint's DM: "sent"; "closed" if the touchpoint was closed while Slack took it (the DM is then
    to be shown closed: its initiative closed, or its stakeholder was removed, after the check before posting);
    "taken" if another sender recorded it meanwhile (this DM is left as it is)."""
    # Every touchpoint, the first two questions included, gets one reminder and then closes: recorded with the send.
    cadence, tz, is_holiday = local_calendar(session, item.initiative_id, item.tz, item.country, default_tz)
    follow_ups = calendar.follow_ups(cadence, tz, is_holiday, now)
    outcome = touchpoint_rows.mark_touchpoint_sent(session, item.touchpoint_id, channel_id, ts, now, follow_ups)
    if outcome != "sent":
        return outcome
    if item.dm_channel_id != channel_id:
        stakeholder_rows.set_stakeholder_dm(session, item.stakeholder_id, channel_id)
    # The next check-in or review can be planned now that this one is out.
    planning_rows.unplan_pair(session, item.initiative_id, item.stakeholder_id)
    return outcome


def sent_bundle(
    session: Session, items: list[Outgoing], channel_id: str, ts: str, now: datetime, default_tz: str
) -> list[int]:
    """Record touchpoints that went out in one DM. They share its channel and ts (which is how the bundle is found
    again) and its earliest reminder time, so that the bundle gets one reminder for what is still open. Returns
    those closed while Slack took the DM, whose part of it is to be shown closed."""
    outcomes = {i.touchpoint_id: sent(session, i, channel_id, ts, now, default_tz) for i in items}
    closed = [touchpoint_id for touchpoint_id, outcome in outcomes.items() if outcome == "closed"]
    ids = [touchpoint_id for touchpoint_id, outcome in outcomes.items() if outcome == "sent"]
    if len(ids) > 1:
        follow_ups = {t.id: (t.remind_at, t.expires_at) for t, _, _ in touchpoint_rows.touchpoint_context(session, ids)}
        reminders = [remind_at for remind_at, _ in follow_ups.values() if remind_at is not None]
        for touchpoint_id in ids:
            remind_at, expires_at = follow_ups[touchpoint_id]
            if reminders and remind_at is not None:
                touchpoint_rows.set_follow_ups(session, touchpoint_id, min(reminders), expires_at)
    return closed


def bundle(session: Session, touchpoint_id: int) -> list[Outgoing]:
    """Every touchpoint in the DM this one went out in, as they stand now (a DM of one touchpoint: just it)."""
    return _outgoing(session, touchpoint_rows.bundle_of(session, touchpoint_id))


def failed(session: Session, item: Outgoing, error: str, *, user_unreachable: bool, now: datetime) -> None:
    touchpoint_rows.mark_touchpoint_failed(session, item.touchpoint_id, error)
    if user_unreachable:
        stakeholder_rows.deactivate_stakeholder(session, item.stakeholder_id, now)
    if item.kind != TouchpointKind.KICKOFF:  # this month's is lost, not the next: plan it (inactive people are skipped)
        planning_rows.unplan_pair(session, item.initiative_id, item.stakeholder_id)


def describe(kind: str) -> str:
    names: dict[str, str] = {
        TouchpointKind.KICKOFF: "first touchpoint",
        TouchpointKind.CHECKIN: "monthly check-in",
        TouchpointKind.REVIEW: "quarterly review",
        MapMessageKind.STATUS: "monthly status update (nothing to answer)",
    }
    return names.get(kind, "touchpoint")


def refresh_person(
    session: Session, team_id: str, user_id: str, *, display_name: str, tz: str | None, active: bool, now: datetime
) -> bool:
    """Keep a stakeholder's name, time zone and active flag in step with Slack; False if they are no stakeholder.
    A new time zone re-plans their touchpoints, so sends keep to their new local hours."""
    stakeholder = stakeholder_rows.stakeholder_by_user(session, team_id, user_id)
    if stakeholder is None:
        return False
    moved = stakeholder.tz != tz
    stakeholder_rows.refresh_stakeholder(
        session,
        team_id,
        user_id,
        display_name=display_name,
        tz=tz,
        country=calendar.country_of(tz),
        active=active,
        now=now,
    )
    if moved:
        planning_rows.unplan(session, stakeholder_ids=[saved_id(stakeholder)])
    return True


def first_time_seen(
    session: Session, team_id: str, event_id: str, now: datetime, remembered: timedelta = timedelta(days=1)
) -> bool:
    """Whether this is the first delivery of an event. Slack retries within minutes, so a day of ids is plenty."""
    return event_rows.first_time_seen(session, team_id, event_id, now, forget_before=now - remembered)


def claim_reminders(session: Session, now: datetime, default_tz: str, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Reminders due now, claimed; one whose stakeholder is away is moved to after the pause instead."""
    sendable, away = _split_away(
        _outgoing(session, touchpoint_rows.claim_reminders(session, now, limit)), now, default_tz
    )
    for item in away:
        assert item.paused_until is not None  # _split_away keeps only those who are paused
        cadence, tz, is_holiday = local_calendar(session, item.initiative_id, item.tz, item.country, default_tz)
        resume = calendar.resume_day(cadence, item.paused_until, is_holiday)
        touchpoint_rows.set_follow_ups(
            session, item.touchpoint_id, *calendar.moved_follow_ups(cadence, tz, is_holiday, resume, item.expires_at)
        )
        touchpoint_rows.clear_reminded(session, item.touchpoint_id)
    return sendable


def expire(session: Session, now: datetime, grace: timedelta, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Open touchpoints past their answer-by time, now missed: one more cycle of silence for their stakeholders.
    Check-ins and reviews never sent that fell due before the grace period are missed too (nobody's silence)."""
    planning_rows.miss_stale_pending(session, now - grace)
    missed = touchpoint_rows.expire_unanswered(session, now, limit)
    standing_rows.note_missed(session, missed)
    return _outgoing(session, missed)


def close_corrections(session: Session, now: datetime, grace: timedelta, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Answered check-ins and reviews that stopped taking corrections (their natural close) within the grace period,
    whose own DM (not a bundle's, which shows answers without the button) is to lose its "Change my answer"."""
    closed = _outgoing(session, touchpoint_rows.close_corrections(session, now, now - grace, limit))
    return [item for item in closed if touchpoint_rows.bundle_of(session, item.touchpoint_id) == [item.touchpoint_id]]


def next_reminder(session: Session, team_id: str) -> datetime | None:
    return touchpoint_rows.next_reminder(session, team_id)
