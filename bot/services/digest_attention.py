"""The digest's attention items: what needs a conversation this week, most urgent first (high-influence
stakeholders gone quiet or rating lower, strong shifts nobody follows up, stalled follow-ups, calibration sessions
never recorded, falling or low alignment, silent stakeholders, measures behind their line, plans off or waiting, and
initiatives missing their first answers, impact, tracking, measures or stakeholders). The figures they are read from
are bot.services.digest's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.services import calibration
from bot.services import measures as measure_service
from storage.repositories import map_messages as map_rows

if TYPE_CHECKING:
    from bot.services.digest import InitiativeDigest

FALLING = 10  # an index that fell by this much since the last digest needs attention
LOW = 50
HIGH_INFLUENCE_SHOWN = 50  # high-influence stakeholders at risk read for the digest


@dataclass(frozen=True)
class Attention:
    """One thing that needs a conversation this week."""

    reason: str  # one of REASONS, most urgent first
    initiative_name: str
    user_ids: tuple[str, ...] = ()
    count: int = 0
    value: int | None = None  # the alignment index now
    before: int | None = None  # and at the last digest
    taken_by: str | None = None  # the L&D member who took a follow-up left without an outcome
    measure: measure_service.Behind | None = None  # a measure whose latest reading runs behind its line


REASONS = (
    "high_influence",  # a high-influence stakeholder silent for two cycles, or whose rating dropped: always first
    "strong_shift",
    "stalled_follow_up",
    "plan_off",  # a stakeholder said something's off in the plan
    "calibration_unrecorded",  # a calibration pack sent over two weeks ago with no session recorded since
    "falling",
    "silent",
    "behind_line",
    "plan_waiting",  # a stakeholder who must sign the plan has not, past their reminder
    "first_unanswered",
    "no_impact",
    "no_tracking",
    "no_measure",
    "low",
    "no_stakeholders",
)


def _behind(session: Session, initiatives: list[InitiativeDigest]) -> list[measure_service.Behind]:
    """Measures of these initiatives whose latest reading runs behind the line to their target: two queries."""
    found = measure_service.rows_of(session, [i.initiative_id for i in initiatives])
    late = (measure_service.behind(initiative_id, m) for initiative_id, rows in found.items() for m in rows)
    return [b for b in late if b is not None]


def _attention(
    initiatives: list[InitiativeDigest],
    strong: list[tuple[int, str, str, int]],
    behind: list[measure_service.Behind],
) -> list[Attention]:
    """What needs a conversation this week, most urgent first: strong shifts nobody follows up, falling alignment,
    silent stakeholders, measures behind their line, first two questions unanswered, no agreed impact, nothing tracked, no measure agreed, a low
    index, no stakeholders."""
    names = {i.initiative_id: i.name for i in initiatives}
    found: list[tuple[int, int, Attention]] = []
    seen: set[tuple[int, str]] = set()
    for initiative_id, user_id, _rule, _strength in strong:
        if (initiative_id, user_id) not in seen and initiative_id in names:
            seen.add((initiative_id, user_id))
            found.append((0, 0, Attention("strong_shift", names[initiative_id], (user_id,))))
    for b in behind:
        if b.initiative_id in names:
            found.append((2, 0, Attention("behind_line", names[b.initiative_id], measure=b)))
    for i in initiatives:
        value = i.alignment.value
        if i.trend is not None and value is not None and i.trend <= -FALLING:
            found.append((1, i.trend, Attention("falling", i.name, value=value, before=value - i.trend)))
        if i.silent:
            found.append((2, -i.silent, Attention("silent", i.name, i.silent_user_ids, count=i.silent)))
        if i.signoff is not None and i.signoff.off_user_ids:
            people = i.signoff.off_user_ids
            found.append((1, -len(people), Attention("plan_off", i.name, people, count=len(people))))
        if i.signoff is not None and i.signoff.overdue_user_ids:
            people = i.signoff.overdue_user_ids
            found.append((2, -len(people), Attention("plan_waiting", i.name, people, count=len(people))))
        if i.first_unanswered_user_ids:
            people = i.first_unanswered_user_ids
            found.append((3, -len(people), Attention("first_unanswered", i.name, people, count=len(people))))
        if i.stakeholders and not i.with_impact:
            found.append((3, 0, Attention("no_impact", i.name)))
        elif i.stakeholders and not i.with_tracking:
            found.append((4, 0, Attention("no_tracking", i.name)))
        elif i.stakeholders and not i.measures and not i.measures_waiting:
            found.append((5, 0, Attention("no_measure", i.name)))
        if value is not None and value < LOW:
            found.append((6, value, Attention("low", i.name, value=value)))
        if not i.stakeholders:
            found.append((7, 0, Attention("no_stakeholders", i.name)))
    found.sort(key=lambda f: (f[0], f[1]))
    return [item for _, _, item in found]


def _high_influence(session: Session, team_id: str, active: set[int]) -> list[Attention]:
    """High-influence stakeholders (the stakeholder map) silent for two cycles or whose latest rating is lower than
    the one before: effort follows influence, so they come before anything else."""
    found = []
    for pair, initiative, person in map_rows.at_risk(session, team_id, HIGH_INFLUENCE_SHOWN):
        if pair.initiative_id not in active:
            continue
        dropped = pair.rating is not None and pair.previous_rating is not None and pair.rating < pair.previous_rating
        found.append(
            Attention(
                "high_influence",
                initiative.name,
                (person.user_id,),
                count=pair.silent_cycles,
                value=pair.rating if dropped else None,
                before=pair.previous_rating if dropped else None,
            )
        )
    return found


def _stalled(
    initiatives: list[InitiativeDigest], stalled: list[tuple[int, str, str, datetime]], now: datetime
) -> list[Attention]:
    """Follow-ups taken two weeks ago or more and still without an outcome, the longest waiting first, naming the
    L&D member who took each: the conversation may not have happened, or its decision was never recorded."""
    names = {i.initiative_id: i.name for i in initiatives}
    return [
        Attention("stalled_follow_up", names[initiative_id], (user_id,), count=(now - taken_at).days, taken_by=taken_by)
        for initiative_id, user_id, taken_by, taken_at in stalled
        if initiative_id in names
    ]


def _unrecorded(session: Session, team_id: str, now: datetime) -> list[Attention]:
    """Calibration packs sent two weeks ago or more with no session recorded since, naming the owner who got each:
    the session may not have happened, or what it agreed was never recorded."""
    return [
        Attention("calibration_unrecorded", u.initiative_name, (u.owner,), count=u.days)
        for u in calibration.unrecorded(session, team_id, now)
    ]


def items(
    session: Session,
    team_id: str,
    initiatives: list[InitiativeDigest],
    strong: list[tuple[int, str, str, int]],
    stalled: list[tuple[int, str, str, datetime]],
    now: datetime,
) -> list[Attention]:
    """Every attention item of the week, most urgent first: high-influence stakeholders, then strong shifts nobody
    follows up, then stalled follow-ups and unrecorded calibration sessions, then the rest (the digest lists the first
    digest.ATTENTION_MAX)."""
    attention = _attention(initiatives, strong, _behind(session, initiatives))
    after_strong = sum(1 for a in attention if a.reason == "strong_shift")  # they come first
    attention[after_strong:after_strong] = _stalled(initiatives, stalled, now) + _unrecorded(session, team_id, now)
    attention[0:0] = _high_influence(session, team_id, {i.initiative_id for i in initiatives})
    return attention
