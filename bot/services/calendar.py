"""When touchpoints fall: pure functions of an initiative's cadence, a stakeholder's time zone and country, and dates.

Every instant is computed as a local date and time in the stakeholder's IANA zone and only then turned into UTC, so
sends keep their local hour across daylight-saving changes.
"""

from __future__ import annotations

import calendar as cal
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.errors import UserError
from storage.models import Schedule, TouchpointKind

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")  # HH:MM, as Slack's time picker gives it

FIRST_TOUCHPOINT_GAP = timedelta(days=14)  # no check-in or review this soon after the kickoff
WORKING_HOURS = (time(9, 0), time(17, 0))  # a first DM sent at once only inside these local hours
MONTHS_AHEAD = 24  # how far the planner looks before concluding a cadence never fires

IsHoliday = Callable[[date], bool]


@dataclass(frozen=True)
class Cadence:
    checkins: bool = True
    reviews: bool = True
    day_rule: str = "weekday"
    nth: int = 2
    weekday: int = 1
    send_time: time = time(10, 0)
    fiscal_year_start: int = 1
    working_days: frozenset[int] = frozenset(range(5))
    quiet_last_days: int = 0
    quiet_ranges: tuple[tuple[date, date], ...] = field(default_factory=tuple)
    reminder_after: int = 3
    missed_after: int = 10

    @classmethod
    def of(cls, schedule: Schedule | None) -> Cadence:
        if schedule is None:
            return cls()
        hour, minute = (int(x) for x in schedule.send_time.split(":"))
        return cls(
            checkins=schedule.checkins,
            reviews=schedule.reviews,
            day_rule=schedule.day_rule,
            nth=schedule.nth,
            weekday=schedule.weekday,
            send_time=time(hour, minute),
            fiscal_year_start=schedule.fiscal_year_start,
            working_days=frozenset(int(d) for d in schedule.working_days.split(",") if d.strip()),
            quiet_last_days=schedule.quiet_last_days,
            quiet_ranges=parse_ranges(schedule.quiet_ranges),
            reminder_after=schedule.reminder_after,
            missed_after=schedule.missed_after,
        )

    @property
    def review_months(self) -> frozenset[int]:
        return frozenset((self.fiscal_year_start - 1 + 3 * k) % 12 + 1 for k in range(4))

    def kind_for(self, month: int) -> TouchpointKind | None:
        """A review takes the place of the check-in in review months."""
        if self.reviews and month in self.review_months:
            return TouchpointKind.REVIEW
        return TouchpointKind.CHECKIN if self.checkins else None


_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to|–|-\s)\s*(\d{4}-\d{2}-\d{2})\s*$")


def parse_ranges(text: str) -> tuple[tuple[date, date], ...]:
    """ "2026-12-21..2027-01-02" lines; raises ValueError naming a line that is not one."""
    ranges = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _RANGE.match(line)
        if not match:
            raise ValueError(f"“{line.strip()}” is not a range like 2026-12-21..2027-01-02")
        start, end = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        if end < start:
            raise ValueError(f"“{line.strip()}” ends before it starts")
        ranges.append((start, end))
    return tuple(ranges)


