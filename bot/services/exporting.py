"""What goes into the workbook: every sheet's rows, and the plan of each initiative (made in export_plan).

Sheet rows are streamed from the database (storage.exporting), so the writer never holds a whole sheet; the plan is
read in a fixed number of queries for all initiatives together.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.errors import NotAllowed, UserError
from bot.ids import COMMAND
from bot.services import (
    business_calendar,
    calibration_sessions,
    export_plan,
    judgement,
    measures,
    signoffs,
    team_settings,
)
from bot.services.answer_forms import QUESTIONS
from bot.services.export_plan import PlanBlock
from bot.services.followups import OUTCOMES
from bot.services.initiatives import by_name
from bot.services.measures import MeasureRow
from bot.services.stakeholder_map import sheet_cells
from storage import exporting as rows
from storage.models import Question, ShiftRule, saved_id
from storage.repositories import stakeholders as stakeholder_rows

# The two sheets an import reads back, in this layout.
INITIATIVE_COLUMNS = ("Name", "Business goal", "Description", "Summary channel", "Owner", "Active")
STAKEHOLDER_COLUMNS = ("Initiative", "Slack user ID", "Name", "Time zone", "Paused until")


@dataclass(frozen=True)
class Scope:
    """What to export: the team's initiatives (or one), and for a stakeholder's own export, only their words (their
    answers, touchpoints and readings; not the L&D team's plan, nor the shifts it read into them)."""

    team_id: str
    initiative_ids: list[int] | None = None  # None: every initiative of the team
    stakeholder_id: int | None = None
    title: str = "All initiatives"


def scope_for(session: Session, team_id: str, what: str, user_id: str, *, is_ld_member: bool) -> Scope:
    """The scope `/touchpoint export [initiative | mine]` asks for, if this person may have it."""
    what = what.strip()
    if what.casefold() == "mine":
        stakeholder = stakeholder_rows.stakeholder_by_user(session, team_id, user_id)
        if stakeholder is None:
            raise UserError("You are not a stakeholder of any initiative yet, so there is nothing of yours to export.")
        return Scope(team_id, None, stakeholder.id, title="Your answers")
    if not is_ld_member:
        raise NotAllowed(
            f"Only L&D members can export initiatives. `{COMMAND} export mine` gives you your own answers."
        )
    if what:
        initiative = by_name(session, team_id, what)
        return Scope(team_id, [initiative.id], title=initiative.name)
    return Scope(team_id)


@dataclass
class Sheet:
    """A sheet's header, column kinds, widths and rows (streamed)."""

    title: str
    header: tuple[str, ...]
    widths: tuple[int, ...]
    rows: Iterable[tuple]
    wrap: frozenset[int] = frozenset()  # columns holding long text


@dataclass
class ExportData:
    title: str
    generated_at: datetime  # naive, in the team's zone
    tz: str
    plan: list[PlanBlock]
    sheets: list[Sheet]
    responses: list[tuple[str, int, int]]  # (month, sent, answered)
    series: list[tuple[MeasureRow, list[tuple[date, float]]]] = field(default_factory=list)


def _calibration_sheet(
    session: Session | None, scope: Scope, local: Callable[[datetime | None], datetime | None], tz: str
) -> Sheet:
    """Every calibration session recorded (none in a stakeholder's own export: the sessions are the L&D team's)."""
    records = calibration_sessions.team_records(session, scope.team_id) if session is not None else []
    wanted = set(scope.initiative_ids) if scope.initiative_ids is not None else None
    return Sheet(
        "Calibration",
        (
            "Initiative",
            "Held on",
            "Who took part",
            "What “good” looks like",
            "Changes to the measures or the plan",
            "Recorded by",
            f"Outcome sent to stakeholders ({tz})",
        ),
        (34, 12, 40, 60, 60, 14, 18),
        (
            (
                r.initiative_name,
                r.held_on,
                ", ".join(r.participant_ids),
                r.agreed,
                r.changes,
                r.recorded_by,
                local(r.outcome_sent_at),
            )
            for r in records
            if wanted is None or r.initiative_id in wanted
        ),
        wrap=frozenset({3, 4}),
    )


def collect(session: Session, scope: Scope, now: datetime, tz: str) -> ExportData:
    zone = ZoneInfo(tz)

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    args = (session, scope.team_id, scope.initiative_ids)
    mine = scope.stakeholder_id
    initiatives = rows.initiatives(*args)
    if mine is not None:  # only the initiatives they are a stakeholder of
        theirs = {name for name, _, _, _ in rows.pairs(*args, mine)}
        initiatives = [i for i in initiatives if i.name in theirs]
    agreed = measures.rows_of(session, [saved_id(i) for i in initiatives]) if mine is None else {}
    plan = (
        export_plan.plan_blocks(session, scope.team_id, scope.initiative_ids, initiatives, agreed, now)
        if mine is None
        else []
    )
    series = _series(session, scope, agreed) if mine is None else []
    question_label = {
        **{q.value: t for q, t in QUESTIONS.items()},
        **{q.value: q.value.replace("_", " ") for q in Question if q not in QUESTIONS},
    }
    sheets = [
        Sheet(
            "Initiatives",
            INITIATIVE_COLUMNS,
            (34, 50, 60, 18, 14, 8),
            [
                (i.name, i.business_goal, i.description, i.summary_channel_id, i.created_by, i.active)
                for i in initiatives
            ],
            wrap=frozenset({1, 2}),
        ),
        Sheet(
            "Stakeholders",
            # an import reads the columns before "Removed on"
            (*STAKEHOLDER_COLUMNS, "Removed on", "Influence", "Interest", "Quadrant", "Touchpoints"),
            (34, 14, 24, 22, 14, 14, 10, 10, 16, 22),
            (
                (
                    name,
                    s.user_id,
                    s.display_name,
                    s.tz or "",
                    s.paused_until,
                    local(removed),
                    *(sheet_cells(pair) if mine is None else ("", "", "", "")),  # the L&D team's view, not theirs
                )
                for name, s, removed, pair in rows.pairs(*args, mine)
            ),
        ),
        Sheet(
            "Touchpoints",
            (
                "Initiative",
                "Stakeholder",
                "Slack user ID",
                "Kind",
                "Period",
                "Status",
                f"Due ({tz})",
                f"Sent ({tz})",
                f"Answered ({tz})",
            ),
            (34, 24, 14, 10, 10, 10, 18, 18, 18),
            (
                (name, who, user_id, kind, period, status, local(due), local(sent), local(answered))
                for name, who, user_id, kind, period, status, due, sent, answered in rows.touchpoints(*args, mine)
            ),
        ),
        Sheet(
            "Answers",
            (
                "Initiative",
                "Stakeholder",
                "Slack user ID",
                "Question",
                "Version",
                "Answer",
                f"Answered ({tz})",
                "Their word on the revision",
            ),
            (34, 24, 14, 28, 8, 80, 18, 26),
            (
                (
                    name,
                    who,
                    user_id,
                    question_label.get(q, q),
                    version,
                    text,
                    local(at),
                    judgement.OPTIONS.get(j or "", ""),
                )
                for name, who, user_id, q, version, text, at, _, j in rows.answers(*args, mine)
            ),
            wrap=frozenset({5}),
        ),
        Sheet(
            "Measures",
            (
                "Initiative",
                "Measure",
                "Owner",
                "Where it lives",
                "Unit",
                "Direction",
                "Baseline",
                "Baseline date",
                "Target",
                "Target date",
                "Status",
                "Agreed by its owner",
                "Agreed on",
            ),
            (34, 34, 24, 24, 10, 10, 10, 13, 10, 13, 9, 30, 18),
            [
                (
                    name,
                    m.name,
                    who or user_id,
                    m.source,
                    m.unit,
                    m.direction,
                    m.baseline,
                    m.baseline_on,
                    m.target,
                    m.target_on,
                    "active" if m.active else "retired",
                    f"agreed by {who or user_id}" if m.agreed_at else f"waiting for {who or user_id}",
                    local(m.agreed_at),
                )
                for name, m, who, user_id in rows.measures(*args, mine)
            ],
        ),
        Sheet(
            "Readings",
            ("Initiative", "Measure", "Date", "Status", "Value", "Given by"),
            (34, 34, 12, 11, 10, 14),
            (
                (name, measure_name, read_on, status.replace("_", " "), value, given_by)
                for name, _, measure_name, read_on, status, value, given_by in rows.readings(*args, mine)
            ),
        ),
        Sheet(
            "Shifts",
            (
                "Initiative",
                "Stakeholder",
                "Slack user ID",
                f"Detected ({tz})",
                "Rule",
                "Question",
                "Strength",
                "Before",
                "After",
                "Evidence",
                "Followed up by",
                f"Followed up ({tz})",
                "Judged by",
                "Status",
                f"Withdrawn ({tz})",
                "Outcome",
                "Outcome note",
                "Outcome recorded by",
                f"Outcome recorded ({tz})",
            ),
            (34, 24, 14, 18, 18, 18, 9, 50, 50, 50, 14, 18, 18, 12, 18, 36, 50, 14, 18),
            (
                (
                    name,
                    who,
                    user_id,
                    local(at),
                    rule.replace("_", " "),
                    question.replace("_", " "),
                    strength,
                    before,
                    after,
                    evidence,
                    by or "",
                    local(by_at),
                    _judged_by(rule, judged),
                    _shift_status(withdrawn_at, by, outcome),
                    local(withdrawn_at),
                    OUTCOMES.get(outcome, outcome) if outcome else "",
                    note or "",
                    recorded_by or "",
                    local(recorded_at),
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
                ) in (rows.shifts(*args) if mine is None else ())
            ),
            wrap=frozenset({7, 8, 9, 16}),
        ),
        Sheet(
            "Business calendar",
            (
                "Stakeholder",
                "Slack user ID",
                "Financial year from",
                "Initiatives",
                "What matters most next year",
                "Busiest weeks",
                "Busiest weeks, in their words",
                f"Answered ({tz})",
            ),
            (24, 14, 12, 40, 60, 40, 50, 18),
            [
                (
                    a.name,
                    a.user_id,
                    a.year_start,
                    ", ".join(a.initiative_names),
                    a.matters_most,
                    "; ".join(f"{start.isoformat()} to {end.isoformat()}" for start, end in a.busy_ranges),
                    a.busy_text,
                    local(a.given_at),
                )
                for a in business_calendar.answers(
                    session, scope.team_id, initiative_ids=scope.initiative_ids, stakeholder_id=mine
                )
            ],
            wrap=frozenset({3, 4, 6}),
        ),
        Sheet(
            "Changes",
            ("Initiative", f"When ({tz})", "By", "Change", "What"),
            (34, 18, 14, 20, 80),
            (
                (name, local(at), by, kind, text)
                for name, at, by, kind, text in (_changes(session, scope) if mine is None else ())
            ),
            wrap=frozenset({4}),
        ),
        Sheet(
            "Sign-off",
            (
                "Initiative",
                "Stakeholder",
                "Slack user ID",
                "Plan version",
                "Must sign",
                f"Asked ({tz})",
                f"Sent ({tz})",
                "Status",
                "Something's off",
                f"Answered ({tz})",
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
                    local(s.created_at),
                    local(s.posted_at),
                    signoffs.STATE_NAMES[signoffs.state_of(s)] + (f" ({s.last_error})" if s.last_error else ""),
                    s.comment,
                    local(s.answered_at),
                    s.commitment,
                )
                for name, person, version, s in (rows.signoffs(*args) if mine is None else ())
            ),
            wrap=frozenset({8, 10}),
        ),
        _calibration_sheet(session if mine is None else None, scope, local, tz),
    ]
    return ExportData(
        scope.title,
        now.astimezone(zone).replace(tzinfo=None),
        tz,
        plan,
        sheets,
        rows.responses_by_month(*args, mine),
        series,
    )


