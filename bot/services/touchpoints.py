"""Touchpoints from claim to close: what is due, what each DM needs to say, and how delivery and answers went."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.services import calendar
from bot.errors import TouchpointClosed
from storage import repositories as repo
from storage.models import Question, TouchpointKind, TouchpointStatus

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


def _outgoing(session: Session, ids: list[int]) -> list[Outgoing]:
    rows = repo.touchpoint_context(session, ids)
    current = repo.latest_answers_for(
        session, [(t.initiative_id, t.stakeholder_id) for t, _, _ in rows], (Question.IMPACT, Question.TRACKING)
    )
    return [
        Outgoing(
            touchpoint_id=t.id, kind=t.kind, team_id=t.team_id, initiative_id=i.id, initiative_name=i.name,
            business_goal=i.business_goal, description=i.description, opened_by=i.created_by,
            summary_channel_id=i.summary_channel_id, stakeholder_id=s.id, user_id=s.user_id,
            dm_channel_id=s.dm_channel_id, tz=s.tz, country=s.country, due_at=t.due_at,
            sent_channel_id=t.channel_id, message_ts=t.message_ts,
            current=current.get((t.initiative_id, t.stakeholder_id), {}),
        )
        for t, i, s in rows
    ]


def claim(session: Session, touchpoint_ids: Iterable[int], now: datetime) -> list[Outgoing]:
    """The given touchpoints that were pending, now claimed by the caller alone."""
    return _outgoing(session, repo.claim_touchpoints(session, touchpoint_ids, now))


def claim_due(session: Session, now: datetime, grace: timedelta, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """What is due now, claimed; check-ins and reviews that fell due before the grace period are marked missed."""
    repo.miss_stale_pending(session, now - grace)
    return _outgoing(session, repo.claim_due(session, now, recurring_since=now - grace, limit=limit))


def reclaim_stale(session: Session, now: datetime, lease: timedelta, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Touchpoints whose sender died between claiming and recording: to be checked in Slack, then sent or not."""
    return _outgoing(session, repo.claim_stale_sending(session, now, now - lease, limit))


def _calendar(session: Session, initiative_id: int, tz: str | None, country: str | None, default_tz: str):
    """The initiative's cadence, and the stakeholder's zone and holidays."""
    cadence = calendar.Cadence.of(repo.schedules_for(session, [initiative_id]).get(initiative_id))
    return cadence, calendar.zone(tz, default_tz), calendar.holidays_in(country)


def sent(session: Session, item: Outgoing, channel_id: str, ts: str, now: datetime, default_tz: str) -> None:
    repo.mark_touchpoint_sent(session, item.touchpoint_id, channel_id, ts, now)
    if item.dm_channel_id != channel_id:
        repo.set_stakeholder_dm(session, item.stakeholder_id, channel_id)
    # The next check-in or review can be planned now that this one is out.
    repo.unplan_pair(session, item.initiative_id, item.stakeholder_id)
    if item.kind != TouchpointKind.KICKOFF:
        cadence, tz, is_holiday = _calendar(session, item.initiative_id, item.tz, item.country, default_tz)
        remind_at, expires_at = calendar.follow_ups(cadence, tz, is_holiday, now)
        repo.set_follow_ups(session, item.touchpoint_id, remind_at, expires_at)


def failed(session: Session, item: Outgoing, error: str, *, user_unreachable: bool, now: datetime) -> None:
    repo.mark_touchpoint_failed(session, item.touchpoint_id, error)
    if user_unreachable:
        repo.deactivate_stakeholder(session, item.stakeholder_id, now)
    if item.kind != TouchpointKind.KICKOFF:  # this month's is lost, not the next: plan it (inactive people are skipped)
        repo.unplan_pair(session, item.initiative_id, item.stakeholder_id)


@dataclass(frozen=True)
class OpenTouchpoint:
    """A sent touchpoint as its stakeholder acts on it from the DM."""

    touchpoint_id: int
    kind: str
    initiative_name: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    stakeholder_id: int


def owned(session: Session, team_id: str, touchpoint_id: int, user_id: str, *, revisable_kickoff: bool = False):
    """The touchpoint, its initiative and stakeholder, if it is this person's and still open; else TouchpointClosed
    with a reason they can read. A check-in or review takes one answer while it is open; with revisable_kickoff,
    the kickoff stays open for revisions once answered."""
    rows = repo.touchpoint_context(session, [touchpoint_id])
    if not rows:
        raise TouchpointClosed("That touchpoint no longer exists.")
    touchpoint, initiative, stakeholder = rows[0]
    if touchpoint.team_id != team_id or stakeholder.user_id != user_id:
        raise TouchpointClosed("That touchpoint was sent to someone else, so I can't take answers to it from you.")
    open_statuses = {TouchpointStatus.SENT}
    if revisable_kickoff and touchpoint.kind == TouchpointKind.KICKOFF:
        open_statuses.add(TouchpointStatus.ANSWERED)
    if touchpoint.status not in open_statuses:
        state = {TouchpointStatus.ANSWERED: "already answered", TouchpointStatus.MISSED: "closed",
                 TouchpointStatus.SKIPPED: "skipped"}.get(touchpoint.status, "not open")
        raise TouchpointClosed(f"That {describe(touchpoint.kind)} is {state}, so it no longer takes answers.")
    if not initiative.active:
        raise TouchpointClosed(f"“{initiative.name}” has been closed, so it no longer takes answers.")
    return touchpoint, initiative, stakeholder


