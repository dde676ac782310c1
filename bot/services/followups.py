"""Follow-ups that end in a decision: once an L&D member has taken the follow-up of a stakeholder's priority shifts,
they record how the conversation ended (plan adjusted, no change needed, initiative to rethink) with a note. That
closes the shifts; recording again keeps the newest outcome and every earlier one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services import shifts
from bot.services.shifts import PersonShifts, SummaryView
from storage.models import Outcome
from storage.repositories import shifts as shift_rows

OUTCOMES: dict[str, str] = {
    Outcome.PLAN_ADJUSTED: "Talked it through: plan adjusted",
    Outcome.NO_CHANGE: "Talked it through: no change needed",
    Outcome.RETHINK: "Talked it through: initiative to rethink",
}
NOTE_MAX = 500  # what the summary message can quote beside every shift of the person


@dataclass(frozen=True)
class OutcomeForm:
    """What the outcome modal shows: whose shifts, in which initiative, and the outcome recorded so far."""

    summary_id: int
    initiative_name: str
    person: PersonShifts
    upto: int  # the newest of the shifts shown: the outcome closes those, not one that arrives meanwhile


def _person(view: SummaryView, stakeholder_id: int) -> PersonShifts:
    people = [p for p in view.people if p.stakeholder_id == stakeholder_id]
    if not people:
        raise UserError("I can't find those shifts any more (a corrected answer may have withdrawn them).")
    # One stakeholder's shifts from two touchpoints of the day are one follow-up: the modal shows them together.
    lines = tuple(line for p in people for line in p.lines)
    taken = next((p for p in people if p.followed_up_by), people[0])
    outcome = people[0].outcome if all(p.outcome for p in people) else None  # one follow-up: one latest outcome
    return PersonShifts(
        stakeholder_id,
        people[0].user_id,
        people[0].kind,
        lines,
        taken.followed_up_by,
        taken.followed_up_at,
        outcome,
    )


def _follow_up(
    session: Session, team_id: str, summary_id: int, stakeholder_id: int
) -> tuple[SummaryView, PersonShifts]:
    found = shifts.views(session, [summary_id])
    if not found or found[0].team_id != team_id:
        raise UserError("I can't find those shifts any more.")
    person = _person(found[0], stakeholder_id)
    if person.followed_up_by is None:
        raise UserError("Take the follow-up first (the Follow up button), then record how it ended.")
    return found[0], person


def form(session: Session, team_id: str, summary_id: int, stakeholder_id: int) -> OutcomeForm:
    view, person = _follow_up(session, team_id, summary_id, stakeholder_id)
    return OutcomeForm(
        summary_id, view.initiative_name, person, shift_rows.latest_shift_id(session, summary_id, stakeholder_id)
    )


def outcome_errors(outcome: str, note: str) -> dict[str, str]:
    """What is wrong with an outcome as submitted, by block id."""
    errors: dict[str, str] = {}
    if outcome not in set(Outcome):
        errors[Block.OUTCOME] = "Pick how the conversation ended."
    if len(note) > NOTE_MAX:
        errors[Block.OUTCOME_NOTE] = f"Keep the note to {NOTE_MAX} characters (it has {len(note)})."
    return errors


def record(
    session: Session,
    team_id: str,
    summary_id: int,
    stakeholder_id: int,
    user_id: str,
    values: Mapping[str, str],
    now: datetime,
    upto: int | None = None,
) -> SummaryView:
    """Record the follow-up's outcome and close its shifts; returns the summary as its message should now show it.
    FormInvalid with every problem; UserError if the follow-up was never taken or its shifts are gone."""
    outcome, note = values.get(Block.OUTCOME, ""), values.get(Block.OUTCOME_NOTE, "").strip()
    errors = outcome_errors(outcome, note)
    if errors:
        raise FormInvalid(errors)
    view, _person_shifts = _follow_up(session, team_id, summary_id, stakeholder_id)
    initiative_id = shift_rows.initiative_of_summary(session, summary_id)
    outcome_id = shift_rows.add_outcome(
        session,
        {
            "team_id": team_id,
            "initiative_id": initiative_id,
            "summary_id": summary_id,
            "stakeholder_id": stakeholder_id,
            "outcome": outcome,
            "note": note,
            "recorded_by": user_id,
            "recorded_at": now,
        },
    )
    shift_rows.close_follow_up(session, team_id, summary_id, stakeholder_id, outcome_id, user_id, now, upto)
    return shifts.views(session, [view.summary_id])[0]
