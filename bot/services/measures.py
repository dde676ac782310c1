"""Tracked measures: what stakeholders already watch, confirmed by the L&D team as an initiative's success measures,
and the readings stakeholders give in their monthly check-ins and quarterly reviews."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.errors import FormInvalid
from bot.ids import Block
from bot.services.initiatives import by_name, name_key
from bot.services.shift_rules import measures_in
from storage.models import Direction, Measure, Question, ReadingStatus, saved_id
from storage.repositories import answers as answer_rows
from storage.repositories import initiatives as initiative_rows
from storage.repositories import measures as measure_rows
from storage.repositories import stakeholders as stakeholder_rows

NAME_MAX, SOURCE_MAX, UNIT_MAX = 150, 200, 40
VALUE_MAX = 1e15


@dataclass(frozen=True)
class Tracking:
    stakeholder_id: int
    user_id: str
    said: str  # their latest answer to "What are you already tracking…"


@dataclass(frozen=True)
class MeasureRow:
    id: int
    name: str
    owner_user_id: str
    source: str
    unit: str
    direction: str
    baseline: float | None
    baseline_on: date | None
    target: float | None
    target_on: date | None
    latest: float | None = None
    latest_on: date | None = None
    owner_name: str = ""
    owner_id: int | None = None  # the stakeholder row of its owner
    confirmed_on: date | None = None  # the day the L&D member confirmed it: where its line to the target starts
    agreed_at: datetime | None = None  # when its owner confirmed or corrected it; None: waiting for them


@dataclass(frozen=True)
class MeasureForm:
    """What the measures modal shows: the stakeholders' own words, the measures already agreed, a suggestion."""

    initiative_id: int
    initiative_name: str
    tracking: tuple[Tracking, ...]
    stakeholders: tuple[tuple[int, str], ...]  # (stakeholder id, their name as Slack showed it)
    measures: tuple[MeasureRow, ...]
    suggested_owner: int | None
    suggested_name: str


def form(session: Session, team_id: str, initiative_name: str) -> MeasureForm:
    initiative = by_name(session, team_id, initiative_name)
    people = stakeholder_rows.stakeholders_of(session, initiative.id)
    said = answer_rows.latest_answers_for(session, [(initiative.id, saved_id(s)) for s in people], [Question.TRACKING])
    tracking = tuple(
        Tracking(saved_id(s), s.user_id, said[(initiative.id, saved_id(s))][Question.TRACKING])
        for s in people
        if (initiative.id, saved_id(s)) in said
    )
    measures = tuple(rows_of(session, [initiative.id]).get(initiative.id, ()))
    agreed = {name_key(m.name) for m in measures}
    # Suggest the first thing someone said they track that is not a measure yet, in their words.
    owner, name = None, ""
    for item in tracking:
        fresh = [m for m in measures_in(item.said) if name_key(m) not in agreed]
        if fresh:
            owner, name = item.stakeholder_id, fresh[0][:NAME_MAX]
            break
    return MeasureForm(
        initiative.id,
        initiative.name,
        tracking,
        tuple((saved_id(s), s.display_name or s.user_id) for s in people),
        measures,
        owner if owner is not None else (saved_id(people[0]) if people else None),
        name,
    )


def rows_of(session: Session, initiative_ids: list[int]) -> dict[int, list[MeasureRow]]:
    """Each initiative's active measures with their latest reading: two queries for any number of initiatives."""
    measures = measure_rows.measures_of(session, initiative_ids)
    latest = measure_rows.latest_readings(session, [saved_id(m) for m, _, _ in measures])
    found: dict[int, list[MeasureRow]] = {}
    for measure, owner_user_id, owner_name in measures:
        reading = latest.get(saved_id(measure))
        value, on = reading if reading is not None else (None, None)
        found.setdefault(measure.initiative_id, []).append(
            MeasureRow(
                saved_id(measure),
                measure.name,
                owner_user_id,
                measure.source,
                measure.unit,
                measure.direction,
                measure.baseline,
                measure.baseline_on,
                measure.target,
                measure.target_on,
                value,
                on,
                owner_name or owner_user_id,
                measure.owner_id,
                measure.confirmed_at.date(),
                measure.agreed_at,
            )
        )
    return found


