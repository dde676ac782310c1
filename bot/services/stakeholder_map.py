"""The stakeholder map (the power/interest grid): where each stakeholder of an initiative sits, and the touchpoints
that follows from it. Effort follows influence: those who can make or break the initiative and care about it are
managed closely, those who can but care less are kept satisfied at the quarterly reviews, those who care but cannot
decide much are kept informed without being asked anything, and the rest are monitored at the reviews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from storage.models import ChangeKind, InitiativeStakeholder, saved_id
from storage.repositories import changes as change_rows
from storage.repositories import initiatives as initiative_rows
from storage.repositories import map_messages as map_rows
from storage.repositories import planning as planning_rows
from storage.repositories import stakeholders as stakeholder_rows

HIGH, LOW = "high", "low"


class Quadrant(StrEnum):
    MANAGE_CLOSELY = "manage_closely"  # high influence, high interest
    KEEP_SATISFIED = "keep_satisfied"  # high influence, low interest
    KEEP_INFORMED = "keep_informed"  # low influence, high interest
    MONITOR = "monitor"  # low influence, low interest


# (influence, interest) of each quadrant
PLACES: dict[Quadrant, tuple[str, str]] = {
    Quadrant.MANAGE_CLOSELY: (HIGH, HIGH),
    Quadrant.KEEP_SATISFIED: (HIGH, LOW),
    Quadrant.KEEP_INFORMED: (LOW, HIGH),
    Quadrant.MONITOR: (LOW, LOW),
}
QUADRANT_NAMES = {
    Quadrant.MANAGE_CLOSELY: "Manage closely",
    Quadrant.KEEP_SATISFIED: "Keep satisfied",
    Quadrant.KEEP_INFORMED: "Keep informed",
    Quadrant.MONITOR: "Monitor",
}


class CadenceChoice(StrEnum):
    QUADRANT = "quadrant"  # as the quadrant says
    CHECKINS_AND_REVIEWS = "checkins_reviews"
    REVIEWS_ONLY = "reviews"
    STATUS_ONLY = "status"  # a monthly "here is where this stands" DM, no questions


CADENCE_NAMES = {
    CadenceChoice.QUADRANT: "As the quadrant says",
    CadenceChoice.CHECKINS_AND_REVIEWS: "Check-ins and reviews",
    CadenceChoice.REVIEWS_ONLY: "Reviews only",
    CadenceChoice.STATUS_ONLY: "Status updates only",
}
QUADRANT_CADENCE = {
    Quadrant.MANAGE_CLOSELY: CadenceChoice.CHECKINS_AND_REVIEWS,
    Quadrant.KEEP_SATISFIED: CadenceChoice.REVIEWS_ONLY,
    Quadrant.KEEP_INFORMED: CadenceChoice.STATUS_ONLY,
    Quadrant.MONITOR: CadenceChoice.REVIEWS_ONLY,
}


def quadrant_of(influence: str, interest: str) -> Quadrant:
    return next((q for q, place in PLACES.items() if place == (influence, interest)), Quadrant.MANAGE_CLOSELY)


def cadence_of(influence: str, interest: str, choice: str) -> CadenceChoice:
    """The touchpoints a pair gets: its override, or its quadrant's (an unknown stored value counts as the quadrant)."""
    if choice in CadenceChoice.__members__.values() and choice != CadenceChoice.QUADRANT:
        return CadenceChoice(choice)
    return QUADRANT_CADENCE[quadrant_of(influence, interest)]


def pair_cadence(pair: InitiativeStakeholder) -> CadenceChoice:
    return cadence_of(pair.influence, pair.interest, pair.cadence)


def sheet_cells(pair: InitiativeStakeholder) -> tuple[str, str, str, str]:
    """Influence, interest, quadrant and touchpoints, as the workbook's Stakeholders sheet shows them."""
    return (
        pair.influence,
        pair.interest,
        QUADRANT_NAMES[quadrant_of(pair.influence, pair.interest)],
        CADENCE_NAMES[pair_cadence(pair)],
    )


