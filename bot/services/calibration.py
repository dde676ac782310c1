"""Calibration packs: twice a year per initiative, at the start of two months of the financial year (the 6th and the
12th unless the schedule says otherwise: before each half ends), the initiative's owner gets a calibration pack (each
stakeholder's impact statement and how it changed, the measures against their baseline, target and line, the
half-year's shifts and their outcomes, what stakeholders said should be adjusted). This module owns when the dates
fall, the packs queued, what each says and its delivery, and where calibration shows (the L&D Home, the digest's
attention items). The session the owner records after it, and its outcome to each stakeholder, are
bot.services.calibration_sessions'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.ids import Block
from bot.services import calendar
from bot.services.calibration_sessions import ATTEMPTS_MAX, BATCH, SessionRecord, last_session
from bot.services.measures import Behind, MeasureRow, behind, rows_of
from storage.models import (
    CalibrationPack,
    CalibrationSession,
    Initiative,
    PostStatus,
    Schedule,
    saved_id,
)
from storage.repositories import calibration as rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows

# A pack that fell due while nothing ran (the clock down for weeks) still goes out this long after its date, once;
# after that the session it was for has come and gone, and the next date's pack is the one to send.
PACK_GRACE = timedelta(days=30)
UNRECORDED_AFTER = timedelta(days=14)  # a pack sent this long ago with no session recorded is an attention item


# When


def calendar_month(fiscal_year_start: int, fiscal_month: int) -> int:
    """The calendar month that is the `fiscal_month`th (1-12) of a financial year starting in `fiscal_year_start`."""
    return (fiscal_year_start - 1 + fiscal_month - 1) % 12 + 1


@dataclass(frozen=True)
class Due:
    day: date  # the calibration date, in the team's zone
    at: datetime  # the pack's send time, UTC


def _first_working_day(cadence: calendar.Cadence, year: int, month: int) -> date:
    day = date(year, month, 1)
    for _ in range(7):
        if calendar.is_working_day(cadence, day, lambda _d: False):
            return day
        day += timedelta(days=1)
    return date(year, month, 1)


def dates_around(schedule: Schedule | None, tz: ZoneInfo, moment: datetime) -> list[Due]:
    """The calibration dates of the calendar years around `moment`, in order: the first working day of each
    calibration month, at the schedule's send time in `tz`."""
    cadence = calendar.Cadence.of(schedule)
    first, second = (schedule.calibration_first, schedule.calibration_second) if schedule is not None else (6, 12)
    fiscal = cadence.fiscal_year_start
    months = sorted({calendar_month(fiscal, first), calendar_month(fiscal, second)})
    local_year = moment.astimezone(tz).year
    found = []
    for year in range(local_year - 1, local_year + 2):
        for month in months:
            day = _first_working_day(cadence, year, month)
            found.append(Due(day, calendar.at_local(day, cadence.send_time, tz)))
    return found


def last_due(schedule: Schedule | None, tz: ZoneInfo, now: datetime) -> Due | None:
    past = [d for d in dates_around(schedule, tz, now) if d.at <= now]
    return past[-1] if past else None


def next_due(schedule: Schedule | None, tz: ZoneInfo, now: datetime) -> Due:
    return next(d for d in dates_around(schedule, tz, now) if d.at > now)


def previous_due(schedule: Schedule | None, tz: ZoneInfo, due: Due) -> Due:
    """The calibration date before `due`: where its half-year starts."""
    earlier = [d for d in dates_around(schedule, tz, due.at) if d.at < due.at]
    return earlier[-1]


def months_errors(first: str, second: str) -> tuple[dict[str, str], int | None, int | None]:
    """The schedule modal's two calibration months, checked: the errors by block id, and the months."""
    errors: dict[str, str] = {}
    a = int(first) if first.strip().isdigit() and 1 <= int(first) <= 12 else None
    b = int(second) if second.strip().isdigit() and 1 <= int(second) <= 12 else None
    if a is None:
        errors[Block.CALIBRATION_FIRST] = "Choose the month of the financial year of the first calibration session."
    if b is None:
        errors[Block.CALIBRATION_SECOND] = "Choose the month of the financial year of the second calibration session."
    if a is not None and b is not None:
        gap = abs(a - b)
        if gap == 0:
            errors[Block.CALIBRATION_SECOND] = "Choose a different month from the first: calibration is twice a year."
        elif min(gap, 12 - gap) < 3:
            errors[Block.CALIBRATION_SECOND] = (
                "Leave at least three months between the two sessions (the defaults are the 6th and the 12th month)."
            )
    return errors, a, b


