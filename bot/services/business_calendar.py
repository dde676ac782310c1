"""The business calendar: before each financial year starts, each high-influence stakeholder is asked what will
matter most to their team next year and when a rollout would hurt (their busiest weeks). The busy weeks become quiet
periods for that person (planning moves their check-ins and reviews past them, like a schedule's quiet periods),
and an L&D member who schedules into them is warned.

One planning touchpoint per person and financial year: a person on several initiatives whose years start the same
day gets one DM naming them all; one on initiatives with different financial years gets one per year, each before
that year starts, since "next year" and its busy weeks are a different stretch of time for each. The year's first
day is read in the person's own time zone."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services import calendar
from storage.models import PlanningAsk, PostStatus, Stakeholder, saved_id
from storage.repositories import business_calendar as calendar_rows
from storage.repositories import planning as planning_rows
from storage.repositories import schedules as schedule_rows
from storage.repositories import stakeholders as stakeholder_rows
from storage.repositories import team_settings as team_rows

PLANNING_WEEKS = 8  # a team's planning touchpoints go out this many weeks before a financial year (its setting)
PLANNING_WEEKS_RANGE = (1, 26)
BATCH = 100
BUSY_RANGES_MAX = 3  # date ranges a person may give for their busiest weeks
TEXT_MAX = 3000
QUESTION_MATTERS = "What will matter most to your team next year?"
QUESTION_BUSY = "When would a rollout hurt (your busiest weeks)?"


@dataclass(frozen=True)
class PlanningView:
    """A planning touchpoint as its stakeholder sees it, and where its DM stands."""

    ask_id: int
    team_id: str
    user_id: str
    dm_channel_id: str | None
    year_start: date
    initiative_names: tuple[str, ...]
    created_at: datetime
    attempts: int = 1
    channel_id: str | None = None
    message_ts: str | None = None
    answered_at: datetime | None = None
    matters_most: str = ""
    busy_text: str = ""
    busy_ranges: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class BusyWarning:
    """A stakeholder's busiest weeks that a date an L&D member set falls into (or near)."""

    user_id: str
    name: str
    start: date
    end: date


def describe_range(start: date, end: date) -> str:
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B}-{end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y}-{end.day} {end:%B %Y}"


def year_start_after(month: int, day: date) -> date:
    """The first day of the next financial year starting in `month` after `day` (on its first day, the year has
    started: the next one is a year away)."""
    start = date(day.year, month, 1)
    return start if start > day else date(day.year + 1, month, 1)


def next_year_start(start: date) -> date:
    return date(start.year + 1, start.month, 1)


def _as_text(ranges: tuple[tuple[date, date], ...]) -> str:
    return "\n".join(f"{a.isoformat()}..{b.isoformat()}" for a, b in ranges)


# Queueing and sending


def queue(session: Session, now: datetime, default_tz: str) -> int:
    """A planning touchpoint for each high-influence person whose financial year starts within their team's
    planning window (and has not started), once per person and year; returns how many are new. It is due at once
    if it is working hours where they are, else at the schedule's send time of their next open day (after a pause)."""
    pairs = calendar_rows.high_influence_pairs(session)
    weeks = team_rows.planning_weeks(session, {p.team_id for p in pairs})
    groups: dict[tuple[int, date], tuple[calendar_rows.HighInfluence, list[int]]] = {}
    for pair in pairs:
        today = now.astimezone(calendar.zone(pair.tz, default_tz)).date()
        start = year_start_after(pair.year_month, today)
        if today >= start - timedelta(weeks=weeks.get(pair.team_id, PLANNING_WEEKS)):
            groups.setdefault((pair.stakeholder_id, start), (pair, []))[1].append(pair.initiative_id)
    queued = calendar_rows.asked(session, {person_id for person_id, _ in groups})
    # Only what is not queued yet is built; every pass of the window finds most of it (often all of it) queued.
    new = {key: group for key, group in groups.items() if key not in queued}
    schedules = schedule_rows.schedules_for(session, {ids[0] for _, ids in new.values()})
    rows = []
    for (person_id, start), (person, initiative_ids) in new.items():
        tz, is_holiday = calendar.zone(person.tz, default_tz), calendar.holidays_in(person.country)
        cadence = calendar.Cadence.of(schedules.get(initiative_ids[0]))
        rows.append(
            {
                "team_id": person.team_id,
                "stakeholder_id": person_id,
                "year_start": start,
                "initiative_ids": ",".join(str(i) for i in initiative_ids)[:1000],
                "due_at": calendar.first_ask(cadence, tz, is_holiday, now, person.paused_until),
                "status": PostStatus.PENDING,
                "attempts": 0,
                "busy_ranges": "",
            }
        )
    return calendar_rows.add_asks(session, rows)


