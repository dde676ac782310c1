"""The workbook's sheets of what stakeholders gave, one function each (the initiatives, their stakeholders, the
touchpoints, answers, measures, readings and the business calendar): their titles, columns, widths and rows, streamed
from the database (storage.exporting) so the writer never holds a whole sheet, and what every sheet is read for. The
sheets of the L&D team's own records are bot.services.export_records'; which sheets a workbook has and for whom, its
Plan sheet and its charts, bot.services.exporting's (the plan's content: export_plan)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.services import business_calendar, judgement
from bot.services.answer_forms import QUESTIONS
from bot.services.stakeholder_map import sheet_cells
from storage import exporting as rows
from storage.models import Initiative, Question

# The two sheets an import reads back, in this layout.
INITIATIVE_COLUMNS = ("Name", "Business goal", "Description", "Summary channel", "Owner", "Active")
STAKEHOLDER_COLUMNS = ("Initiative", "Slack user ID", "Name", "Time zone", "Paused until")


@dataclass
class Sheet:
    """A sheet's header, column kinds, widths and rows (streamed)."""

    title: str
    header: tuple[str, ...]
    widths: tuple[int, ...]
    rows: Iterable[tuple]
    wrap: frozenset[int] = frozenset()  # columns holding long text


@dataclass(frozen=True)
class Reading:
    """What every sheet is read for: the team, its initiatives in scope (None: all of them), the stakeholder of their
    own export (their words only: not the L&D team's plan, shifts, changes, sign-offs nor sessions), and the zone
    the sheets show times in."""

    session: Session
    team_id: str
    initiative_ids: list[int] | None
    mine: int | None  # the stakeholder's id in their own export
    tz: str

    @property
    def args(self) -> tuple[Session, str, list[int] | None]:
        return (self.session, self.team_id, self.initiative_ids)

    def local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(ZoneInfo(self.tz)).replace(tzinfo=None) if moment else None


def initiatives_sheet(r: Reading, initiatives: list[Initiative]) -> Sheet:
    return Sheet(
        "Initiatives",
        INITIATIVE_COLUMNS,
        (34, 50, 60, 18, 14, 8),
        [(i.name, i.business_goal, i.description, i.summary_channel_id, i.created_by, i.active) for i in initiatives],
        wrap=frozenset({1, 2}),
    )


def stakeholders_sheet(r: Reading) -> Sheet:
    return Sheet(
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
                r.local(removed),
                *(sheet_cells(pair) if r.mine is None else ("", "", "", "")),  # the L&D team's view, not theirs
            )
            for name, s, removed, pair in rows.pairs(*r.args, r.mine)
        ),
    )


def touchpoints_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Touchpoints",
        (
            "Initiative",
            "Stakeholder",
            "Slack user ID",
            "Kind",
            "Period",
            "Status",
            f"Due ({r.tz})",
            f"Sent ({r.tz})",
            f"Answered ({r.tz})",
        ),
        (34, 24, 14, 10, 10, 10, 18, 18, 18),
        (
            (name, who, user_id, kind, period, status, r.local(due), r.local(sent), r.local(answered))
            for name, who, user_id, kind, period, status, due, sent, answered in rows.touchpoints(*r.args, r.mine)
        ),
    )


def answers_sheet(r: Reading) -> Sheet:
    question_label = {
        **{q.value: t for q, t in QUESTIONS.items()},
        **{q.value: q.value.replace("_", " ") for q in Question if q not in QUESTIONS},
    }
    return Sheet(
        "Answers",
        (
            "Initiative",
            "Stakeholder",
            "Slack user ID",
            "Question",
            "Version",
            "Answer",
            f"Answered ({r.tz})",
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
                r.local(at),
                judgement.OPTIONS.get(j or "", ""),
            )
            for name, who, user_id, q, version, text, at, _, j in rows.answers(*r.args, r.mine)
        ),
        wrap=frozenset({5}),
    )


def measures_sheet(r: Reading) -> Sheet:
    return Sheet(
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
                r.local(m.agreed_at),
            )
            for name, m, who, user_id in rows.measures(*r.args, r.mine)
        ],
    )


def readings_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Readings",
        ("Initiative", "Measure", "Date", "Status", "Value", "Given by"),
        (34, 34, 12, 11, 10, 14),
        (
            (name, measure_name, read_on, status.replace("_", " "), value, given_by)
            for name, _, measure_name, read_on, status, value, given_by in rows.readings(*r.args, r.mine)
        ),
    )


def business_calendar_sheet(r: Reading) -> Sheet:
    return Sheet(
        "Business calendar",
        (
            "Stakeholder",
            "Slack user ID",
            "Financial year from",
            "Initiatives",
            "What matters most next year",
            "Busiest weeks",
            "Busiest weeks, in their words",
            f"Answered ({r.tz})",
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
                r.local(a.given_at),
            )
            for a in business_calendar.answers(
                r.session, r.team_id, initiative_ids=r.initiative_ids, stakeholder_id=r.mine
            )
        ],
        wrap=frozenset({3, 4, 6}),
    )
