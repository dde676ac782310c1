"""An initiative's cadence as the L&D team sets it with `/touchpoint schedule`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services import business_calendar, calendar
from bot.services.business_calendar import BusyWarning
from bot.services.calendar import parse_ranges
from bot.services.calibration import months_errors
from bot.services.initiatives import InitiativeInfo, by_name
from storage.models import Initiative, Schedule
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows


@dataclass(frozen=True)
class ScheduleForm:
    checkins: bool
    reviews: bool
    day_rule: str
    nth: str
    weekday: str
    send_time: str
    fiscal_year_start: str
    working_days: tuple[str, ...]
    quiet_last_days: str
    quiet_ranges: str
    reminder_after: str
    missed_after: str
    calibration_first: str = "6"
    calibration_second: str = "12"


@dataclass(frozen=True)
class ScheduleSettings:
    """An initiative's schedule as the schedule modal shows it."""

    checkins: bool
    reviews: bool
    day_rule: str
    nth: int
    weekday: int
    send_time: str
    fiscal_year_start: int
    working_days: str
    quiet_last_days: int
    quiet_ranges: str
    reminder_after: int
    missed_after: int
    # The business calendar: busy weeks still to come that its stakeholders named (a warning in the modal)
    busy_weeks: tuple[BusyWarning, ...] = ()
    calibration_first: int = 6
    calibration_second: int = 12

    @classmethod
    def of(cls, row: Schedule) -> ScheduleSettings:
        return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls) if f.name != "busy_weeks"})


def find(session: Session, team_id: str, name: str, now: datetime) -> tuple[InitiativeInfo, ScheduleSettings]:
    """The initiative called `name` and its schedule (the defaults if never set), with the busy weeks still to come
    that its stakeholders named."""
    initiative = by_name(session, team_id, name)
    schedule = schedule_rows.schedules_for(session, [initiative.id]).get(initiative.id)
    settings = ScheduleSettings.of(schedule or Schedule(team_id=team_id, initiative_id=initiative.id))
    busy = business_calendar.warnings(session, stakeholder_rows.stakeholders_of(session, initiative.id), now)
    return initiative, dataclasses.replace(settings, busy_weeks=tuple(busy))


def _int(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"-?\d+", text) and low <= int(text) <= high else None


def parse(form: ScheduleForm, team_id: str, initiative_id: int, now: datetime) -> Schedule:
    """The form as a schedule, or FormInvalid with a message under each field that needs fixing."""
    errors: dict[str, str] = {}
    if form.day_rule not in ("weekday", "working_day"):
        errors[Block.DAY_RULE] = "Choose which kind of day."
    nth = _int(form.nth, -1, 10)
    if nth is None or nth == 0:
        errors[Block.NTH] = "Choose which one."
    weekday = _int(form.weekday, 0, 6)
    if weekday is None and form.day_rule == "weekday":
        errors[Block.WEEKDAY] = "Choose a weekday."
    if not calendar.TIME_OF_DAY.match(form.send_time or ""):
        errors[Block.SEND_TIME] = "Choose a time, such as 10:00."
    fiscal = _int(form.fiscal_year_start, 1, 12)
    if fiscal is None:
        errors[Block.FISCAL_START] = "Choose the month your financial year starts."
    working = sorted({d for d in (_int(w, 0, 6) for w in form.working_days) if d is not None})
    if not working:
        errors[Block.WORKING_DAYS] = "Choose at least one working day."
    quiet = _int(form.quiet_last_days or "0", 0, 45)
    if quiet is None:
        errors[Block.QUIET_LAST_DAYS] = "A number of days from 0 to 45."
    try:
        parse_ranges(form.quiet_ranges or "")
    except ValueError as exc:
        errors[Block.QUIET_RANGES] = str(exc)
    reminder = _int(form.reminder_after, 1, 30)
    if reminder is None:
        errors[Block.REMINDER_AFTER] = "A number of working days from 1 to 30."
    missed = _int(form.missed_after, 1, 60)
    if missed is None:
        errors[Block.MISSED_AFTER] = "A number of working days from 1 to 60."
    elif reminder is not None and missed <= reminder:
        errors[Block.MISSED_AFTER] = "Give people longer than the reminder before a touchpoint counts as missed."
    calibration_errors, calibration_first, calibration_second = months_errors(
        form.calibration_first, form.calibration_second
    )
    errors |= calibration_errors
    if errors:
        raise FormInvalid(errors)
    # Each of these that did not parse put its message in errors, raised above.
    assert nth is not None and fiscal is not None and quiet is not None
    assert reminder is not None and missed is not None
    assert calibration_first is not None and calibration_second is not None
    schedule = Schedule(
        team_id=team_id,
        initiative_id=initiative_id,
        checkins=form.checkins,
        reviews=form.reviews,
        day_rule=form.day_rule,
        nth=nth,
        weekday=weekday if weekday is not None else 1,
        send_time=form.send_time,
        fiscal_year_start=fiscal,
        working_days=",".join(str(d) for d in working),
        quiet_last_days=quiet,
        quiet_ranges=(form.quiet_ranges or "").strip(),
        reminder_after=reminder,
        missed_after=missed,
        calibration_first=calibration_first,
        calibration_second=calibration_second,
        updated_at=now,
    )
    try:  # a touchpoint is moved off closed days, never dropped: some day must stay open
        calendar.next_allowed(calendar.Cadence.of(schedule), now.date(), lambda day: False)
    except ValueError:
        raise FormInvalid(
            {
                Block.QUIET_RANGES: "With these quiet periods and working days no day in the next year is "
                "open for touchpoints. Shorten the quiet periods."
            }
        ) from None
    return schedule


def save(session: Session, team_id: str, initiative_id: int, form: ScheduleForm, now: datetime) -> str:
    """Store the cadence and re-plan the initiative's coming touchpoints by it; returns the initiative's name."""
    initiative = session.get(Initiative, initiative_id)
    if initiative is None or initiative.team_id != team_id:
        raise UserError("That initiative no longer exists.")
    schedule_rows.save_schedule(session, parse(form, team_id, initiative_id, now))
    planning_rows.unplan(session, initiative_id=initiative_id)
    return initiative.name