def _current_initiatives(ask: PlanningAsk, pairs: list[calendar_rows.HighInfluence]) -> list[int]:
    """Of the person's initiatives (active, high influence, still theirs), those whose year starts on the ask's day."""
    today_then = ask.year_start - timedelta(days=1)
    return [
        p.initiative_id
        for p in pairs
        if p.stakeholder_id == ask.stakeholder_id and year_start_after(p.year_month, today_then) == ask.year_start
    ]


def _skip_why(
    ask: PlanningAsk, person: Stakeholder, initiative_ids: list[int], now: datetime, default_tz: str
) -> str | None:
    tz = calendar.zone(person.tz, default_tz)
    if now.astimezone(tz).date() >= ask.year_start:
        return "the financial year had started"  # a clock down for weeks: too late to plan it
    if not initiative_ids:
        return "no initiative of theirs with this financial year is open (closed, removed, or low influence now)"
    return None


def _views(session: Session, found: list[tuple[PlanningAsk, Stakeholder]], names: list[list[int]]) -> list:
    all_names = calendar_rows.initiative_names(session, {i for ids in names for i in ids})
    return [
        PlanningView(
            saved_id(ask),
            ask.team_id,
            person.user_id,
            person.dm_channel_id,
            ask.year_start,
            tuple(all_names[i] for i in ids if i in all_names),
            ask.due_at,
            ask.attempts,
            ask.channel_id,
            ask.message_ts,
            ask.answered_at,
            busy_ranges=calendar.parse_ranges(ask.busy_ranges),
        )
        for (ask, person), ids in zip(found, names, strict=True)
    ]


def _claimed(session: Session, ask_ids: list[int], now: datetime, default_tz: str) -> list[PlanningView]:
    """The claimed asks that may still go, as DMs; the others are skipped (for good) or held through a pause."""
    keep: list[tuple[PlanningAsk, Stakeholder]] = []
    keep_ids: list[list[int]] = []
    found = calendar_rows.asks_with_people(session, ask_ids)
    pairs = calendar_rows.high_influence_pairs(session, {a.stakeholder_id for a, _ in found})  # one query for all
    for ask, person in found:
        initiative_ids = _current_initiatives(ask, pairs)
        why = _skip_why(ask, person, initiative_ids, now, default_tz)
        tz = calendar.zone(person.tz, default_tz)
        if why is not None:
            calendar_rows.mark(session, saved_id(ask), {"status": calendar_rows.SKIPPED, "last_error": why})
        elif calendar.is_paused(person.paused_until, tz, now) and not ask.message_ts:
            assert person.paused_until is not None
            resume = calendar.resume_day(calendar.Cadence(), person.paused_until, calendar.holidays_in(person.country))
            when = calendar.at_local(resume, calendar.Cadence().send_time, tz)
            calendar_rows.mark(
                session, saved_id(ask), {"status": PostStatus.PENDING, "due_at": when, "attempts": ask.attempts - 1}
            )
        else:
            keep.append((ask, person))
            keep_ids.append(initiative_ids)
    return _views(session, keep, keep_ids)


def claim(session: Session, now: datetime, default_tz: str) -> list[PlanningView]:
    return _claimed(session, calendar_rows.claim_asks(session, now, BATCH), now, default_tz)


def reclaim_stale(session: Session, now: datetime, lease: timedelta, default_tz: str) -> list[PlanningView]:
    """Planning touchpoints whose sender stopped part-way (or met a passing failure): look in the DM first."""
    ids = calendar_rows.claim_asks(session, now, BATCH, lease_before=now - lease)
    return _claimed(session, ids, now, default_tz)


