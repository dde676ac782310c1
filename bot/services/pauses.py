"""Pauses: nothing of Touchpoint reaches a person who is away, through the last day of their pause."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.errors import TouchpointClosed
from bot.services import calendar
from storage.models import Stakeholder, TouchpointStatus, saved_id
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows
from storage.repositories import touchpoints as touchpoint_rows


def pause(session: Session, team_id: str, user_id: str, until: date, now: datetime, default_tz: str) -> int:
    """Send nothing to this person up to and including `until` (their local date); returns how many touchpoints
    were moved; raises TouchpointClosed if they are no stakeholder."""
    stakeholder = stakeholder_rows.stakeholder_by_user(session, team_id, user_id)
    if stakeholder is None:
        raise TouchpointClosed("That person is not a stakeholder of any initiative, so there is nothing to pause.")
    stakeholder_id = saved_id(stakeholder)
    stakeholder_rows.pause_stakeholder(session, stakeholder_id, until, now)
    return planning_rows.unplan(session, stakeholder_ids=[stakeholder_id]) + _hold_through(
        session, [stakeholder], until, default_tz
    )


def _within(moment: datetime | None, tz, until: date) -> bool:
    return moment is not None and moment.astimezone(tz).date() <= until


def pause_many(
    session: Session, team_id: str, user_ids: list[str], until: date, now: datetime, default_tz: str
) -> None:
    """The same pause for several people at once (an import's "Paused until" column)."""
    stakeholder_rows.pause_users(session, team_id, user_ids, until, now)
    stakeholders = stakeholder_rows.stakeholders_by_users(session, team_id, user_ids)
    planning_rows.unplan(session, stakeholder_ids=[saved_id(s) for s in stakeholders])
    _hold_through(session, stakeholders, until, default_tz)


def _hold_through(session: Session, stakeholders: list[Stakeholder], until: date, default_tz: str) -> int:
    """What would reach these people during their pause moves to the first allowed day after it: a first DM still
    to send is sent then; an open touchpoint's reminder comes then, and it stays open two working days after it.
    (Check-ins and reviews still to send were dropped by unplan and are planned afresh, after the pause.)"""
    by_id = {saved_id(s): s for s in stakeholders}
    open_ones = touchpoint_rows.open_touchpoints_of(session, by_id)
    schedules = schedule_rows.schedules_for(session, {t.initiative_id for t in open_ones})
    moved = 0
    for touchpoint in open_ones:
        stakeholder = by_id[touchpoint.stakeholder_id]
        cadence = calendar.Cadence.of(schedules.get(touchpoint.initiative_id))
        tz, is_holiday = calendar.zone(stakeholder.tz, default_tz), calendar.holidays_in(stakeholder.country)
        resume = calendar.resume_day(cadence, until, is_holiday)
        if touchpoint.status == TouchpointStatus.PENDING:
            if touchpoint.due_at.astimezone(tz).date() <= until:
                touchpoint_rows.hold_touchpoint(
                    session, saved_id(touchpoint), calendar.at_local(resume, cadence.send_time, tz)
                )
                moved += 1
        elif touchpoint.reminded_at is None and _within(touchpoint.remind_at, tz, until):
            # Its reminder comes after the pause, and it stays open a little after that.
            remind_at, expires_at = calendar.moved_follow_ups(cadence, tz, is_holiday, resume, touchpoint.expires_at)
            touchpoint_rows.set_follow_ups(session, saved_id(touchpoint), remind_at, expires_at)
            moved += 1
        elif _within(touchpoint.expires_at, tz, until):  # already reminded: it only stays open past the pause
            _, expires_at = calendar.moved_follow_ups(cadence, tz, is_holiday, resume, touchpoint.expires_at)
            touchpoint_rows.set_follow_ups(session, saved_id(touchpoint), touchpoint.remind_at, expires_at)
            moved += 1
    return moved