def parse_day(text: str, now: datetime) -> date:
    """A YYYY-MM-DD date from today to a year ahead, or a UserError saying what is wrong with it."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"“{text}” is not a date like 2027-01-15.") from None
    if day < (now - timedelta(hours=12)).date():  # today somewhere still: a person far west of UTC may mean theirs
        raise UserError(f"{day.day} {day:%B %Y} has already passed.")
    if day > now.date() + timedelta(days=366):
        raise UserError("Pauses can be up to a year long.")
    return day


# Countries and holidays


# Zones named for an offset, not a place: newer tz databases make them links to one city (CET to Brussels, EST to
# Panama), whose holidays they must not take.
_NOT_PLACES = frozenset({"CET", "MET", "WET", "EET", "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"})


def _tz_folders(system: Sequence[str]) -> list[Path]:
    """Where the tz database's tables are: the system's folders, then the `tzdata` package's copy (Alpine, Windows
    and slim containers have no system one)."""
    return [*(Path(folder) for folder in system), Path(str(resources.files("tzdata").joinpath("zoneinfo")))]


def zone_countries(system: Sequence[str] = TZPATH) -> dict[str, str]:
    """IANA zone -> ISO country code, from zone.tab, legacy names included (`US/Eastern`, `Asia/Calcutta`): a name that
    is a link to a zone of a country, in tzdata.zi, takes that country."""
    folders = _tz_folders(system)
    tab = next((folder / "zone.tab" for folder in folders if (folder / "zone.tab").is_file()), None)
    if tab is None:
        return {}
    rows = (line.split("\t") for line in tab.read_text().splitlines() if line and not line.startswith("#"))
    countries = {row[2]: row[0] for row in rows if len(row) >= 3}
    links: dict[str, str] = {}
    for folder in folders:
        if (folder / "tzdata.zi").is_file():
            for line in (folder / "tzdata.zi").read_text().splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[0] == "L":
                    links[parts[2]] = parts[1]
            break
    for name, target in links.items():
        for _ in range(len(links)):  # a link to a link: follow it, never forever
            if target in countries or target not in links:
                break
            target = links[target]
        if name not in countries and name not in _NOT_PLACES and target in countries:
            countries[name] = countries[target]
    return countries


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    return zone_countries()


def country_of(tz: str | None) -> str | None:
    return _zone_countries().get(tz or "")


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:  # a country the holidays package does not know
        return frozenset()


def holidays_in(country: str | None) -> IsHoliday:
    if not country:
        return lambda day: False
    return lambda day: day in _holidays(country, day.year)


def zone(tz: str | None, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


# Days


def is_quiet(cadence: Cadence, day: date) -> bool:
    if any(start <= day <= end for start, end in cadence.quiet_ranges):
        return True
    if cadence.quiet_last_days:
        return quarter_end(cadence, day) - day < timedelta(days=cadence.quiet_last_days)
    return False


def quarter_end(cadence: Cadence, day: date) -> date:
    """The last day of the (fiscal) quarter holding day."""
    offset = (day.month - cadence.fiscal_year_start) % 3
    last_month_index = day.month - 1 + (2 - offset)
    year, month = day.year + last_month_index // 12, last_month_index % 12 + 1
    return date(year, month, cal.monthrange(year, month)[1])


def is_working_day(cadence: Cadence, day: date, is_holiday: IsHoliday) -> bool:
    return day.weekday() in cadence.working_days and not is_holiday(day)


def allowed(cadence: Cadence, day: date, is_holiday: IsHoliday) -> bool:
    return is_working_day(cadence, day, is_holiday) and not is_quiet(cadence, day)


def next_allowed(cadence: Cadence, day: date, is_holiday: IsHoliday) -> date:
    """day itself if a touchpoint may land on it, else the next day that may: never dropped."""
    for _ in range(400):
        if allowed(cadence, day, is_holiday):
            return day
        day += timedelta(days=1)
    raise ValueError("no day in the next year is open for touchpoints: check working days and quiet periods")


def base_day(cadence: Cadence, year: int, month: int, is_holiday: IsHoliday) -> date:
    """The day the rule names in that month, before moving off non-working, holiday and quiet days."""
    days_in_month = cal.monthrange(year, month)[1]
    if cadence.day_rule == "working_day":
        working = [
            d
            for d in (date(year, month, n) for n in range(1, days_in_month + 1))
            if is_working_day(cadence, d, is_holiday)
        ]
        if not working:
            return date(year, month, days_in_month)
        return working[min(cadence.nth, len(working)) - 1] if cadence.nth > 0 else working[-1]
    matching = [
        d for d in (date(year, month, n) for n in range(1, days_in_month + 1)) if d.weekday() == cadence.weekday
    ]
    return matching[-1] if cadence.nth < 0 or cadence.nth > len(matching) else matching[cadence.nth - 1]


def at_local(day: date, when: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, when, tzinfo=tz).astimezone(UTC)


def add_working_days(cadence: Cadence, day: date, count: int, is_holiday: IsHoliday) -> date:
    added = 0
    while added < count:
        day += timedelta(days=1)
        if is_working_day(cadence, day, is_holiday):
            added += 1
    return day


# Planning


@dataclass(frozen=True)
class Planned:
    kind: TouchpointKind
    period: str  # YYYY-MM: the month whose touchpoint this is, even when moved into the next month
    due_at: datetime


def plan_next(
    cadence: Cadence,
    tz: ZoneInfo,
    is_holiday: IsHoliday,
    *,
    now: datetime,
    first_asked: datetime,
    after_period: str | None,
    paused_until: date | None,
    since: datetime | None = None,
) -> Planned | None:
    """The stakeholder's next check-in or review after after_period that is due after `since` (default: now), or
    None. A `since` before now lets a pass that runs late (a cron every few hours, a clock that was down) plan, and
    then send, what fell due since then instead of skipping a month."""
    since = now if since is None else since
    local_now = now.astimezone(tz)
    year, month = local_now.year, local_now.month
    if after_period:
        last_year, last_month = (int(x) for x in after_period.split("-"))
        if (last_year, last_month) >= (year, month):
            year, month = (last_year, last_month + 1) if last_month < 12 else (last_year + 1, 1)
    earliest = first_asked + FIRST_TOUCHPOINT_GAP
    for _ in range(MONTHS_AHEAD):
        kind = cadence.kind_for(month)
        if kind is not None:
            day = next_allowed(cadence, base_day(cadence, year, month, is_holiday), is_holiday)
            if paused_until and day <= paused_until:
                day = next_allowed(cadence, paused_until + timedelta(days=1), is_holiday)
            due = at_local(day, cadence.send_time, tz)
            if due > since and due >= earliest:
                return Planned(kind, f"{year:04d}-{month:02d}", due)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return None


def follow_ups(cadence: Cadence, tz: ZoneInfo, is_holiday: IsHoliday, sent_at: datetime) -> tuple[datetime, datetime]:
    """When an unanswered touchpoint gets its reminder, and when it counts as missed."""
    local = sent_at.astimezone(tz)
    remind = add_working_days(cadence, local.date(), cadence.reminder_after, is_holiday)
    missed = add_working_days(cadence, local.date(), cadence.missed_after, is_holiday)
    return at_local(remind, local.timetz().replace(tzinfo=None), tz), at_local(
        missed, local.timetz().replace(tzinfo=None), tz
    )


def resume_day(cadence: Cadence, paused_until: date, is_holiday: IsHoliday) -> date:
    """The first day a touchpoint may land on after a pause that lasts through paused_until."""
    return next_allowed(cadence, paused_until + timedelta(days=1), is_holiday)


def is_paused(paused_until: date | None, tz: ZoneInfo, now: datetime) -> bool:
    """A pause lasts through its last day in the person's own time zone."""
    return paused_until is not None and now.astimezone(tz).date() <= paused_until