def posted(session: Session, view: PlanningView, channel_id: str, ts: str, now: datetime) -> None:
    values = {"status": PostStatus.POSTED, "channel_id": channel_id, "message_ts": ts, "posted_at": now}
    calendar_rows.mark(session, view.ask_id, values)


def failed(session: Session, view: PlanningView, error: str) -> None:
    """Given up on: it needs a person, or met its last attempt (a passing failure stays claimed for the next pass)."""
    calendar_rows.mark(session, view.ask_id, {"status": PostStatus.FAILED, "last_error": error[:500]})


# Answering


def _owned(session: Session, team_id: str, ask_id: int | None, user_id: str) -> tuple[PlanningAsk, Stakeholder]:
    found = calendar_rows.ask_of(session, team_id, ask_id) if ask_id is not None else None
    if found is None:
        raise UserError("I can't find that planning question any more.")
    ask, person = found
    if person.user_id != user_id:
        raise UserError("Only the stakeholder this planning question was sent to can answer it.")
    return ask, person


def form(session: Session, team_id: str, ask_id: int | None, user_id: str) -> PlanningView:
    ask, person = _owned(session, team_id, ask_id, user_id)
    return _view_with_answer(session, ask, person)


def _view_with_answer(session: Session, ask: PlanningAsk, person: Stakeholder) -> PlanningView:
    ids = [int(i) for i in ask.initiative_ids.split(",") if i]
    view = _views(session, [(ask, person)], [ids])[0]
    latest = calendar_rows.answered(session, ask.team_id, stakeholder_ids=[saved_id(person)])
    for found, _, answer in latest:
        if saved_id(found) == saved_id(ask):
            return dataclasses.replace(view, matters_most=answer.matters_most, busy_text=answer.busy_text)
    return view


def read_ranges(values: Mapping[str, str | None], year_start: date, errors: dict[str, str]) -> list[tuple[date, date]]:
    """The busy ranges picked (from, to for each of BUSY_RANGES_MAX), checked: both ends, the end not before the
    start, within the coming financial year. Problems go in `errors` by block id."""
    year_end = next_year_start(year_start) - timedelta(days=1)
    ranges = []
    for n in range(1, BUSY_RANGES_MAX + 1):
        from_block, to_block = f"{Block.PLANNING_BUSY_FROM_PREFIX}{n}", f"{Block.PLANNING_BUSY_TO_PREFIX}{n}"
        start_text, end_text = (values.get(from_block) or "").strip(), (values.get(to_block) or "").strip()
        if not start_text and not end_text:
            continue
        if not start_text or not end_text:
            errors[to_block if start_text else from_block] = "Pick both the first and the last day of these weeks."
            continue
        try:
            start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
        except ValueError:
            errors[from_block] = "Pick the days from the calendar."
            continue
        if end < start:
            errors[to_block] = "The last day comes before the first: pick a last day on or after it."
        elif start < year_start or end > year_end:
            errors[from_block] = f"Pick weeks within the coming year: {describe_range(year_start, year_end)}."
        else:
            ranges.append((start, end))
    return sorted(ranges)


def answer(
    session: Session, team_id: str, ask_id: int | None, user_id: str, values: Mapping[str, str | None], now: datetime
) -> PlanningView:
    """Their answer, checked (FormInvalid with every problem at once), stored as a new version; the busy weeks
    become their quiet periods: their check-ins and reviews not yet sent are planned again, past them."""
    ask, person = _owned(session, team_id, ask_id, user_id)
    errors: dict[str, str] = {}
    matters = (values.get(Block.PLANNING_MATTERS) or "").strip()
    busy_text = (values.get(Block.PLANNING_BUSY_TEXT) or "").strip()
    if not matters:
        errors[Block.PLANNING_MATTERS] = "Say in a few words what will matter most to your team next year."
    elif len(matters) > TEXT_MAX:
        errors[Block.PLANNING_MATTERS] = f"Keep it to {TEXT_MAX} characters."
    if len(busy_text) > TEXT_MAX:
        errors[Block.PLANNING_BUSY_TEXT] = f"Keep it to {TEXT_MAX} characters."
    ranges = tuple(read_ranges(values, ask.year_start, errors))
    if errors:
        raise FormInvalid(errors)
    stored = _as_text(ranges)
    calendar_rows.add_answer(
        session,
        {
            "team_id": team_id,
            "ask_id": saved_id(ask),
            "stakeholder_id": saved_id(person),
            "matters_most": matters,
            "busy_text": busy_text,
            "busy_ranges": stored,
            "given_by": user_id,
            "given_at": now,
        },
    )
    calendar_rows.mark(session, saved_id(ask), {"answered_at": now, "busy_ranges": stored})
    if stored != ask.busy_ranges:
        planning_rows.unplan(session, stakeholder_ids=[saved_id(person)])
    session.expire(ask)
    return _view_with_answer(session, ask, person)