# Behind the line: where the latest reading stands against the straight line from the baseline to the target

LINE_WITHOUT_TARGET_DATE = timedelta(days=365)  # a target with no date of its own is due a year after confirmation
BEHIND_TOLERANCE = 0.05  # of the way from baseline to target: a smaller shortfall is noise, not a trend


@dataclass(frozen=True)
class Behind:
    """A measure whose latest reading runs behind the straight line from its baseline to its target."""

    initiative_id: int
    name: str
    unit: str
    value: float  # the latest reading
    expected: float  # where the line stands on the reading's day
    read_on: date


def expected_on(measure: MeasureRow, day: date) -> float | None:
    """Where the straight line from the baseline (on the confirmation day) to the target (on its date, or a year
    after confirmation) stands on `day`: the baseline before it starts, the target after it ends. None without a
    baseline and a target."""
    if measure.baseline is None or measure.target is None or measure.confirmed_on is None:
        return None
    start = measure.confirmed_on
    end = measure.target_on if measure.target_on and measure.target_on > start else start + LINE_WITHOUT_TARGET_DATE
    share = min(1.0, max(0.0, (day - start).days / (end - start).days))
    return measure.baseline + (measure.target - measure.baseline) * share


def behind(initiative_id: int, measure: MeasureRow) -> Behind | None:
    """The measure, if its latest reading is behind the line on the day it was read, by more than the tolerance.
    The line's direction is the target's: lower is better when the target is below the baseline."""
    if measure.latest is None or measure.latest_on is None or measure.baseline is None or measure.target is None:
        return None
    expected = expected_on(measure, measure.latest_on)
    span = measure.target - measure.baseline
    if expected is None or span == 0:
        return None
    shortfall = (expected - measure.latest) if span > 0 else (measure.latest - expected)
    if shortfall <= BEHIND_TOLERANCE * abs(span):
        return None
    return Behind(initiative_id, measure.name, measure.unit, measure.latest, expected, measure.latest_on)


_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


def parse_number(text: str | None) -> float | None:
    """A number as people type it: "1,200", "85%", "4.5" (None for nothing); ValueError if it is not one."""
    text = (text or "").strip().replace(",", "").replace("%", "").replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text) or abs(float(text)) > VALUE_MAX:
        raise ValueError(text)
    return float(text)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def checked_fields(
    values: Mapping[str, str | None], errors: dict[str, str], taken: Callable[[str], bool]
) -> tuple[str, float | None, date | None, float | None, date | None]:
    """The name, baseline and target of a measure form (the L&D member's, or its owner's correction), each problem
    added to `errors` by block id; `taken` says whether a name key is another measure's of the initiative."""
    name = (values.get(Block.MEASURE_NAME) or "").strip()
    if not name:
        errors[Block.MEASURE_NAME] = "Give the measure a name, in the stakeholder's words if you can."
    elif len(name) > NAME_MAX:
        errors[Block.MEASURE_NAME] = f"Keep the name to {NAME_MAX} characters (it has {len(name)})."
    elif taken(name_key(name)):
        errors[Block.MEASURE_NAME] = "This initiative already has a measure with that name."
    numbers: dict[str, float | None] = {Block.BASELINE: None, Block.TARGET: None}
    for value_block, day_block, what in (
        (Block.BASELINE, Block.BASELINE_ON, "baseline"),
        (Block.TARGET, Block.TARGET_ON, "target"),
    ):
        try:
            numbers[value_block] = parse_number(values.get(value_block))
        except ValueError:
            errors[value_block] = f"The {what} must be a number, like 42 or 3.5."
            continue
        if (numbers[value_block] is None) != (not values.get(day_block)):
            errors[day_block if numbers[value_block] is not None else value_block] = (
                f"Give the {what} and its date together (or neither)."
            )
    baseline_on, target_on = _day(values.get(Block.BASELINE_ON)), _day(values.get(Block.TARGET_ON))
    if baseline_on and target_on and target_on <= baseline_on and Block.TARGET_ON not in errors:
        errors[Block.TARGET_ON] = "The target's date must come after the baseline's."
    return name, numbers[Block.BASELINE], baseline_on, numbers[Block.TARGET], target_on


