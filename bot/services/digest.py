"""The weekly digest and the alignment index: what the L&D team should look at on Monday morning, and why. This
module computes each initiative's figures and its index, and owns when and where the digest goes (the team's
weekday, time and channel) and its posting exactly once; the attention items, what needs a conversation this week,
are bot.services.digest_attention's.

Everything is read in a fixed number of queries for the whole team (storage.reporting), however many initiatives,
stakeholders and answers there are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import COMMAND, Block
from bot.services import business_calendar, digest_attention, signoffs
from bot.services.alignment import WINDOW, Alignment, alignment
from bot.services.business_calendar import PlanningAnswerRow
from bot.services.calendar import TIME_OF_DAY, zone
from bot.services.digest_attention import Attention
from bot.services.initiatives import name_key
from bot.services.signoffs import SignoffCounts
from storage import reporting
from storage.models import saved_id
from storage.repositories import digests as digest_rows
from storage.repositories import team_settings as team_rows

PERIOD = timedelta(days=30)  # "responses this period": touchpoints due in the last 30 days
RECENT = timedelta(days=7)  # new shifts and misses: since last week's digest
AHEAD = timedelta(days=14)  # reviews coming up
LATE_ENOUGH = timedelta(days=3)  # a digest whose time passed longer ago than this (nothing ran) waits for next week
ATTENTION_MAX = 5
STALLED = timedelta(days=14)  # a follow-up taken this long ago and still without an outcome needs attention
SILENT_SHOWN = 500  # silent stakeholders read for the digest; the counts are exact either way
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class InitiativeDigest:
    initiative_id: int
    name: str
    stakeholders: int
    answered: int  # this period
    expected: int
    new_shifts: int
    strong_shifts: int
    overdue: int
    missed: int
    silent: int
    silent_user_ids: tuple[str, ...]
    with_impact: int
    first_unanswered_user_ids: tuple[str, ...]  # the first two questions went out and were never answered
    with_tracking: int
    measures: int  # success measures their owners agreed
    reviews_ahead: int
    alignment: Alignment
    trend: int | None  # change since the last digest; None if there was none
    judged_shifts: int = 0  # new shifts of revised impact statements, as their authors judged them
    reworded: int = 0  # impact statements revised this week whose authors said only the wording changed
    measures_waiting: int = 0  # success measures waiting for their owners to agree them
    signoff: SignoffCounts | None = None  # the plan's sign-off, once a plan was sent


@dataclass(frozen=True)
class Digest:
    team_id: str
    week: str  # the digest day, YYYY-MM-DD
    initiatives: tuple[InitiativeDigest, ...]
    attention: tuple[Attention, ...]  # most urgent first
    more_attention: int  # further things needing attention, not listed
    planning: tuple[PlanningAnswerRow, ...] = ()  # the business calendar's answers given this week


def build(session: Session, team_id: str, now: datetime, week: str) -> Digest:
    """The digest as of `now`; trends compare with the last digest posted before `week`."""
    standings = reporting.standings(session, team_id)
    traffic = reporting.traffic(session, team_id, now, period=PERIOD, window=WINDOW, recent=RECENT, ahead=AHEAD)
    shift_counts = reporting.shift_counts(session, team_id, now, recent=RECENT, open_window=WINDOW)
    strong = reporting.open_strong_shifts(session, team_id, now - PERIOD, limit=50)
    stalled = reporting.stalled_follow_ups(session, team_id, now - STALLED, now - WINDOW, limit=50)
    silent = reporting.silent_stakeholders(session, team_id, limit=SILENT_SHOWN)
    previous = reporting.previous_alignment(session, team_id, week)
    measures = reporting.measure_counts(session, team_id)
    reworded = reporting.reworded_impacts(session, team_id, now - RECENT)
    signed = signoffs.counts(session, team_id, now)
    silent_by: dict[int, list[str]] = {}
    for initiative_id, user_id, _cycles in silent:
        silent_by.setdefault(initiative_id, []).append(user_id)
    unanswered_by: dict[int, list[str]] = {}
    for initiative_id, user_id in reporting.unanswered_first_asks(session, team_id, limit=SILENT_SHOWN):
        unanswered_by.setdefault(initiative_id, []).append(user_id)
    initiatives = []
    for s in standings:
        t, c = (
            traffic.get(s.initiative_id, reporting.Traffic()),
            shift_counts.get(s.initiative_id, reporting.ShiftCounts()),
        )
        index = alignment(s, t, c, signed.get(s.initiative_id))
        before = previous.get(s.initiative_id)
        initiatives.append(
            InitiativeDigest(
                initiative_id=s.initiative_id,
                name=s.name,
                stakeholders=s.stakeholders,
                answered=t.period_answered,
                expected=t.period_expected,
                new_shifts=c.new,
                strong_shifts=c.new_strong,
                overdue=t.overdue,
                missed=t.missed_recently,
                silent=s.silent,
                silent_user_ids=tuple(silent_by.get(s.initiative_id, ())),
                with_impact=s.with_impact,
                first_unanswered_user_ids=tuple(unanswered_by.get(s.initiative_id, ())),
                with_tracking=s.with_tracking,
                measures=measures.get(s.initiative_id, (0, 0))[1],
                measures_waiting=measures.get(s.initiative_id, (0, 0))[0] - measures.get(s.initiative_id, (0, 0))[1],
                reviews_ahead=t.reviews_ahead,
                alignment=index,
                trend=index.value - before if index.value is not None and before is not None else None,
                judged_shifts=c.new_judged,
                reworded=reworded.get(s.initiative_id, 0),
                signoff=signed.get(s.initiative_id),
            )
        )
    initiatives.sort(key=lambda i: (i.alignment.value if i.alignment.value is not None else 101, i.name.lower()))
    attention = digest_attention.items(session, team_id, initiatives, strong, stalled, now)
    return Digest(
        team_id,
        week,
        tuple(initiatives),
        tuple(attention[:ATTENTION_MAX]),
        max(0, len(attention) - ATTENTION_MAX),
        tuple(business_calendar.answers(session, team_id, since=now - RECENT)),
    )


# When and where


@dataclass(frozen=True)
class DigestTime:
    weekday: int = 0
    send_time: str = "09:00"
    channel_id: str | None = None  # None: the L&D channel

    def describe(self) -> str:
        return f"every {WEEKDAYS[self.weekday]} at {self.send_time}"


def _time_of(found) -> DigestTime:
    return DigestTime(found.weekday, found.send_time, found.channel_id) if found else DigestTime()


def digest_time(session: Session, team_id: str) -> DigestTime:
    return _time_of(digest_rows.digest_settings(session, team_id))


def teams(session: Session) -> list[tuple[str, DigestTime]]:
    """Every team that has an active initiative, with when its digest goes out."""
    return [(team_id, _time_of(found)) for team_id, found in digest_rows.digest_teams(session)]


def due_week(now: datetime, when: DigestTime, tz: str) -> str | None:
    """The week (its digest day) whose digest should be out by now, unless it is long past; None before the first."""
    local_zone = zone(tz, "UTC")
    today = now.astimezone(local_zone).date()
    day = today - timedelta(days=(today.weekday() - when.weekday) % 7)
    hour, minute = (int(p) for p in when.send_time.split(":"))
    due = datetime.combine(day, time(hour, minute), local_zone)
    if due > now:
        day -= timedelta(days=7)
        due = datetime.combine(day, time(hour, minute), local_zone)
    return day.isoformat() if now - due <= LATE_ENOUGH else None


def current_week(now: datetime, when: DigestTime, tz: str) -> str:
    """The digest day of the week a preview belongs to: the next digest's."""
    today = now.astimezone(zone(tz, "UTC")).date()
    return (today + timedelta(days=(when.weekday - today.weekday()) % 7)).isoformat()