# Planning the packs


def queue_packs(session: Session, now: datetime, default_tz: str) -> int:
    """A pack for each open initiative whose latest calibration date has passed within PACK_GRACE and has none yet
    (only the latest: a clock down across several dates sends one pack, not one per date); returns how many."""
    tz = calendar.zone(None, default_tz)
    wanted: list[dict] = []
    for initiative, schedule in rows.active_initiatives(session):
        due = last_due(schedule, tz, now)
        if due is None or due.at < initiative.created_at or now - due.at > PACK_GRACE:
            continue
        wanted.append(
            {
                "team_id": initiative.team_id,
                "initiative_id": saved_id(initiative),
                "due_on": due.day,
                "to_user_id": initiative.created_by,
                "due_at": due.at,
                "status": PostStatus.PENDING,
                "attempts": 0,
                "parts_posted": 0,
            }
        )
    known = rows.packs_known(session, [(r["initiative_id"], r["due_on"]) for r in wanted])
    return rows.add_packs(session, [r for r in wanted if (r["initiative_id"], r["due_on"]) not in known])


# What a pack says


@dataclass(frozen=True)
class StatementChange:
    user_id: str
    first: str
    latest: str
    first_on: date
    latest_on: date
    versions: int


@dataclass(frozen=True)
class MeasureLine:
    measure: MeasureRow
    behind: Behind | None  # behind the line to its target, as the digest flags it


@dataclass(frozen=True)
class ShiftLine:
    user_id: str
    rule: str
    after: str
    evidence: str
    detected_on: date
    outcome: str | None  # storage.models.Outcome, None while no follow-up ended
    note: str


@dataclass(frozen=True)
class Adjustment:
    user_id: str
    text: str
    said_on: date


@dataclass(frozen=True)
class PackContent:
    initiative_id: int
    initiative_name: str
    business_goal: str
    due_on: date
    since: date  # the half-year's start: the calibration date before
    statements: tuple[StatementChange, ...]
    unstated_user_ids: tuple[str, ...]  # active stakeholders who have not said what impact they want
    measures: tuple[MeasureLine, ...]
    shifts: tuple[ShiftLine, ...]
    adjustments: tuple[Adjustment, ...]
    last_session: SessionRecord | None


@dataclass(frozen=True)
class PackDm:
    pack_id: int
    team_id: str
    to_user_id: str
    channel_id: str | None
    attempts: int
    parts_posted: int
    due_at: datetime
    content: PackContent


def content(session: Session, initiative: Initiative, due: Due, since: Due) -> PackContent:
    initiative_id = saved_id(initiative)
    people = rows.active_stakeholders(session, initiative_id)
    versions = rows.impact_versions(session, initiative_id)
    statements, without = [], []
    for person in people:
        pair = versions.get(saved_id(person))
        if pair is None:
            without.append(person.user_id)
            continue
        first, latest = pair
        statements.append(
            StatementChange(
                person.user_id,
                first.text,
                latest.text,
                first.answered_at.date(),
                latest.answered_at.date(),
                latest.version - first.version + 1,
            )
        )
    measures = tuple(
        MeasureLine(m, behind(initiative_id, m)) for m in rows_of(session, [initiative_id]).get(initiative_id, [])
    )
    shifts = tuple(
        ShiftLine(
            user_id,
            s.rule,
            s.after,
            s.evidence,
            s.detected_at.date(),
            outcome.outcome if outcome is not None else None,
            outcome.note if outcome is not None else "",
        )
        for s, user_id, outcome in rows.shifts_since(session, initiative_id, since.at)
    )
    adjustments = tuple(
        Adjustment(user_id, a.text, a.answered_at.date())
        for a, user_id in rows.adjustments_since(session, initiative_id, since.at)
    )
    return PackContent(
        initiative_id,
        initiative.name,
        initiative.business_goal,
        due.day,
        since.day,
        tuple(statements),
        tuple(without),
        measures,
        shifts,
        adjustments,
        last_session(session, initiative),
    )


