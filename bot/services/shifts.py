"""Priority shifts: recorded with the answers that reveal them, summarised once a day per initiative in its summary
channel, followed up by an L&D member, and listed on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.errors import UserError
from bot.services import initiatives
from bot.services.shift_rules import Detected
from storage.models import Shift, saved_id
from storage.repositories import shifts as shift_rows

SUMMARY_BATCH = 50
RECENT = timedelta(days=30)  # what `/touchpoint shifts` lists
LIST_LIMIT = 20


@dataclass(frozen=True)
class ShiftLine:
    rule: str
    question: str
    before: str
    after: str
    evidence: str
    strength: int
    judgement: str | None = None  # the stakeholder judged it themselves (ImpactJudgement); None: the rule did


@dataclass(frozen=True)
class RecordedOutcome:
    """How the follow-up ended, as last recorded."""

    outcome: str  # storage.models.Outcome
    note: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class PersonShifts:
    """One stakeholder's shifts from one touchpoint, followed up together."""

    stakeholder_id: int
    user_id: str
    kind: str  # of the touchpoint that revealed them
    lines: tuple[ShiftLine, ...]
    followed_up_by: str | None
    followed_up_at: datetime | None
    outcome: RecordedOutcome | None = None  # set: the follow-up is closed


@dataclass(frozen=True)
class SummaryView:
    summary_id: int
    team_id: str
    initiative_name: str
    opened_by: str
    channel_id: str
    day: str
    revision: int
    message_ts: str | None
    claimed_at: datetime | None
    attempts: int
    people: tuple[PersonShifts, ...]


def record(
    session: Session,
    *,
    team_id: str,
    initiative: initiatives.InitiativeInfo,
    stakeholder_id: int,
    touchpoint_id: int,
    detected: list[Detected],
    now: datetime,
    tz: str,
    correcting: bool = False,
) -> int | None:
    """Store the shifts an answer revealed and queue them for the day's summary; returns that summary's id.

    `correcting`: the answer replaces this touchpoint's earlier one, whose shifts are recomputed: one no longer
    detected is withdrawn (kept, marked, out of its summary, which is updated in place), one still detected is
    kept as it is, a new one is recorded like a first answer's."""
    if correcting:
        detected = _reconcile(session, touchpoint_id, detected, now)
    if not detected:
        return None
    day = now.astimezone(ZoneInfo(tz)).date().isoformat()
    summary_id = shift_rows.shift_summary_for_day(
        session, team_id=team_id, initiative_id=initiative.id, day=day, channel_id=initiative.summary_channel_id
    )
    shift_rows.add_shifts(
        session,
        [
            {
                "team_id": team_id,
                "initiative_id": initiative.id,
                "stakeholder_id": stakeholder_id,
                "touchpoint_id": touchpoint_id,
                "summary_id": summary_id,
                "rule": d.rule,
                "question": d.question,
                "before": d.before[:3000],
                "after": d.after[:3000],
                "evidence": d.evidence[:1000],
                "strength": d.strength,
                "judgement": d.judgement,
                "detected_at": now,
                "followed_up_by": None,
                "followed_up_at": None,
            }
            for d in detected
        ],
    )
    return summary_id


def _same(shift: Detected) -> tuple[str, str, str]:
    return shift.rule, shift.question, shift.after[:3000]


def _reconcile(session: Session, touchpoint_id: int, detected: list[Detected], now: datetime) -> list[Detected]:
    """Withdraw the touchpoint's shifts the corrected answer no longer shows; returns the ones still to record."""
    live = shift_rows.live_shifts_of_touchpoint(session, touchpoint_id)
    found = {_same(d) for d in detected}
    gone = [s for s in live if (s.rule, s.question, s.after) not in found]
    shift_rows.withdraw_shifts(session, [s.id for s in gone if s.id is not None], now)
    shift_rows.revise_shift_summaries(session, [s.summary_id for s in gone])
    kept = {(s.rule, s.question, s.after) for s in live} - {(s.rule, s.question, s.after) for s in gone}
    return [d for d in detected if _same(d) not in kept]


