"""A stakeholder answering a touchpoint: the two alignment questions, a monthly check-in or a quarterly review,
checked and stored as versions with their readings and shifts (what each touchpoint asks is in `answer_forms`; the
post each submission leaves for its summary and DM, in `answer_posts`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.errors import FormInvalid
from bot.services import answer_posts, calibration_sessions, judgement, measures, open_touchpoints, shift_rules, shifts
from bot.services.answer_forms import FORMS, validate
from bot.services.answer_posts import RecordedAnswers
from bot.services.calibration_sessions import SessionRecord
from bot.services.initiatives import InitiativeInfo
from storage.models import (
    RECURRING_KINDS,
    Question,
    TouchpointKind,
    TouchpointStatus,
)
from storage.repositories import answers as answer_rows
from storage.repositories import measures as measure_rows
from storage.repositories import standings as standing_rows
from storage.repositories import touchpoints as touchpoint_rows

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
    calibration: SessionRecord | None = None  # a review: the initiative's last calibration session, recalled


def for_answering(
    session: Session, team_id: str, touchpoint_id: int, user_id: str, now: datetime | None = None
) -> AnswerContext:
    """What the answer modal shows; with `now`, an answered check-in or review still open opens for a correction."""
    touchpoint, initiative, stakeholder = open_touchpoints.owned(
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
        # Pre-selected only where these answers are being corrected: a kickoff's later Revise asks afresh.
        judged=judgement.given_here(current.get(Question.IMPACT), touchpoint.id) if _correcting(touchpoint) else None,
        calibration=calibration_sessions.last_agreed(session, initiative.id)
        if touchpoint.kind == TouchpointKind.REVIEW
        else None,
    )


def _readings_asked(session: Session, kind: str, initiative_id: int, stakeholder_id: int) -> tuple:
    """The measures a check-in or a quarterly review asks its stakeholder to read: the ones they report."""
    return measures.owned(session, initiative_id, stakeholder_id) if kind in RECURRING_KINDS else ()


def _correcting(touchpoint: open_touchpoints.OwnedTouchpoint) -> bool:
    return touchpoint.kind in RECURRING_KINDS and touchpoint.status == TouchpointStatus.ANSWERED


class Moved(Exception):
    """The touchpoint changed between the snapshot an answer was checked against and its write."""


@dataclass(frozen=True)
class AnswerCheck:
    team_id: str
    user_id: str
    touchpoint: open_touchpoints.OwnedTouchpoint
    initiative: InitiativeInfo
    stakeholder: open_touchpoints.Owner
    asked: tuple[measures.MeasureRow, ...]
    given: dict[int, tuple[str, float | None]]  # measure id -> (status, value)
    previous: dict[str, str]  # question -> latest answer text
    versions: dict[str, int]  # question -> latest answer version
    correcting: bool = False
    before: dict[str, str] | None = None  # correcting: the latest answers before this touchpoint's, for its shifts
    given_before: dict[int, tuple[str, float | None]] | None = None  # correcting: the readings it gave
    judged: str | None = None  # the stakeholder's judgement of their revised impact statement, when asked
    judged_before: str | None = None  # correcting: the one this touchpoint's answers gave


def check(
    session: Session,
    team_id: str,
    touchpoint_id: int,
    user_id: str,
    texts: Mapping[str, str],
    readings: Mapping[int, tuple[str, str]] | None,
    now: datetime | None = None,
    judged: str | None = None,
) -> AnswerCheck:
    """What the answers are checked against; FormInvalid or TouchpointClosed if they cannot be taken. `readings` is
    what the form held for each measure: (number typed, "no change"/"don't know" chosen). `judged` is what it held
    for "has what you want changed, or only its wording?" (bot.services.judgement): None when it did not ask, ""
    when it asked and got no answer (refused if the impact statement changed)."""
    touchpoint, initiative, stakeholder = open_touchpoints.owned(
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
    read = AnswerCheck(
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


def write(
    session: Session, read: AnswerCheck, texts: Mapping[str, str], now: datetime, tz: str, *, as_checked: bool = False
) -> RecordedAnswers | None:
    """Store the answers `check` took as next versions, the check-in's readings of the measures they report, mark
    the touchpoint answered and record the priority shifts they reveal (for the summary of `tz`'s day), with the post
    of their summary and DM: one transaction, the caller's. `as_checked`: the check was made in an earlier
    transaction, and Moved says the touchpoint has changed since.

    An answered check-in or review still open takes a correction: only the answers that changed get a new version,
    and its shifts are recomputed. A correction that changes nothing (the same submission again, as a retry
    delivers it) stores nothing and returns None."""
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
    if as_checked:
        if not touchpoint_rows.answer_touchpoint_as_read(session, touchpoint.id, touchpoint.status, now):
            raise Moved()
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
        touchpoint_id=touchpoint.id,
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
    return answer_posts.stage(session, recorded, team_id, now)