def claim(session: Session, now: datetime, lease: timedelta, default_tz: str) -> list[PackDm]:
    """Take the packs due (and those whose sender stopped part-way) and read what each says; a pack of a closed
    initiative is skipped, and one whose owner is away waits for the day after their pause."""
    tz = calendar.zone(None, default_tz)
    found = []
    schedules: dict[int, Schedule | None] = {}
    for pack, initiative in rows.claim_packs(session, now, now - lease, BATCH):
        if not initiative.active:
            rows.set_pack(session, saved_id(pack), {"status": rows.SKIPPED, "last_error": "the initiative closed"})
            continue
        owner = stakeholder_rows.stakeholder_by_user(session, pack.team_id, pack.to_user_id)
        if owner is not None and calendar.is_paused(owner.paused_until, calendar.zone(owner.tz, default_tz), now):
            assert owner.paused_until is not None
            back = calendar.at_local(owner.paused_until + timedelta(days=1), calendar.WORKING_HOURS[0], tz)
            rows.set_pack(
                session,
                saved_id(pack),
                {"status": PostStatus.PENDING, "due_at": back, "attempts": pack.attempts - 1},
            )
            continue
        if initiative.id not in schedules:
            schedules[saved_id(initiative)] = _schedule_of(session, saved_id(initiative))
        schedule = schedules[saved_id(initiative)]
        due = Due(pack.due_on, calendar.at_local(pack.due_on, calendar.Cadence.of(schedule).send_time, tz))
        found.append(
            PackDm(
                saved_id(pack),
                pack.team_id,
                pack.to_user_id,
                pack.channel_id,
                pack.attempts,
                pack.parts_posted,
                pack.due_at,
                content(session, initiative, due, previous_due(schedule, tz, due)),
            )
        )
    return found


def _schedule_of(session: Session, initiative_id: int) -> Schedule | None:
    return schedule_rows.schedules_for(session, [initiative_id]).get(initiative_id)


def part_posted(session: Session, dm: PackDm, part: int, channel_id: str, ts: str) -> None:
    values: dict = {"parts_posted": part + 1, "channel_id": channel_id}
    if part == 0:
        values["message_ts"] = ts
    rows.set_pack(session, dm.pack_id, values)


def pack_sent(session: Session, dm: PackDm, now: datetime) -> None:
    rows.set_pack(session, dm.pack_id, {"status": PostStatus.POSTED, "sent_at": now, "last_error": None})


def pack_failed(session: Session, dm: PackDm, error: str, *, final: bool) -> None:
    """Slack refused it: tried again by the next pass, until ATTEMPTS_MAX (or at once given up, for an owner Slack
    cannot reach)."""
    status = PostStatus.FAILED if final or dm.attempts >= ATTEMPTS_MAX else PostStatus.PENDING
    rows.set_pack(session, dm.pack_id, {"status": status, "last_error": error[:500]})


# Where it shows


@dataclass(frozen=True)
class CalibrationStanding:
    """An initiative's calibration on the L&D Home: when the next is, and when the last was held."""

    next_on: date
    last_held_on: date | None
    last_session_id: int | None
    outcome_sent: bool


def standings(session: Session, ids: list[int], now: datetime, default_tz: str) -> dict[int, CalibrationStanding]:
    """For the L&D Home: each of these initiatives' next calibration date and its last session."""
    tz = calendar.zone(None, default_tz)
    schedules = schedule_rows.schedules_for(session, ids)
    last: dict[int, CalibrationSession] = {}
    for row in rows.sessions_of(session, ids):
        last[row.initiative_id] = row
    found = {}
    for initiative_id in ids:
        held = last.get(initiative_id)
        found[initiative_id] = CalibrationStanding(
            next_due(schedules.get(initiative_id), tz, now).day,
            held.held_on if held else None,
            saved_id(held) if held else None,
            bool(held and held.outcome_sent_at),
        )
    return found


@dataclass(frozen=True)
class Unrecorded:
    initiative_name: str
    owner: str
    days: int  # since the pack went out


def unrecorded(session: Session, team_id: str, now: datetime) -> list[Unrecorded]:
    """Packs sent more than two weeks ago with no session recorded since: the digest's attention items."""
    return [
        Unrecorded(name, pack.to_user_id, (now - (pack.sent_at or now)).days)
        for pack, name in rows.unrecorded_packs(session, team_id, now - UNRECORDED_AFTER)
    ]


def packs(session: Session, initiative_ids: list[int]) -> list[CalibrationPack]:
    return rows.packs_of(session, initiative_ids)