# Quiet periods and warnings


def busy_ranges(
    session: Session, stakeholder_ids: list[int], now: datetime
) -> dict[int, tuple[tuple[date, date], ...]]:
    """{stakeholder: their busy weeks} from their planning answers of years not long over."""
    since = (now - timedelta(days=400)).date()
    return {
        stakeholder_id: tuple(r for text in texts for r in calendar.parse_ranges(text))
        for stakeholder_id, texts in calendar_rows.busy_ranges_of(session, stakeholder_ids, since).items()
    }


def with_busy_weeks(cadence: calendar.Cadence, ranges: tuple[tuple[date, date], ...]) -> calendar.Cadence:
    """The cadence as one stakeholder gets it: their busy weeks are quiet periods too."""
    return dataclasses.replace(cadence, quiet_ranges=cadence.quiet_ranges + ranges) if ranges else cadence


def warnings_for_users(session: Session, team_id: str, user_ids: list[str], now: datetime) -> list[BusyWarning]:
    """Those of these people who are in their busiest weeks today: what an L&D member sending them something now
    should know."""
    people = stakeholder_rows.stakeholders_by_users(session, team_id, user_ids)
    return warnings(session, people, now, on=now.date())


def warnings(
    session: Session, stakeholders: list[Stakeholder], now: datetime, *, on: date | None = None
) -> list[BusyWarning]:
    """The busy weeks of these stakeholders still to come (or only those holding `on`, a date being set)."""
    today = now.date()
    found = busy_ranges(session, [saved_id(s) for s in stakeholders], now)
    result = []
    for person in stakeholders:
        for start, end in found.get(saved_id(person), ()):
            if end < today or (on is not None and not start <= on <= end):
                continue
            result.append(BusyWarning(person.user_id, person.display_name or person.user_id, start, end))
    return sorted(result, key=lambda w: (w.start, w.name))


# What the L&D team reads: the workbook, the digest, the Home


@dataclass(frozen=True)
class PlanningAnswerRow:
    """A person's latest answer to one planning touchpoint."""

    user_id: str
    name: str
    year_start: date
    initiative_names: tuple[str, ...]
    matters_most: str
    busy_ranges: tuple[tuple[date, date], ...]
    busy_text: str
    given_at: datetime


def answers(
    session: Session,
    team_id: str,
    *,
    since: datetime | None = None,
    initiative_ids: list[int] | None = None,
    stakeholder_id: int | None = None,
) -> list[PlanningAnswerRow]:
    """The latest answer to each planning touchpoint of the team (given since `since`; naming one of these
    initiatives; of this stakeholder), newest year first."""
    found = calendar_rows.answered(
        session, team_id, since=since, stakeholder_ids=None if stakeholder_id is None else [stakeholder_id]
    )
    ids_of = {saved_id(ask): [int(i) for i in ask.initiative_ids.split(",") if i] for ask, _, _ in found}
    names = calendar_rows.initiative_names(session, {i for ids in ids_of.values() for i in ids})
    wanted = None if initiative_ids is None else set(initiative_ids)
    return [
        PlanningAnswerRow(
            person.user_id,
            person.display_name or person.user_id,
            ask.year_start,
            tuple(names[i] for i in ids_of[saved_id(ask)] if i in names),
            answer.matters_most,
            calendar.parse_ranges(answer.busy_ranges),
            answer.busy_text,
            answer.given_at,
        )
        for ask, person, answer in found
        if wanted is None or wanted & set(ids_of[saved_id(ask)])
    ]