def views(session: Session, summary_ids: list[int]) -> list[SummaryView]:
    """The summaries as their messages show them: two queries, however many summaries and shifts."""
    if not summary_ids:
        return []
    people: dict[int, dict[tuple[int, int], list]] = {}
    for shift, stakeholder, touchpoint, outcome in shift_rows.shifts_of_summaries(session, summary_ids):
        group = people.setdefault(shift.summary_id, {}).setdefault((saved_id(stakeholder), saved_id(touchpoint)), [])
        group.append((shift, stakeholder, touchpoint, outcome))
    found = []
    for summary, initiative in shift_rows.shift_summaries(session, summary_ids):
        summary_id = saved_id(summary)
        groups = people.get(summary_id, {})
        found.append(
            SummaryView(
                summary_id=summary_id,
                team_id=summary.team_id,
                initiative_name=initiative.name,
                opened_by=initiative.created_by,
                channel_id=summary.channel_id,
                day=summary.day,
                revision=summary.revision,
                message_ts=summary.message_ts,
                claimed_at=summary.claimed_at,
                attempts=summary.attempts,
                people=tuple(_person(rows) for rows in groups.values()),
            )
        )
    return found


def _person(rows: list) -> PersonShifts:
    _first, stakeholder, touchpoint, _ = rows[0]
    taken = next((shift for shift, _, _, _ in rows if shift.followed_up_by), None)
    # A shift of the day that arrived after the outcome was recorded reopens the follow-up: it has none yet.
    closed = [outcome for _, _, _, outcome in rows]
    latest = max(closed, key=lambda o: o.id) if all(closed) else None
    return PersonShifts(
        stakeholder_id=stakeholder.id,
        user_id=stakeholder.user_id,
        kind=touchpoint.kind,
        lines=tuple(_line(s) for s, *_ in rows),
        followed_up_by=taken.followed_up_by if taken else None,
        followed_up_at=taken.followed_up_at if taken else None,
        outcome=RecordedOutcome(latest.outcome, latest.note, latest.recorded_by, latest.recorded_at)
        if latest
        else None,
    )


def _line(shift: Shift) -> ShiftLine:
    return ShiftLine(
        shift.rule, shift.question, shift.before, shift.after, shift.evidence, shift.strength, shift.judgement
    )


def claim_summaries(session: Session, now: datetime) -> list[SummaryView]:
    """Summaries to post or update now, each claimed by the caller alone."""
    return views(session, shift_rows.claim_shift_summaries(session, now, SUMMARY_BATCH))


def reclaim_stale(session: Session, now: datetime, lease: timedelta) -> list[SummaryView]:
    """Summaries whose poster stopped part-way: whether Slack has the message must be checked before posting."""
    return views(session, shift_rows.claim_stale_shift_summaries(session, now, now - lease, SUMMARY_BATCH))


def posted(session: Session, view: SummaryView, ts: str, now: datetime) -> None:
    shift_rows.mark_summary_posted(session, view.summary_id, view.revision, ts, now)


def failed(session: Session, view: SummaryView, error: str) -> None:
    shift_rows.mark_summary_failed(session, view.summary_id, error)


def to_update(session: Session, summary_id: int) -> None:
    """Have the scheduling pass update the summary's message (Slack refused an update in place)."""
    shift_rows.revise_shift_summaries(session, [summary_id])


def follow_up(
    session: Session, team_id: str, summary_id: int, stakeholder_id: int, user_id: str, now: datetime
) -> SummaryView:
    """An L&D member takes the follow-up of a stakeholder's shifts; the first to click keeps it."""
    shift_rows.follow_up_shifts(session, team_id, summary_id, stakeholder_id, user_id, now)
    found = views(session, [summary_id])
    if not found or found[0].team_id != team_id:
        raise UserError("I can't find those shifts any more.")
    return found[0]


@dataclass(frozen=True)
class RecentShift:
    initiative_name: str
    user_id: str
    detected_at: datetime
    line: ShiftLine
    followed_up_by: str | None
    closed: bool = False  # its follow-up has an outcome


@dataclass(frozen=True)
class RecentShifts:
    initiative_name: str | None  # None: every initiative
    since: datetime
    shifts: tuple[RecentShift, ...]
    total: int


def recent(session: Session, team_id: str, initiative_name: str, now: datetime) -> RecentShifts:
    """The latest shifts of the last 30 days, of one initiative (by name) or all."""
    initiative = initiatives.by_name(session, team_id, initiative_name) if initiative_name else None
    since = now - RECENT
    initiative_id = initiative.id if initiative else None
    rows = shift_rows.recent_shifts(session, team_id, since, initiative_id=initiative_id, limit=LIST_LIMIT)
    total = (
        len(rows)
        if len(rows) < LIST_LIMIT
        else shift_rows.count_recent_shifts(session, team_id, since, initiative_id=initiative_id)
    )
    return RecentShifts(
        initiative_name=initiative.name if initiative else None,
        since=since,
        shifts=tuple(
            RecentShift(
                i.name,
                s.user_id,
                shift.detected_at,
                _line(shift),
                shift.followed_up_by,
                shift.outcome_id is not None,
            )
            for shift, i, s in rows
        ),
        total=total,
    )
