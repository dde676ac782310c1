"""The workbook's sheets of the L&D team's own records: the shifts it read into answers and their follow-ups, the
change log, the plans' sign-offs and the calibration sessions. A stakeholder's own export has them empty (their words
only); the sheets of what stakeholders gave are bot.services.export_sheets'."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime

from bot.services import calibration_sessions, signoffs, team_settings
from bot.services.export_sheets import Reading, Sheet
from bot.services.followups import OUTCOMES
from storage import exporting as rows
from storage.models import ShiftRule


def shifts_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Shifts",
        (
            "Initiative",
            "Stakeholder",
            "Slack user ID",
            f"Detected ({r.tz})",
            "Rule",
            "Question",
            "Strength",
            "Before",
            "After",
            "Evidence",
            "Followed up by",
            f"Followed up ({r.tz})",
            "Judged by",
            "Status",
            f"Withdrawn ({r.tz})",
            "Outcome",
            "Outcome note",
            "Outcome recorded by",
            f"Outcome recorded ({r.tz})",
        ),
        (34, 24, 14, 18, 18, 18, 9, 50, 50, 50, 14, 18, 18, 12, 18, 36, 50, 14, 18),
        (
            (
                name,
                who,
                user_id,
                r.local(at),
                rule.replace("_", " "),
                question.replace("_", " "),
                strength,
                before,
                after,
                evidence,
                by or "",
                r.local(by_at),
                _judged_by(rule, judged),
                _shift_status(withdrawn_at, by, outcome),
                r.local(withdrawn_at),
                OUTCOMES.get(outcome, outcome) if outcome else "",
                note or "",
                recorded_by or "",
                r.local(recorded_at),
            )
            for (
                name,
                who,
                user_id,
                at,
                rule,
                question,
                strength,
                before,
                after,
                evidence,
                by,
                by_at,
                judged,
                outcome,
                note,
                recorded_by,
                recorded_at,
                withdrawn_at,
            ) in (rows.shifts(*r.args) if r.mine is None else ())
        ),
        wrap=frozenset({7, 8, 9, 16}),
    )


def changes_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Changes",
        ("Initiative", f"When ({r.tz})", "By", "Change", "What"),
        (34, 18, 14, 20, 80),
        ((name, r.local(at), by, kind, text) for name, at, by, kind, text in (_changes(r) if r.mine is None else ())),
        wrap=frozenset({4}),
    )


def signoffs_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Sign-off",
        (
            "Initiative",
            "Stakeholder",
            "Slack user ID",
            "Plan version",
            "Must sign",
            f"Asked ({r.tz})",
            f"Sent ({r.tz})",
            "Status",
            "Something's off",
            f"Answered ({r.tz})",
            "What I will do to help",
        ),
        (34, 24, 14, 12, 10, 18, 18, 22, 50, 18, 50),
        (
            (
                name,
                person.display_name,
                person.user_id,
                version,
                "yes" if s.must_sign else "for information",
                r.local(s.created_at),
                r.local(s.posted_at),
                signoffs.STATE_NAMES[signoffs.state_of(s)] + (f" ({s.last_error})" if s.last_error else ""),
                s.comment,
                r.local(s.answered_at),
                s.commitment,
            )
            for name, person, version, s in (rows.signoffs(*r.args) if r.mine is None else ())
        ),
        wrap=frozenset({8, 10}),
    )


def calibration_sheet(r: Reading) -> Sheet:
    """Every calibration session recorded (none in a stakeholder's own export: the sessions are the L&D team's)."""
    records = calibration_sessions.team_records(r.session, r.team_id) if r.mine is None else []
    wanted = set(r.initiative_ids) if r.initiative_ids is not None else None
    return Sheet(
        "Calibration",
        (
            "Initiative",
            "Held on",
            "Who took part",
            "What “good” looks like",
            "Changes to the measures or the plan",
            "Recorded by",
            f"Outcome sent to stakeholders ({r.tz})",
        ),
        (34, 12, 40, 60, 60, 14, 18),
        (
            (
                held.initiative_name,
                held.held_on,
                ", ".join(held.participant_ids),
                held.agreed,
                held.changes,
                held.recorded_by,
                r.local(held.outcome_sent_at),
            )
            for held in records
            if wanted is None or held.initiative_id in wanted
        ),
        wrap=frozenset({3, 4}),
    )


TEAM_CHANGES = "(team settings)"  # the Changes sheet's "initiative" for a change to the team's settings


def _changes(r: Reading) -> Iterator[tuple[str, datetime, str, str, str]]:
    """The change log, oldest first: every change to the initiatives in scope and, in a whole team's workbook, to
    the team's settings (the Team settings modal and the digest's settings), which are kept on their own record."""
    initiatives = (
        (name, c.changed_at, c.changed_by, c.kind.replace("_", " "), c.text)
        for name, c in rows.changes(r.session, r.team_id, r.initiative_ids)
    )
    team = [
        (TEAM_CHANGES, c.changed_at, c.changed_by, "team settings", team_settings.describe(c.changes))
        for c in (team_settings.history(r.session, r.team_id) if r.initiative_ids is None else [])
    ]
    return heapq.merge(initiatives, team, key=lambda row: row[1])


def _shift_status(withdrawn_at: datetime | None, followed_up_by: str | None, outcome: str | None) -> str:
    """A withdrawn shift (its answers were corrected and no longer show it) is kept on record, marked as such; one
    whose follow-up has an outcome is closed."""
    if withdrawn_at is not None:
        return "withdrawn"
    if outcome:
        return "closed"
    return "followed up" if followed_up_by else "open"


def _judged_by(rule: str, judged: str | None) -> str:
    """Who decided a shift was one: the stakeholder's own word, their rating, or the wording judge's comparison."""
    if judged or rule == ShiftRule.SAID_SHIFTED:
        return "the stakeholder"
    return "their rating" if rule == ShiftRule.RATING_DROP else "the wording judge"