def _as_open(touchpoint, initiative, stakeholder) -> OpenTouchpoint:
    return OpenTouchpoint(touchpoint.id, touchpoint.kind, initiative.name, stakeholder.user_id, touchpoint.channel_id,
                          touchpoint.message_ts, stakeholder.id)


def describe(kind: str) -> str:
    return {TouchpointKind.KICKOFF: "first touchpoint", TouchpointKind.CHECKIN: "monthly check-in",
            TouchpointKind.REVIEW: "quarterly review"}.get(kind, "touchpoint")


def skip(session: Session, team_id: str, touchpoint_id: int, user_id: str) -> OpenTouchpoint:
    item = _as_open(*owned(session, team_id, touchpoint_id, user_id))
    if item.kind == TouchpointKind.KICKOFF:
        raise TouchpointClosed("The first two questions can't be skipped, but a few words are enough.")
    repo.close_touchpoint(session, item.touchpoint_id, TouchpointStatus.SKIPPED)
    return item


def snooze(session: Session, team_id: str, touchpoint_id: int, user_id: str, days: int, now: datetime,
           default_tz: str) -> tuple[OpenTouchpoint, datetime]:
    """Remind again after `days` (on the next working day from then, at the same local time); returns when."""
    touchpoint, initiative, stakeholder = owned(session, team_id, touchpoint_id, user_id)
    cadence, tz, is_holiday = _calendar(session, initiative.id, stakeholder.tz, stakeholder.country, default_tz)
    local = now.astimezone(tz)
    day = calendar.next_allowed(cadence, local.date() + timedelta(days=days), is_holiday)
    remind_at = calendar.at_local(day, cadence.send_time, tz)
    expires_at = max(touchpoint.expires_at or remind_at, calendar.at_local(
        calendar.add_working_days(cadence, day, 2, is_holiday), cadence.send_time, tz))
    repo.set_follow_ups(session, touchpoint_id, remind_at, expires_at)
    repo.clear_reminded(session, touchpoint_id)
    return _as_open(touchpoint, initiative, stakeholder), remind_at


def pause(session: Session, team_id: str, user_id: str, until: date, now: datetime) -> int:
    """Send nothing to this person up to and including `until`; touchpoints due meanwhile move to after it.
    Returns how many touchpoints were moved; raises TouchpointClosed if they are no stakeholder."""
    stakeholder = repo.stakeholder_by_user(session, team_id, user_id)
    if stakeholder is None:
        raise TouchpointClosed(f"<@{user_id}> is not a stakeholder of any initiative.")
    repo.pause_stakeholder(session, stakeholder.id, until, now)
    return repo.unplan(session, stakeholder_id=stakeholder.id)


def refresh_person(
    session: Session, team_id: str, user_id: str, *, display_name: str, tz: str | None, active: bool, now: datetime
) -> bool:
    """Keep a stakeholder's name, time zone and active flag in step with Slack; False if they are no stakeholder.
    A new time zone re-plans their touchpoints, so sends keep to their new local hours."""
    stakeholder = repo.stakeholder_by_user(session, team_id, user_id)
    if stakeholder is None:
        return False
    moved = stakeholder.tz != tz
    repo.refresh_stakeholder(session, team_id, user_id, display_name=display_name, tz=tz,
                             country=calendar.country_of(tz), active=active, now=now)
    if moved:
        repo.unplan(session, stakeholder_id=stakeholder.id)
    return True


def first_time_seen(session: Session, team_id: str, event_id: str, now: datetime,
                    remembered: timedelta = timedelta(days=1)) -> bool:
    """Whether this is the first delivery of an event. Slack retries within minutes, so a day of ids is plenty."""
    return repo.first_time_seen(session, team_id, event_id, now, forget_before=now - remembered)


def claim_reminders(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    return _outgoing(session, repo.claim_reminders(session, now, limit))


def expire(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Open touchpoints past their answer-by time, now missed: one more cycle of silence for their stakeholders."""
    missed = repo.expire_unanswered(session, now, limit)
    repo.note_missed(session, missed)
    return _outgoing(session, missed)


def next_reminder(session: Session, team_id: str) -> datetime | None:
    return repo.next_reminder(session, team_id)
