"""The outcome modal of a follow-up: how the conversation with the stakeholder ended, and a note."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, PlainTextObject, RadioButtonsElement
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import (
    context,
    escape,
    form_modal,
    mention,
    metadata,
    read_metadata_id,
    section,
    state_text,
)
from bot.blocks.shifts import describe_line
from bot.ids import Block, Callback, Element
from bot.services.followups import NOTE_MAX, OUTCOMES, OutcomeForm
from bot.services.shifts import SummaryView

LINES_SHOWN = 5


def outcome_modal(found: OutcomeForm) -> View:
    person = found.person
    lines = "\n".join(f"• {describe_line(line, 120)}" for line in person.lines[:LINES_SHOWN])
    if len(person.lines) > LINES_SHOWN:
        lines += f"\n…and {len(person.lines) - LINES_SHOWN} more"
    options = [Option(text=PlainTextObject(text=label), value=value) for value, label in OUTCOMES.items()]
    current = person.outcome
    blocks: list = [
        section(f"*{escape(found.initiative_name)}* · {mention(person.user_id)}'s priority shifts\n{lines}"[:3000]),
        InputBlock(
            block_id=Block.OUTCOME,
            label=PlainTextObject(text="How did the conversation end?"),
            element=RadioButtonsElement(
                action_id=Element.VALUE,
                options=options,
                initial_option=next((o for o in options if current and o.value == current.outcome), None),
            ),
        ),
        InputBlock(
            block_id=Block.OUTCOME_NOTE,
            label=PlainTextObject(text="Note"),
            optional=True,
            element=PlainTextInputElement(
                action_id=Element.VALUE,
                multiline=True,
                max_length=NOTE_MAX,
                initial_value=current.note if current and current.note else None,
            ),
            hint=PlainTextObject(text="What was agreed, or what happens next. Shown to the channel."),
        ),
    ]
    if current:
        blocks.append(context("Recording again replaces the outcome shown; the earlier one is kept."))
    return form_modal(
        Callback.SHIFT_OUTCOME,
        "Follow-up outcome",
        "Record",
        private_metadata=metadata(summary=found.summary_id, stakeholder=person.stakeholder_id, upto=found.upto),
        blocks=blocks,
    )


def read_target(private_metadata: str | None) -> tuple[int, int, int | None] | None:
    """The follow-up (summary id, stakeholder id) the modal was opened for, and the newest shift it showed (None
    from a modal opened before it said)."""
    summary_id = read_metadata_id(private_metadata, "summary")
    stakeholder_id = read_metadata_id(private_metadata, "stakeholder")
    upto = read_metadata_id(private_metadata, "upto")
    return None if summary_id is None or stakeholder_id is None else (summary_id, stakeholder_id, upto)


def read_outcome(values: Mapping) -> dict[str, str]:
    return {block: state_text(values, block) for block in (Block.OUTCOME, Block.OUTCOME_NOTE)}


def outcome_recorded(view: SummaryView, stakeholder_id: int) -> Message:
    person = next((p for p in view.people if p.stakeholder_id == stakeholder_id), None)
    label = OUTCOMES.get(person.outcome.outcome, "") if person and person.outcome else ""
    who = mention(person.user_id) if person else "the stakeholder"
    text = f"Recorded for {who}'s shifts in *{escape(view.initiative_name)}*: {label}."
    return Message(text=text, blocks=[section(text)])