def time_errors(weekday: str, send_time: str, channel_id: str) -> dict[str, str]:
    """What is wrong with a digest day, time and channel as typed, by block id (both settings modals use it)."""
    errors: dict[str, str] = {}
    if not (weekday.isdigit() and 0 <= int(weekday) <= 6):
        errors[Block.DIGEST_WEEKDAY] = "Pick a day of the week."
    if not TIME_OF_DAY.match(send_time or ""):
        errors[Block.DIGEST_TIME] = "Pick a time, like 09:00."
    if not channel_id:
        errors[Block.DIGEST_CHANNEL] = "Pick the channel the digest goes to."
    return errors


def store_time(session: Session, team_id: str, user_id: str, when: DigestTime, now: datetime) -> None:
    values = {
        "weekday": when.weekday,
        "send_time": when.send_time,
        "channel_id": when.channel_id,
        "updated_by": user_id,
        "updated_at": now,
    }
    digest_rows.save_digest_settings(session, team_id, values)


def save_time(
    session: Session, team_id: str, user_id: str, weekday: str, send_time: str, channel_id: str, now: datetime
) -> DigestTime:
    """Validate and store when and where the team's digest goes."""
    errors = time_errors(weekday, send_time, channel_id)
    if errors:
        raise FormInvalid(errors)
    before, when = digest_time(session, team_id), DigestTime(int(weekday), send_time, channel_id)
    store_time(session, team_id, user_id, when, now)
    changed = time_changes(before, when)
    if changed:  # on the team's change record, with the Team settings modal's saves
        team_rows.record_change(session, team_id, user_id, now, json.dumps(changed, sort_keys=True))
    return when