def save(
    session: Session, team_id: str, initiative_id: int, user_id: str, values: Mapping[str, str | None], now: datetime
) -> tuple[str, Measure]:
    """Validate and store one measure (FormInvalid with all problems at once); returns its initiative's name and
    the measure, flushed."""
    initiative = initiative_rows.initiative_by_id(session, team_id, initiative_id)
    if initiative is None:
        raise FormInvalid({Block.MEASURE_NAME: "That initiative no longer exists."})
    errors: dict[str, str] = {}
    name, baseline, baseline_on, target, target_on = checked_fields(
        values, errors, lambda key: measure_rows.measure_name_taken(session, initiative_id, key)
    )
    owners = {s.id for s in stakeholder_rows.stakeholders_of(session, initiative_id)}
    owner = values.get(Block.MEASURE_OWNER) or ""
    if not (owner.isdigit() and int(owner) in owners):
        errors[Block.MEASURE_OWNER] = "Pick the stakeholder who will report it."
    for block, limit in ((Block.MEASURE_SOURCE, SOURCE_MAX), (Block.MEASURE_UNIT, UNIT_MAX)):
        if len((values.get(block) or "").strip()) > limit:
            errors[block] = f"Keep this to {limit} characters."
    direction = values.get(Block.MEASURE_DIRECTION) or ""
    if direction not in tuple(Direction):
        errors[Block.MEASURE_DIRECTION] = "Say whether higher or lower is better."
    if errors:
        raise FormInvalid(errors)
    measure = Measure(
        team_id=team_id,
        initiative_id=initiative_id,
        name=name,
        name_key=name_key(name),
        owner_id=int(owner),
        source=(values.get(Block.MEASURE_SOURCE) or "").strip(),
        unit=(values.get(Block.MEASURE_UNIT) or "").strip(),
        direction=direction,
        baseline=baseline,
        baseline_on=baseline_on,
        target=target,
        target_on=target_on,
        confirmed_by=user_id,
        confirmed_at=now,
    )
    measure_rows.add_measure(session, measure)
    return initiative.name, measure


# Readings in check-ins

NO_CHANGE_OR_UNKNOWN = {ReadingStatus.NO_CHANGE: "No change", ReadingStatus.DONT_KNOW: "Don't know"}


def owned(session: Session, initiative_id: int, stakeholder_id: int) -> tuple[MeasureRow, ...]:
    """The measures this stakeholder reports for this initiative, with their latest reading."""
    return tuple(m for m in rows_of(session, [initiative_id]).get(initiative_id, []) if m.owner_id == stakeholder_id)


def validate_readings(measures: tuple[MeasureRow, ...], given: Mapping[int, tuple[str, str]]) -> tuple[dict, dict]:
    """(readings by measure id as (status, value), errors by block id) from what the check-in form held:
    for each measure, the number typed and the "no change" / "don't know" choice. All optional."""
    readings: dict[int, tuple[ReadingStatus, float | None]] = {}
    errors: dict[str, str] = {}
    for measure in measures:
        typed, chose = given.get(measure.id, ("", ""))
        try:
            value = parse_number(typed)
        except ValueError:
            errors[reading_block(measure.id)] = "Type a number, like 42 or 3.5 (or leave it empty)."
            continue
        if value is not None and chose:
            errors[reading_block(measure.id)] = "Either a new value or “no change” / “don't know”, not both."
        elif value is not None:
            readings[measure.id] = (ReadingStatus.VALUE, value)
        elif chose in NO_CHANGE_OR_UNKNOWN:
            readings[measure.id] = (ReadingStatus(chose), None)
    return readings, errors


def reading_block(measure_id: int) -> str:
    return f"{Block.READING_PREFIX}{measure_id}"


def reading_status_block(measure_id: int) -> str:
    return f"{Block.READING_PREFIX}{measure_id}_status"
