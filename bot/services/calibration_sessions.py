"""Calibration sessions as the owner records them, and their outcome to each stakeholder: the record modal's form
and its checks, the session stored, what the workbook and the next review's form recall of it, and the outcome's DMs
(queued once per stakeholder, then claimed and marked sent or failed). The packs that come before a session are
bot.services.calibration's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from storage.models import CalibrationSession, Initiative, PostStatus, saved_id
from storage.repositories import calibration as rows

# Calibration's DMs, packs and outcomes alike: a DM Slack refused this many times is given up on; claimed this many
# at a time.
ATTEMPTS_MAX = 5
BATCH = 50
TEXT_MAX = 3000
PARTICIPANTS_MAX = 50
YEARS_BACK = 1  # how far back a session's date may be


# Recording a session


@dataclass(frozen=True)
class SessionRecord:
    session_id: int
    initiative_id: int
    initiative_name: str
    held_on: date
    participant_ids: tuple[str, ...]
    agreed: str
    changes: str
    recorded_by: str
    outcome_sent_at: datetime | None


@dataclass(frozen=True)
class SessionForm:
    held_on: str
    participant_ids: tuple[str, ...]
    agreed: str
    changes: str


@dataclass(frozen=True)
class RecordForm:
    """What the record modal opens with."""

    initiative_id: int
    initiative_name: str
    today: date
    participant_ids: tuple[str, ...]  # the initiative's active stakeholders and its owner


def _initiative(session: Session, team_id: str, initiative_id: int | None) -> Initiative:
    initiative = session.get(Initiative, initiative_id) if initiative_id is not None else None
    if initiative is None or initiative.team_id != team_id:
        raise UserError("I can't find that initiative any more.")
    return initiative


def _open_initiative(session: Session, team_id: str, initiative_id: int | None) -> Initiative:
    initiative = _initiative(session, team_id, initiative_id)
    if not initiative.active:
        raise UserError(f"{initiative.name} is closed: reopen it to record a calibration session.")
    return initiative


def record_form(session: Session, team_id: str, initiative_id: int | None, today: date) -> RecordForm:
    initiative = _open_initiative(session, team_id, initiative_id)
    people = [s.user_id for s in rows.active_stakeholders(session, saved_id(initiative))]
    return RecordForm(
        saved_id(initiative), initiative.name, today, tuple(dict.fromkeys([initiative.created_by, *people]))
    )


def checked(form: SessionForm, today: date) -> tuple[date, tuple[str, ...], str, str]:
    """The form's values, or FormInvalid with a message under each field that needs fixing."""
    errors: dict[str, str] = {}
    held_on = None
    try:
        held_on = date.fromisoformat(form.held_on.strip())
    except ValueError:
        errors[Block.CALIBRATION_DATE] = "Choose the day the session took place."
    if held_on is not None and held_on > today + timedelta(days=1):
        errors[Block.CALIBRATION_DATE] = "That day is still to come: record the session once it has taken place."
    elif held_on is not None and held_on < today - timedelta(days=366 * YEARS_BACK):
        errors[Block.CALIBRATION_DATE] = "Choose a day within the past year."
    people = tuple(dict.fromkeys(p for p in form.participant_ids if p))
    if not people:
        errors[Block.CALIBRATION_PEOPLE] = "Choose who took part (at least one person)."
    elif len(people) > PARTICIPANTS_MAX:
        errors[Block.CALIBRATION_PEOPLE] = f"Choose up to {PARTICIPANTS_MAX} people (you chose {len(people)})."
    agreed, changes = form.agreed.strip(), form.changes.strip()
    if not agreed:
        errors[Block.CALIBRATION_AGREED] = "Say what you agreed “good” looks like, in a sentence or two."
    elif len(agreed) > TEXT_MAX:
        errors[Block.CALIBRATION_AGREED] = f"Keep it to {TEXT_MAX} characters (it has {len(agreed)})."
    if len(changes) > TEXT_MAX:
        errors[Block.CALIBRATION_CHANGES] = f"Keep it to {TEXT_MAX} characters (it has {len(changes)})."
    if errors:
        raise FormInvalid(errors)
    assert held_on is not None
    return held_on, people, agreed, changes