def time_changes(before: DigestTime, after: DigestTime) -> dict[str, list]:
    """What a save changed of the digest's day, time and channel: {setting: [before, after]}."""
    pairs = {
        "digest_weekday": (before.weekday, after.weekday),
        "digest_send_time": (before.send_time, after.send_time),
        "digest_channel_id": (before.channel_id, after.channel_id),
    }
    return {name: [old, new] for name, (old, new) in pairs.items() if old != new}


# Posting exactly once


@dataclass(frozen=True)
class Posting:
    """A week's digest as far as it has been posted."""

    post_id: int
    team_id: str
    week: str
    channel_id: str
    parts_posted: int = 0
    thread_ts: str | None = None
    attempts: int = 1


def due(session: Session, now: datetime, tz: str, default_channel: str | None) -> list[tuple[str, str, str]]:
    """(team, week, channel) of each digest that should be out by now and is not: three reads, no writes. A team
    that chose no digest channel gets its L&D channel (`default_channel`, the environment's, until it saves one)."""
    weeks, channels = {}, {}
    found = teams(session)
    ld_channels = team_rows.ld_channels(session, [team_id for team_id, _ in found])
    for team_id, when in found:
        week, where = due_week(now, when, tz), when.channel_id or ld_channels.get(team_id) or default_channel
        if week and where:
            weeks[team_id], channels[team_id] = week, where
    started = digest_rows.digest_weeks_posted(session, weeks)
    return [(team_id, week, channels[team_id]) for team_id, week in weeks.items() if team_id not in started]


def claim(session: Session, team_id: str, week: str, channel_id: str, now: datetime) -> Posting | None:
    """The week's digest, if the caller is the one to post it."""
    post_id = digest_rows.claim_digest(session, team_id, week, channel_id, now)
    return Posting(post_id, team_id, week, channel_id) if post_id is not None else None


def reclaim_stale(session: Session, now: datetime, lease: timedelta) -> list[Posting]:
    """Digests whose poster stopped part-way, taken over by the caller."""
    return [
        Posting(saved_id(p), p.team_id, p.week, p.channel_id, p.parts_posted, p.thread_ts, p.attempts)
        for p in digest_rows.reclaim_stale_digests(session, now, now - lease)
    ]


def record_part(session: Session, posting: Posting, part: int, ts: str, now: datetime, digest: Digest) -> None:
    """Record one posted part; with the first, the index values it showed (the next digest's trend)."""
    digest_rows.record_digest_part(session, posting.post_id, part, ts, now)
    if part == 0:
        digest_rows.save_alignment_snapshots(
            session,
            digest.team_id,
            digest.week,
            {i.initiative_id: i.alignment.value for i in digest.initiatives if i.alignment.value is not None},
        )


def finished(session: Session, posting: Posting, now: datetime) -> None:
    digest_rows.mark_digest_posted(session, posting.post_id, now)


def failed(session: Session, posting: Posting, error: str) -> None:
    digest_rows.mark_digest_failed(session, posting.post_id, error)


# The alignment index on request


@dataclass(frozen=True)
class AlignmentReport:
    initiatives: tuple[InitiativeDigest, ...]
    named: bool  # one initiative was asked for


def alignment_report(session: Session, team_id: str, name: str, now: datetime, week: str) -> AlignmentReport:
    found = build(session, team_id, now, week)
    if not name:
        return AlignmentReport(found.initiatives, named=False)
    key = name_key(name)
    match = tuple(i for i in found.initiatives if name_key(i.name) == key)
    if not match:
        raise UserError(f"I can't find an active initiative called “{name}”. `{COMMAND} list` shows them all.")
    return AlignmentReport(match, named=True)


def day_label(week: str) -> str:
    return date.fromisoformat(week).strftime("%a %-d %b %Y")