def first_ask(
    cadence: Cadence, tz: ZoneInfo, is_holiday: IsHoliday, now: datetime, paused_until: date | None
) -> datetime:
    """When a stakeholder gets the first two questions: now, if it is working hours on a working day in their zone
    (not a holiday, not a quiet period, not paused); otherwise the next allowed day at the schedule's send time."""
    local = now.astimezone(tz)
    if paused_until is not None and is_paused(paused_until, tz, now):
        return at_local(resume_day(cadence, paused_until, is_holiday), cadence.send_time, tz)
    start, end = WORKING_HOURS
    if allowed(cadence, local.date(), is_holiday) and start <= local.time() < end:
        return now
    day = next_allowed(cadence, local.date(), is_holiday)
    if at_local(day, cadence.send_time, tz) <= now:
        day = next_allowed(cadence, day + timedelta(days=1), is_holiday)
    return at_local(day, cadence.send_time, tz)


def moved_follow_ups(
    cadence: Cadence, tz: ZoneInfo, is_holiday: IsHoliday, day: date, expires_at: datetime | None
) -> tuple[datetime, datetime]:
    """An open touchpoint's reminder moved to `day` (snoozed, or held through a pause), and an answer-by time that
    leaves two working days after it."""
    day = next_allowed(cadence, day, is_holiday)
    remind_at = at_local(day, cadence.send_time, tz)
    closes = at_local(add_working_days(cadence, day, 2, is_holiday), cadence.send_time, tz)
    return remind_at, max(expires_at or closes, closes)