def record(
    session: Session, team_id: str, initiative_id: int | None, user_id: str, form: SessionForm, now: datetime
) -> SessionRecord:
    initiative = _open_initiative(session, team_id, initiative_id)
    held_on, people, agreed, changes = checked(form, now.date())
    session_id = rows.add_session(
        session,
        CalibrationSession(
            team_id=team_id,
            initiative_id=saved_id(initiative),
            held_on=held_on,
            participants=",".join(people),
            agreed=agreed,
            changes=changes,
            recorded_by=user_id,
            recorded_at=now,
        ),
    )
    return _record_of(session, team_id, session_id)


def _record(row: CalibrationSession, name: str) -> SessionRecord:
    return SessionRecord(
        saved_id(row),
        row.initiative_id,
        name,
        row.held_on,
        tuple(p for p in row.participants.split(",") if p),
        row.agreed,
        row.changes,
        row.recorded_by,
        row.outcome_sent_at,
    )


def _record_of(session: Session, team_id: str, session_id: int) -> SessionRecord:
    found = rows.session_by_id(session, team_id, session_id)
    if found is None:
        raise UserError("I can't find that calibration session any more.")
    row, initiative = found
    return _record(row, initiative.name)


def last_session(session: Session, initiative: Initiative) -> SessionRecord | None:
    held = rows.sessions_of(session, [saved_id(initiative)])
    return _record(held[-1], initiative.name) if held else None


def last_agreed(session: Session, initiative_id: int) -> SessionRecord | None:
    """What the next review's form recalls: the latest session of the initiative, if any."""
    initiative = session.get(Initiative, initiative_id)
    return last_session(session, initiative) if initiative is not None else None


def team_records(session: Session, team_id: str) -> list[SessionRecord]:
    """Every session of the team, by initiative then date: the workbook's Calibration sheet."""
    return [_record(row, name) for row, name in rows.team_sessions(session, team_id)]


# The outcome, to each stakeholder


def send_outcome(
    session: Session, team_id: str, session_id: int | None, user_id: str, now: datetime
) -> tuple[SessionRecord, int]:
    """A DM of the agreed outcome queued for each active stakeholder, once each: a second click adds none. Returns
    the session and how many DMs were new."""
    if session_id is None:
        raise UserError("I can't find that calibration session any more.")
    record_ = _record_of(session, team_id, session_id)
    people = rows.active_stakeholders(session, record_.initiative_id)
    if not people:
        raise UserError(f"{record_.initiative_name} has no active stakeholders to tell.")
    if record_.outcome_sent_at is None:
        rows.set_session(session, session_id, {"outcome_sent_by": user_id, "outcome_sent_at": now})
    new = rows.add_outcomes(
        session,
        [
            {
                "team_id": team_id,
                "session_id": session_id,
                "stakeholder_id": saved_id(p),
                "to_user_id": p.user_id,
                "due_at": now,
                "status": PostStatus.PENDING,
                "attempts": 0,
            }
            for p in people
        ],
    )
    return _record_of(session, team_id, session_id), new


@dataclass(frozen=True)
class OutcomeDm:
    outcome_id: int
    to_user_id: str
    channel_id: str | None
    attempts: int
    queued_at: datetime
    record: SessionRecord


def claim_outcomes(session: Session, now: datetime, lease: timedelta, session_id: int | None = None) -> list[OutcomeDm]:
    return [
        OutcomeDm(saved_id(o), o.to_user_id, o.channel_id, o.attempts, o.due_at, _record(s, i.name))
        for o, s, i in rows.claim_outcomes(session, now, now - lease, BATCH, session_id)
    ]


def outcome_sent(session: Session, dm: OutcomeDm, channel_id: str, ts: str, now: datetime) -> None:
    values = {"status": PostStatus.POSTED, "channel_id": channel_id, "message_ts": ts, "sent_at": now}
    rows.set_outcome(session, dm.outcome_id, values | {"last_error": None})


def outcome_failed(session: Session, dm: OutcomeDm, error: str, *, final: bool) -> None:
    status = PostStatus.FAILED if final or dm.attempts >= ATTEMPTS_MAX else PostStatus.PENDING
    rows.set_outcome(session, dm.outcome_id, {"status": status, "last_error": error[:500]})