@dataclass(frozen=True)
class Place:
    """One stakeholder on the map, as the map modal shows them."""

    pair_id: int
    stakeholder_id: int
    user_id: str
    name: str
    influence: str
    interest: str
    cadence: str  # a CadenceChoice

    @property
    def quadrant(self) -> Quadrant:
        return quadrant_of(self.influence, self.interest)


@dataclass(frozen=True)
class StakeholderMap:
    initiative_id: int
    initiative_name: str
    places: tuple[Place, ...]


def _places(session: Session, initiative_id: int) -> tuple[Place, ...]:
    return tuple(
        Place(
            saved_id(pair),
            pair.stakeholder_id,
            s.user_id,
            s.display_name or s.user_id,
            pair.influence,
            pair.interest,
            pair.cadence,
        )
        for pair, s in stakeholder_rows.current_pairs_of(session, initiative_id)
    )


def find(session: Session, team_id: str, initiative_id: int) -> StakeholderMap:
    initiative = initiative_rows.initiative_by_id(session, team_id, initiative_id)
    if initiative is None or not initiative.active:
        raise UserError("That initiative is no longer active.")
    return StakeholderMap(initiative_id, initiative.name, _places(session, initiative_id))


def save(
    session: Session,
    team_id: str,
    user_id: str,
    initiative_id: int,
    chosen: Mapping[int, tuple[str, str]],
    now: datetime,
) -> tuple[str, tuple[str, ...]]:
    """Store each stakeholder's (quadrant, cadence choice), logging what changed; a stakeholder whose cadence changed
    has their coming check-ins and reviews planned afresh. `chosen` is keyed by pair id (FormInvalid under the
    field of a pair whose choice is not one offered). Returns the initiative's name and the change log's lines."""
    current = find(session, team_id, initiative_id)
    places = [p for p in current.places if p.pair_id in chosen]  # one added since the modal opened keeps its place
    errors: dict[str, str] = {}
    for place in places:
        quadrant, cadence = chosen[place.pair_id]
        if quadrant not in PLACES:
            errors[f"{Block.MAP_QUADRANT_PREFIX}{place.pair_id}"] = "Choose where they sit on the map."
        if cadence not in CADENCE_NAMES:
            errors[f"{Block.MAP_CADENCE_PREFIX}{place.pair_id}"] = "Choose which touchpoints they get."
    if errors:
        raise FormInvalid(errors)
    lines: list[str] = []
    replan: list[int] = []
    for place in places:
        quadrant, cadence = Quadrant(chosen[place.pair_id][0]), CadenceChoice(chosen[place.pair_id][1])
        influence, interest = PLACES[quadrant]
        if (influence, interest, cadence) == (place.influence, place.interest, place.cadence):
            continue
        before = cadence_of(place.influence, place.interest, place.cadence)
        after = cadence_of(influence, interest, cadence)
        stakeholder_rows.set_place(session, place.pair_id, influence, interest, cadence)
        lines.append(
            f"{place.name} on the stakeholder map: {QUADRANT_NAMES[quadrant]} (influence {influence}, interest "
            f"{interest}); {CADENCE_NAMES[after].lower()}"
            + ("" if cadence == CadenceChoice.QUADRANT else " (chosen over the quadrant's)")
        )
        if before != after:
            replan.append(place.stakeholder_id)
    planning_rows.unplan_in(session, initiative_id, replan)
    map_rows.drop_pending_status(session, initiative_id, replan)
    change_rows.record(
        session,
        [
            {
                "team_id": team_id,
                "initiative_id": initiative_id,
                "changed_by": user_id,
                "changed_at": now,
                "kind": ChangeKind.STAKEHOLDER_MAP,
                "text": line[:1000],
            }
            for line in lines
        ],
    )
    return current.initiative_name, tuple(lines)
