"""The Plan sheet's content: each initiative as a leader who never opens Slack reads it (its stakeholders and
their map, the impact they want, objectives from the agreed measures, obstacles, alignment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services import alignment
from bot.services.alignment import Alignment
from bot.services.measures import MeasureRow
from bot.services.stakeholder_map import Quadrant, quadrant_of
from storage import exporting as rows
from storage.models import Question
from storage.repositories import plans as plan_rows
from storage.repositories import shifts as shift_rows

SHORT_TERM = timedelta(days=366)  # a target within a year is a short-term objective; later ones are long-term
OPEN_SHIFTS = timedelta(days=90)
NO_OBSTACLES = "None recorded."

# The plan's elements an L&D member writes (bot.services.plans), in the order a leader reads them: the columns of
# plan_version, and the plan modal's fields.
FIELDS: tuple[tuple[str, str], ...] = (
    ("overview", "Executive overview"),
    ("audience", "Audience"),
    ("objectives", "Business objectives"),
    ("needs", "Needs of the business and its people"),
    ("deliver", "What the L&D team can deliver"),
    ("short_term", "Short-term objectives (12 months)"),
    ("long_term", "Long-term objectives (2-3 years)"),
    ("obstacles", "Obstacles and contingencies"),
)
LABELS = dict(FIELDS)


@dataclass(frozen=True)
class PlanBlock:
    """One initiative as an L&D plan: what a leader who never opens Slack needs to read."""

    name: str
    business_goal: str
    description: str
    stakeholders: tuple[str, ...]
    impacts: tuple[tuple[str, str], ...]  # (stakeholder, their current impact statement)
    measures: tuple[MeasureRow, ...]
    short_term: tuple[str, ...]
    long_term: tuple[str, ...]
    obstacles: tuple[str, ...]
    alignment: Alignment | None
    stakeholder_map: tuple[tuple[Quadrant, tuple[str, ...]], ...] = ()  # the names in each quadrant
    written: tuple[tuple[str, str], ...] = ()  # (label, text) of the plan's elements as its newest version says them
    written_version: int | None = None  # None: nobody has written the plan yet
    written_at: datetime | None = None


def plan_blocks(
    session: Session,
    team_id: str,
    initiative_ids: list[int] | None,
    initiatives: list,
    agreed: dict[int, list[MeasureRow]],
    now: datetime,
) -> list[PlanBlock]:
    """Each initiative as its plan reads, in a fixed number of queries for all of them together."""
    people: dict[str, list] = {}
    grids: dict[str, dict[Quadrant, list[str]]] = {}
    for name, stakeholder, removed, pair in rows.pairs(session, team_id, initiative_ids):
        if removed is None:  # the plan names the current stakeholders; the Stakeholders sheet has them all
            people.setdefault(name, []).append(stakeholder)
            grid = grids.setdefault(name, {q: [] for q in Quadrant})
            grid[quadrant_of(pair.influence, pair.interest)].append(stakeholder.display_name or stakeholder.user_id)
    texts = rows.latest_texts(session, team_id, initiative_ids, [Question.IMPACT, Question.ADJUST])
    found = alignment.for_team(session, team_id, now)
    open_shifts = shift_rows.recent_shifts(session, team_id, now - OPEN_SHIFTS, limit=5000)
    written = plan_rows.newest_versions(session, [i.id for i in initiatives])
    blocks = []
    for initiative in initiatives:
        who = people.get(initiative.name, [])
        names = {s.id: s.display_name or s.user_id for s in who}
        impacts = tuple(
            (names[s.id], texts[(initiative.id, s.id, Question.IMPACT)])
            for s in who
            if (initiative.id, s.id, Question.IMPACT) in texts
        )
        rows_here = tuple(agreed.get(initiative.id, ()))
        short: list[str] = []
        long: list[str] = []
        for m in rows_here:
            if m.target is None:
                continue
            line = objective(m)
            (short if m.target_on and m.target_on <= now.date() + SHORT_TERM else long).append(line)
        long.append(f"The business goal: {initiative.business_goal}")
        obstacles = [
            f"{names.get(s.stakeholder_id, '?')}: {s.rule.replace('_', ' ')} ({s.evidence})"
            for s, i, _ in open_shifts
            if i.id == initiative.id and s.outcome_id is None  # an obstacle until its follow-up ends in a decision
        ]
        obstacles += [
            f"{names[s.id]} asks to adjust: {texts[(initiative.id, s.id, Question.ADJUST)]}"
            for s in who
            if (initiative.id, s.id, Question.ADJUST) in texts
        ]
        blocks.append(
            PlanBlock(
                initiative.name,
                initiative.business_goal,
                initiative.description,
                tuple(names.values()),
                impacts,
                rows_here,
                tuple(short),
                tuple(long),
                tuple(obstacles) or (NO_OBSTACLES,),
                found.get(initiative.id),
                tuple(
                    (q, tuple(names_in))
                    for q, names_in in grids.get(initiative.name, {q: [] for q in Quadrant}).items()
                ),
                *_written(written.get(initiative.id)),
            )
        )
    return blocks


def _written(version) -> tuple[tuple[tuple[str, str], ...], int | None, datetime | None]:
    if version is None:
        return (), None, None
    elements = tuple((label, getattr(version, key)) for key, label in FIELDS if getattr(version, key).strip())
    return elements, version.version, version.saved_at


def objective(m: MeasureRow) -> str:
    unit = f" {m.unit}" if m.unit else ""
    start = f" from {m.baseline:g}{unit}" if m.baseline is not None else ""
    verb = "Raise" if m.direction == "higher" else "Lower"
    by = f" by {m.target_on:%B %Y}" if m.target_on else ""
    return f"{verb} {m.name}{start} to {m.target:g}{unit}{by}"