TEAM_CHANGES = "(team settings)"  # the Changes sheet's "initiative" for a change to the team's settings


def _changes(session: Session, scope: Scope) -> Iterator[tuple[str, datetime, str, str, str]]:
    """The change log, oldest first: every change to the initiatives in scope and, in a whole team's workbook, to
    the team's settings (the Team settings modal and the digest's settings), which are kept on their own record."""
    initiatives = (
        (name, c.changed_at, c.changed_by, c.kind.replace("_", " "), c.text)
        for name, c in rows.changes(session, scope.team_id, scope.initiative_ids)
    )
    team = [
        (TEAM_CHANGES, c.changed_at, c.changed_by, "team settings", team_settings.describe(c.changes))
        for c in (team_settings.history(session, scope.team_id) if scope.initiative_ids is None else [])
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


SERIES_MAX = 50  # measures charted; the Readings sheet holds every reading of every measure


def _series(session: Session, scope: Scope, agreed: dict[int, list[MeasureRow]]) -> list[tuple[MeasureRow, list]]:
    """The readings of the first SERIES_MAX measures that have any, for charting against baseline and target."""
    by_id = {m.id: m for ms in agreed.values() for m in ms}
    found: dict[int, list[tuple[date, float]]] = {}
    for _, measure_id, _, read_on, _, value, _ in rows.readings(session, scope.team_id, scope.initiative_ids):
        if value is not None and measure_id in by_id and (measure_id in found or len(found) < SERIES_MAX):
            found.setdefault(measure_id, []).append((read_on, value))
    return [(by_id[measure_id], points) for measure_id, points in found.items()]


def _judged_by(rule: str, judged: str | None) -> str:
    """Who decided a shift was one: the stakeholder's own word, their rating, or the wording judge's comparison."""
    if judged or rule == ShiftRule.SAID_SHIFTED:
        return "the stakeholder"
    return "their rating" if rule == ShiftRule.RATING_DROP else "the wording judge"
