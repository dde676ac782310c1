"""The measures modal: the stakeholders' own words about what they track, turned into a confirmed measure."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import (
    context,
    escape,
    form_modal,
    mention,
    metadata,
    quoted_sections,
    read_metadata_id,
    section,
    state_of,
    state_text,
)
from bot.ids import COMMAND, Block, Callback, Element
from bot.services.measures import NAME_MAX, SOURCE_MAX, UNIT_MAX, MeasureForm, MeasureRow
from storage.models import Direction

_DIRECTIONS = {Direction.HIGHER: "Higher is better", Direction.LOWER: "Lower is better"}
SHOWN_MAX = 10  # stakeholders' answers quoted in the modal


def _text_input(
    block: str, label: str, limit: int, initial: str = "", *, optional: bool = False, hint: str = ""
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        optional=optional,
        element=PlainTextInputElement(action_id=Element.VALUE, max_length=limit, initial_value=initial or None),
        hint=PlainTextObject(text=hint) if hint else None,
    )


def number_input(block: str, label: str, initial: float | None = None) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        optional=True,
        element=PlainTextInputElement(
            action_id=Element.VALUE, max_length=30, initial_value=f"{initial:g}" if initial is not None else None
        ),
        hint=PlainTextObject(text="A number, like 42, 3.5, 1,200 or 85%"),
    )


def date_input(block: str, label: str, initial: date | None = None) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        optional=True,
        element=DatePickerElement(action_id=Element.VALUE, initial_date=initial.isoformat() if initial else None),
    )


def describe(measure: MeasureRow) -> str:
    unit = f" {escape(measure.unit)}" if measure.unit else ""
    parts = [
        f"*{escape(measure.name)}* ({mention(measure.owner_user_id)}"
        + (f", {escape(measure.source)}" if measure.source else "")
        + ")"
    ]
    if measure.baseline is not None:
        parts.append(f"baseline {measure.baseline:g}{unit} ({measure.baseline_on:%b %Y})")
    if measure.latest is not None:
        parts.append(f"latest {measure.latest:g}{unit} ({measure.latest_on:%d %b %Y})")
    if measure.target is not None:
        parts.append(f"target {measure.target:g}{unit} by {measure.target_on:%b %Y}")
    parts.append("higher is better" if measure.direction == Direction.HIGHER else "lower is better")
    parts.append(agreement_text(measure.owner_user_id, measure.agreed_at))
    return " · ".join(parts)


def agreement_text(owner_user_id: str, agreed_at: datetime | None) -> str:
    """“agreed by @Sam on 2 Dec 2026”, or “waiting for @Sam”: whether its owner has agreed the measure."""
    if agreed_at is None:
        return f"waiting for {mention(owner_user_id)}"
    return f"agreed by {mention(owner_user_id)} on {agreed_at:%-d %b %Y}"


def measure_modal(form: MeasureForm) -> View:
    blocks: list = [
        section(
            f"*{escape(form.initiative_name)}*: confirm one success measure, in the words of the "
            "stakeholder who already tracks it."
        )
    ]
    for item in form.tracking[:SHOWN_MAX]:
        blocks += quoted_sections(f"{mention(item.user_id)} tracks:", item.said)[:2]
    if len(form.tracking) > SHOWN_MAX:
        blocks.append(context(f"…and {len(form.tracking) - SHOWN_MAX} more stakeholders' answers."))
    if not form.tracking:
        blocks.append(context("No stakeholder has said what they track yet; you can still add a measure."))
    if form.measures:
        agreed = "\n".join(f"• {describe(m)}" for m in form.measures[:20])
        blocks.append(section(f"*Measures so far:*\n{agreed}"[:3000]))
    owners = [
        Option(text=PlainTextObject(text=name[:75]), value=str(stakeholder_id))
        for stakeholder_id, name in form.stakeholders
    ][:100]
    initial_owner = next((o for o in owners if o.value == str(form.suggested_owner)), None)
    directions = [Option(text=PlainTextObject(text=label), value=value) for value, label in _DIRECTIONS.items()]
    blocks += [
        _text_input(Block.MEASURE_NAME, "Measure", NAME_MAX, form.suggested_name),
        InputBlock(
            block_id=Block.MEASURE_OWNER,
            label=PlainTextObject(text="Reported by"),
            element=StaticSelectElement(action_id=Element.VALUE, options=owners, initial_option=initial_owner),
        ),
        _text_input(Block.MEASURE_SOURCE, "Where it lives (a system or a report)", SOURCE_MAX, optional=True),
        _text_input(Block.MEASURE_UNIT, "Unit", UNIT_MAX, optional=True, hint="%, days, deals, £…"),
        InputBlock(
            block_id=Block.MEASURE_DIRECTION,
            label=PlainTextObject(text="Direction"),
            element=RadioButtonsElement(action_id=Element.VALUE, options=directions, initial_option=directions[0]),
        ),
        number_input(Block.BASELINE, "Baseline"),
        date_input(Block.BASELINE_ON, "Baseline date"),
        number_input(Block.TARGET, "Target"),
        date_input(Block.TARGET_ON, "Target date"),
    ]
    return form_modal(
        Callback.MEASURE,
        "Success measure",
        "Confirm",
        private_metadata=metadata(initiative=form.initiative_id),
        blocks=blocks,
    )


def read_initiative_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "initiative")


def read_fields(values, blocks: tuple[str, ...]) -> dict[str, str]:
    """What a measure form held: the text of each block, and the dates picked."""
    found = {block: state_text(values, block) for block in blocks if block not in (Block.BASELINE_ON, Block.TARGET_ON)}
    for block in (Block.BASELINE_ON, Block.TARGET_ON):
        day = state_of(values, block).get("selected_date")
        found[block] = day if isinstance(day, str) else ""
    return found


def read_measure(values) -> dict[str, str]:
    found: dict[str, str] = {
        block: state_text(values, block)
        for block in (
            Block.MEASURE_NAME,
            Block.MEASURE_OWNER,
            Block.MEASURE_SOURCE,
            Block.MEASURE_UNIT,
            Block.MEASURE_DIRECTION,
            Block.BASELINE,
            Block.TARGET,
        )
    }
    for block in (Block.BASELINE_ON, Block.TARGET_ON):
        day = state_of(values, block).get("selected_date")
        found[block] = day if isinstance(day, str) else ""
    return found


def measure_saved(initiative_name: str, name: str) -> Message:
    text = (
        f"*{escape(name)}* is now a success measure of *{escape(initiative_name)}*. I'll ask its owner whether it "
        "is what they track (it counts as agreed once they confirm or correct it); they will be asked for the "
        f"latest value in each monthly check-in and quarterly review. `{COMMAND} measures {escape(initiative_name)}` adds another."
    )
    return Message(text=text, blocks=[section(text)])
