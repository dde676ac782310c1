"""What goes into the workbook and for whom: the scope `/touchpoint export` asks for and who may have it, the plan
of each initiative (made in export_plan, read in a fixed number of queries for all initiatives together), the
measures' series for the charts, and the sheets in the order they are written (their rows: export_sheets, the L&D
team's own records: export_records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.errors import NotAllowed, UserError
from bot.ids import COMMAND
from bot.services import export_plan, export_records, export_sheets, measures
from bot.services.export_plan import PlanBlock
from bot.services.export_sheets import Reading, Sheet
from bot.services.initiatives import by_name
from bot.services.measures import MeasureRow
from storage import exporting as rows
from storage.models import saved_id
from storage.repositories import stakeholders as stakeholder_rows


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
class ExportData:
    title: str
    generated_at: datetime  # naive, in the team's zone
    tz: str
    plan: list[PlanBlock]
    sheets: list[Sheet]
    responses: list[tuple[str, int, int]]  # (month, sent, answered)
    series: list[tuple[MeasureRow, list[tuple[date, float]]]] = field(default_factory=list)


def collect(session: Session, scope: Scope, now: datetime, tz: str) -> ExportData:
    zone = ZoneInfo(tz)
    mine = scope.stakeholder_id
    reading = Reading(session, scope.team_id, scope.initiative_ids, mine, tz)
    initiatives = rows.initiatives(*reading.args)
    if mine is not None:  # only the initiatives they are a stakeholder of
        theirs = {name for name, _, _, _ in rows.pairs(*reading.args, mine)}
        initiatives = [i for i in initiatives if i.name in theirs]
    agreed = measures.rows_of(session, [saved_id(i) for i in initiatives]) if mine is None else {}
    plan = (
        export_plan.plan_blocks(session, scope.team_id, scope.initiative_ids, initiatives, agreed, now)
        if mine is None
        else []
    )
    series = _series(session, scope, agreed) if mine is None else []
    sheets = [
        export_sheets.initiatives_sheet(reading, initiatives),
        export_sheets.stakeholders_sheet(reading),
        export_sheets.touchpoints_sheet(reading),
        export_sheets.answers_sheet(reading),
        export_sheets.measures_sheet(reading),
        export_sheets.readings_sheet(reading),
        export_records.shifts_sheet(reading),
        export_sheets.business_calendar_sheet(reading),
        export_records.changes_sheet(reading),
        export_records.signoffs_sheet(reading),
        export_records.calibration_sheet(reading),
    ]
    return ExportData(
        scope.title,
        now.astimezone(zone).replace(tzinfo=None),
        tz,
        plan,
        sheets,
        rows.responses_by_month(*reading.args, mine),
        series,
    )


SERIES_MAX = 50  # measures charted; the Readings sheet holds every reading of every measure


def _series(session: Session, scope: Scope, agreed: dict[int, list[MeasureRow]]) -> list[tuple[MeasureRow, list]]:
    """The readings of the first SERIES_MAX measures that have any, for charting against baseline and target."""
    by_id = {m.id: m for ms in agreed.values() for m in ms}
    found: dict[int, list[tuple[date, float]]] = {}
    for _, measure_id, _, read_on, _, value, _ in rows.readings(session, scope.team_id, scope.initiative_ids):
        if value is not None and measure_id in by_id and (measure_id in found or len(found) < SERIES_MAX):
            found.setdefault(measure_id, []).append((read_on, value))
    return [(by_id[measure_id], points) for measure_id, points in found.items()]
