"""A stakeholder answering a touchpoint: the two alignment questions, a monthly check-in or a quarterly review."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.errors import FormInvalid
from bot.ids import Block
from bot.limits import ANSWER_MAX
from bot.services import judgement, measures, shift_rules, shifts, touchpoints
from bot.services.initiatives import InitiativeInfo
from storage.db import Database
from storage.models import (
    RECURRING_KINDS,
    PostStatus,
    Question,
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories import answer_posts as answer_post_rows
from storage.repositories import answers as answer_rows
from storage.repositories import measures as measure_rows
from storage.repositories import standings as standing_rows
from storage.repositories import touchpoints as touchpoint_rows

QUESTIONS: dict[Question, str] = {
    Question.IMPACT: "What impact do you want this initiative to have?",
    Question.TRACKING: "What are you already tracking that would help us monitor how well this is working?",
}
CHECKIN_QUESTIONS: dict[Question, str] = {
    Question.PRIORITIES_SHIFTED: "Have your priorities shifted since we last asked?",
    Question.MATTERS_MOST: "What matters most to you right now?",
    Question.ON_TRACK: "How well is the initiative on track toward the impact you want? (1 = not at all, 5 = fully)",
    Question.NOTES: "Anything the L&D team should know?",
}
REVIEW_QUESTIONS: dict[Question, str] = {
    Question.IMPACT: "The impact you want (still true? edit it if not)",
    Question.TRACKING: "What you track to see it working (still true? edit it if not)",
    Question.ALIGNMENT: "How aligned is the initiative with your goals? (1 = not at all, 5 = fully)",
    Question.ADJUST: "What should be adjusted?",
}
SHIFT_CHOICES = ("No", "Somewhat", "Significantly")
RATINGS = ("1", "2", "3", "4", "5")

# What each kind of touchpoint asks, the block each answer comes from, and which answers may be left empty.
FORMS: dict[str, dict[Question, str]] = {
    TouchpointKind.KICKOFF: QUESTIONS,
    TouchpointKind.CHECKIN: CHECKIN_QUESTIONS,
    TouchpointKind.REVIEW: REVIEW_QUESTIONS,
}
OPTIONAL = frozenset({Question.NOTES, Question.ADJUST})
CHOICES = {Question.PRIORITIES_SHIFTED: SHIFT_CHOICES, Question.ON_TRACK: RATINGS, Question.ALIGNMENT: RATINGS}
# Answers kept as versions only when they change: a review confirming the impact statement adds no version.
REVISABLE = frozenset({Question.IMPACT, Question.TRACKING})


@dataclass(frozen=True)
class AnswerContext:
    """Everything an answer modal needs, and what it was opened for."""

    touchpoint_id: int
    kind: str
    initiative_name: str
    business_goal: str
    opened_by: str
    current: dict[str, str]  # question -> latest answer text
    measures: tuple[measures.MeasureRow, ...] = ()  # what a check-in or review asks them the latest value of
    correcting: bool = False  # an answered check-in or review, opened to change the answers (pre-filled with them)
    judged: str | None = None  # correcting: what they said of their revised impact statement in these answers


@dataclass(frozen=True)
class RecordedAnswers:
    touchpoint_id: int
    kind: str
    initiative_name: str
    business_goal: str
    description: str
    opened_by: str
    user_id: str
    summary_channel_id: str
    dm_channel_id: str | None
    dm_ts: str | None
    texts: dict[str, str]  # everything answered this time
    revised: frozenset[str]  # the impact and tracking answers whose text changed from the previous version
    version: int
    answered_at: datetime
    previous: dict[str, str]  # the latest answers before this one
    shifts: int = 0  # priority shifts these answers revealed
    readings: tuple[tuple[str, str, float | None], ...] = ()  # (measure, status, value) given with a check-in
    post_id: int = 0  # the outbox row that gets its summary posted and its DM shown answered
    correction: bool = False  # these answers replace the touchpoint's earlier ones (`previous` holds those)
    judged: str | None = None  # what they said of their revised impact statement (ImpactJudgement), if asked
    judge_said: str = ""  # and beside it, the wording judge's verdict


def for_answering(
    session: Session, team_id: str, touchpoint_id: int, user_id: str, now: datetime | None = None
) -> AnswerContext:
    """What the answer modal shows; with `now`, an answered check-in or review still open opens for a correction."""
    touchpoint, initiative, stakeholder = touchpoints.owned(
        session, team_id, touchpoint_id, user_id, revisable_kickoff=True, correctable_at=now
    )
    current = answer_rows.latest_answers(session, initiative.id, stakeholder.id)
    asked = _readings_asked(session, touchpoint.kind, initiative.id, stakeholder.id)
    return AnswerContext(
        touchpoint_id=touchpoint.id,
        kind=touchpoint.kind,
        initiative_name=initiative.name,
        business_goal=initiative.business_goal,
        opened_by=initiative.created_by,
        current={q: a.text for q, a in current.items()},
        measures=asked,
        correcting=_correcting(touchpoint),
        judged=judgement.given_here(current.get(Question.IMPACT), touchpoint.id),
    )


def _readings_asked(session: Session, kind: str, initiative_id: int, stakeholder_id: int) -> tuple:
    """The measures a check-in or a quarterly review asks its stakeholder to read: the ones they report."""
    return measures.owned(session, initiative_id, stakeholder_id) if kind in RECURRING_KINDS else ()


def _correcting(touchpoint: touchpoints.OwnedTouchpoint) -> bool:
    return touchpoint.kind in RECURRING_KINDS and touchpoint.status == TouchpointStatus.ANSWERED


def validate(kind: str, texts: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for question in FORMS[kind]:
        text = (texts.get(question) or "").strip()
        block = Block(question.value)
        if question in CHOICES:
            if text not in CHOICES[question]:
                errors[block] = "Please pick one."
        elif not text and question not in OPTIONAL:
            errors[block] = "Please write a few words here, even “not sure yet”."
        elif len(text) > ANSWER_MAX:
            errors[block] = f"Keep this to {ANSWER_MAX} characters (it has {len(text)})."
    return errors


def record(
    session: Session,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    texts: Mapping[str, str],
    now: datetime,
    tz: str = "UTC",
    readings: Mapping[int, tuple[str, str]] | None = None,
    judged: str | None = None,
) -> RecordedAnswers | None:
    """Store the answers as next versions, the check-in's readings of the measures they report, mark the touchpoint
    answered and record the priority shifts they reveal (for the summary of `tz`'s day): one transaction, the
    caller's. `readings` is what the form held for each measure: (number typed, "no change"/"don't know" chosen).

    An answered check-in or review still open takes a correction: only the answers that changed get a new version,
    and its shifts are recomputed. A correction that changes nothing (the same submission again, as a retry
    delivers it) stores nothing and returns None.

    `judged` is what the form held for "has what you want changed, or only its wording?" (bot.services.judgement):
    None when it did not ask, "" when it asked and got no answer (refused if the impact statement changed)."""
    read = _read(session, team_id, touchpoint_id, user_id, texts, readings, now, judged)
    return _write(session, read, texts, now, tz)


def submit(
    db: Database,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    texts: Mapping[str, str],
    now: datetime,
    tz: str = "UTC",
    readings: Mapping[int, tuple[str, str]] | None = None,
    judged: str | None = None,
) -> RecordedAnswers | None:
    """`record` in its own transaction, holding the database's single writer (SQLite's) only for the writes: what
    the answers are checked against is read first, from a snapshot. The write then checks that the touchpoint is
    still as it was read (and the answers' unique versions catch a concurrent answer of the same person); if
    anything moved meanwhile, `record` runs whole in one writing transaction, as if the snapshot had not been taken.
    Under a crowd this keeps each writer's turn short, and the queue behind it with it. Where writers do not take
    turns (PostgreSQL), the snapshot would only add a round trip: `record` runs in one transaction."""
    if not db.single_writer:
        with db.session() as session:
            return record(session, team_id, touchpoint_id, user_id, texts, now, tz, readings, judged)
    with db.reading() as session:
        read = _read(session, team_id, touchpoint_id, user_id, texts, readings, now, judged)
    try:
        with db.session() as session:
            return _write(session, read, texts, now, tz, as_read=True)
    except (_Moved, IntegrityError):
        with db.session() as session:
            return record(session, team_id, touchpoint_id, user_id, texts, now, tz, readings, judged)


class _Moved(Exception):
    """The touchpoint changed between the snapshot an answer was checked against and its write."""


@dataclass(frozen=True)
class _Read:
    team_id: str
    user_id: str
    touchpoint: touchpoints.OwnedTouchpoint
    initiative: InitiativeInfo
    stakeholder: touchpoints.Owner
    asked: tuple[measures.MeasureRow, ...]
    given: dict[int, tuple[str, float | None]]  # measure id -> (status, value)
    previous: dict[str, str]  # question -> latest answer text
    versions: dict[str, int]  # question -> latest answer version
    correcting: bool = False
    before: dict[str, str] | None = None  # correcting: the latest answers before this touchpoint's, for its shifts
    given_before: dict[int, tuple[str, float | None]] | None = None  # correcting: the readings it gave
    judged: str | None = None  # the stakeholder's judgement of their revised impact statement, when asked
    judged_before: str | None = None  # correcting: the one this touchpoint's answers gave


def _read(
    session: Session,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    texts: Mapping[str, str],
    readings: Mapping[int, tuple[str, str]] | None,
    now: datetime | None = None,
    judged: str | None = None,
) -> _Read:
    """What the answers are checked against; FormInvalid or TouchpointClosed if they cannot be taken."""
    touchpoint, initiative, stakeholder = touchpoints.owned(
        session, team_id, touchpoint_id, user_id, revisable_kickoff=True, correctable_at=now
    )
    errors = validate(touchpoint.kind, texts)
    asked = _readings_asked(session, touchpoint.kind, initiative.id, stakeholder.id)
    given, reading_errors = measures.validate_readings(asked, readings or {})
    errors.update(reading_errors)
    latest = answer_rows.latest_answers(session, initiative.id, stakeholder.id)
    previous = {q: a.text for q, a in latest.items()}
    versions = {q: a.version for q, a in latest.items()}
    correcting = _correcting(touchpoint)
    if correcting:  # its shifts are found against what was said before this touchpoint
        before = answer_rows.latest_answers_before(session, initiative.id, stakeholder.id, touchpoint.id)
        compared = {q: a.text for q, a in before.items()}
    else:
        compared = previous
    decided = None
    try:
        decided = judgement.decide(judged, compared.get(Question.IMPACT), (texts.get(Question.IMPACT) or "").strip())
    except FormInvalid as exc:
        errors.update(exc.errors)
    if errors:
        raise FormInvalid(errors)
    read = _Read(
        team_id, user_id, touchpoint, initiative, stakeholder, asked, given, previous, versions, judged=decided
    )
    if not correcting:
        return read
    return dataclasses.replace(
        read,
        correcting=True,
        before=compared,
        given_before=measure_rows.readings_of_touchpoint(session, touchpoint.id),
        judged_before=judgement.given_here(latest.get(Question.IMPACT), touchpoint.id),
    )


def _write(
    session: Session, read: _Read, texts: Mapping[str, str], now: datetime, tz: str, *, as_read: bool = False
) -> RecordedAnswers | None:
    team_id, user_id, touchpoint, initiative, stakeholder = (
        read.team_id,
        read.user_id,
        read.touchpoint,
        read.initiative,
        read.stakeholder,
    )
    asked, given, previous = read.asked, read.given, read.previous
    clean: dict[str, str] = {q: (texts.get(q) or "").strip() for q in FORMS[touchpoint.kind]}
    clean = {q: t for q, t in clean.items() if t}
    to_store = {
        q: t
        for q, t in clean.items()
        if touchpoint.kind == TouchpointKind.KICKOFF
        or (q not in REVISABLE and not read.correcting)
        or previous.get(q) != t
    }
    if read.correcting:
        # A correction versions only what it changes; one that changes nothing (a retried submission) is no answer.
        given = {m: v for m, v in given.items() if (read.given_before or {}).get(m) != v}
        rejudged = read.judged is not None and read.judged != read.judged_before
        if not to_store and not given and not rejudged:
            return None
    if as_read:
        if not touchpoint_rows.answer_touchpoint_as_read(session, touchpoint.id, touchpoint.status, now):
            raise _Moved()
    else:
        touchpoint_rows.mark_touchpoint_answered(session, touchpoint.id, now)
    added = answer_rows.add_answer_versions(
        session,
        team_id=team_id,
        initiative_id=initiative.id,
        stakeholder_id=stakeholder.id,
        touchpoint_id=touchpoint.id,
        texts=to_store,
        now=now,
        versions=read.versions,
        judgements={Question.IMPACT: read.judged} if read.judged else None,
    )
    if read.judged and Question.IMPACT not in added:  # a correction of their word alone, the words kept
        answer_rows.judge_answer(session, initiative.id, stakeholder.id, Question.IMPACT, read.versions, read.judged)
    read_on = now.astimezone(ZoneInfo(tz)).date()
    measure_rows.add_readings(
        session,
        [
            {
                "team_id": team_id,
                "measure_id": measure_id,
                "touchpoint_id": touchpoint.id,
                "status": status,
                "value": value,
                "read_on": read_on,
                "given_by": user_id,
                "recorded_at": now,
            }
            for measure_id, (status, value) in given.items()
        ],
    )
    rating = next((int(clean[q]) for q in shift_rules.RATED if q in clean), None)
    standing_rows.note_answered(
        session,
        initiative.id,
        stakeholder.id,
        has_impact=Question.IMPACT in clean,
        has_tracking=Question.TRACKING in clean,
        rating=rating,
        now=now,
    )
    # A kickoff's first answers are the baseline; revising them later (from the DM or the Home's "Revise") is a change
    # of what the stakeholder wants like any other, and is checked for shifts the same way. A correction is compared
    # with what was said before that touchpoint, not with the answer it corrects.
    compared_with = read.before if read.before is not None else previous
    revising_kickoff = touchpoint.kind == TouchpointKind.KICKOFF and bool(previous)
    recheck = touchpoint.kind in RECURRING_KINDS or revising_kickoff
    detected = shift_rules.detect(clean, compared_with, read.judged) if recheck else []
    shifts.record(
        session,
        correcting=read.correcting,
        team_id=team_id,
        initiative=initiative,
        stakeholder_id=stakeholder.id,
        touchpoint_id=touchpoint.id,
        detected=detected,
        now=now,
        tz=tz,
    )
    recorded = RecordedAnswers(
        touchpoint_id=touchpoint.id,
        kind=touchpoint.kind,
        initiative_name=initiative.name,
        business_goal=initiative.business_goal,
        description=initiative.description,
        opened_by=initiative.created_by,
        user_id=user_id,
        summary_channel_id=initiative.summary_channel_id,
        dm_channel_id=touchpoint.channel_id,
        dm_ts=touchpoint.message_ts,
        texts=clean,
        revised=frozenset(q for q in REVISABLE if q in added and q in previous and previous[q] != added[q].text),
        version=max((a.version for a in added.values()), default=1),
        answered_at=now,
        previous=previous,
        shifts=len(detected),
        readings=tuple((m.name, *given[m.id]) for m in asked if m.id in given),
        correction=read.correcting,
        judged=read.judged,
        judge_said=judgement.beside(read.judged, compared_with, clean),
    )
    # The Slack side goes in the same transaction, claimed by the caller: a crash after the commit loses nothing.
    post_id = answer_post_rows.add_answer_post(
        session,
        {
            "team_id": team_id,
            "touchpoint_id": touchpoint.id,
            "channel_id": initiative.summary_channel_id,
            "payload": _to_json(recorded),
            "status": PostStatus.SENDING,
            "created_at": now,
            "claimed_at": now,
            "attempts": 1,
            "dm_done": False,
        },
    )
    return dataclasses.replace(recorded, post_id=post_id)


def _to_json(recorded: RecordedAnswers) -> str:
    data = dataclasses.asdict(recorded)
    data["revised"] = sorted(recorded.revised)
    data["answered_at"] = recorded.answered_at.isoformat()
    del data["post_id"]
    return json.dumps(data, ensure_ascii=False)
