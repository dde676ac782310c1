"""The stakeholder map modal: per stakeholder, where they sit on the power/interest grid and which touchpoints they
get. 25 stakeholders at most (the initiative modal's limit) make 51 blocks, within a modal's 100."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import InputBlock, Option, PlainTextObject, StaticSelectElement
from slack_sdk.models.views import View

from bot.blocks.common import escape, form_modal, metadata, read_metadata_id, read_number, section, shorten, state_text
from bot.ids import Block, Callback, Element
from bot.services.stakeholder_map import (
    CADENCE_NAMES,
    PLACES,
    QUADRANT_CADENCE,
    QUADRANT_NAMES,
    Place,
    StakeholderMap,
)

LABEL_MAX = 2000  # a plain_text label's limit
_GRID = {
    "manage_closely": "high influence, high interest",
    "keep_satisfied": "high influence, low interest",
    "keep_informed": "low influence, high interest",
    "monitor": "low influence, low interest",
}


def quadrant_block(pair_id: int) -> str:
    return f"{Block.MAP_QUADRANT_PREFIX}{pair_id}"  # as the service names it in its errors


def cadence_block(pair_id: int) -> str:
    return f"{Block.MAP_CADENCE_PREFIX}{pair_id}"


def _select(block_id: str, label: str, pairs: list[tuple[str, str]], initial: str) -> InputBlock:
    options = [Option(text=PlainTextObject(text=text), value=value) for value, text in pairs]
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=shorten(label, LABEL_MAX)),
        element=StaticSelectElement(
            action_id=Element.VALUE,
            options=options,
            # a stored value no longer offered shows as the first option (the default), as the service reads it
            initial_option=next((o for o in options if o.value == initial), options[0]),
        ),
    )


def _quadrants() -> list[tuple[str, str]]:
    return [(q.value, f"{QUADRANT_NAMES[q]} ({_GRID[q]})") for q in PLACES]


def _cadences() -> list[tuple[str, str]]:
    return [(c.value, name) for c, name in CADENCE_NAMES.items()]


def _blocks_of(place: Place) -> list[InputBlock]:
    return [
        _select(quadrant_block(place.pair_id), place.name, _quadrants(), place.quadrant.value),
        _select(cadence_block(place.pair_id), f"{place.name}: touchpoints", _cadences(), place.cadence),
    ]


def map_modal(stakeholder_map: StakeholderMap) -> View:
    why = "; ".join(
        f"{QUADRANT_NAMES[q].lower()}: {CADENCE_NAMES[QUADRANT_CADENCE[q]].lower()}" for q in QUADRANT_CADENCE
    )
    return form_modal(
        Callback.STAKEHOLDER_MAP,
        "Stakeholder map",
        "Save",
        private_metadata=metadata(initiative=stakeholder_map.initiative_id),
        blocks=[
            section(
                f"Where each stakeholder of *{escape(stakeholder_map.initiative_name)}* sits: how much say they have "
                f"over it (influence) and how much they care (interest). Effort follows influence. As the quadrant "
                f"says means {why} (status updates are a short monthly DM of where this stands, with nothing to "
                "answer)."
            ),
            *(block for place in stakeholder_map.places for block in _blocks_of(place)),
        ],
    )


def read_map(values: Mapping) -> dict[int, tuple[str, str]]:
    """(quadrant, cadence) chosen per pair id, for each pair the submitted modal holds a quadrant select for."""
    chosen = {}
    for block_id in values:
        if isinstance(block_id, str) and block_id.startswith(Block.MAP_QUADRANT_PREFIX):
            pair_id = read_number(block_id.removeprefix(Block.MAP_QUADRANT_PREFIX))
            if pair_id is not None:
                chosen[pair_id] = (state_text(values, block_id), state_text(values, cadence_block(pair_id)))
    return chosen


def read_initiative_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "initiative")


def saved_text(initiative_name: str, lines: tuple[str, ...]) -> str:
    if not lines:
        return f"Nothing changed on the stakeholder map of {initiative_name}."
    return f"Saved the stakeholder map of {initiative_name}:\n" + "\n".join(f"• {line}" for line in lines)
