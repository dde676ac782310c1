"""The DM that asks a measure's owner whether it is what they track, and the modal of their correction."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import context, escape, form_modal, mention, metadata, read_metadata_id, section
from bot.blocks.measures import agreement_text, date_input, number_input, read_fields
from bot.ids import Action, Block, Callback, Element
from bot.services.agreement import ProposalView, correction_blocks
from bot.services.measures import NAME_MAX
from storage.models import Direction


def _figures(view: ProposalView) -> str:
    unit = f" {escape(view.unit)}" if view.unit else ""
    lines = [f"*{escape(view.name)}*"]
    if view.baseline is not None and view.baseline_on is not None:
        lines.append(f"Baseline: *{view.baseline:g}{unit}* on {view.baseline_on:%-d %b %Y}")
    else:
        lines.append("Baseline: none yet")
    if view.target is not None and view.target_on is not None:
        lines.append(f"Target: *{view.target:g}{unit}* by {view.target_on:%-d %b %Y}")
    else:
        lines.append("Target: none yet")
    lines.append("Higher is better" if view.direction == Direction.HIGHER else "Lower is better")
    return "\n".join(lines)


def _buttons(view: ProposalView) -> ActionsBlock:
    elements = []
    if view.agreed_at is None:
        elements.append(
            ButtonElement(
                text=PlainTextObject(text="Yes, that's right"),
                action_id=Action.MEASURE_AGREE,
                value=str(view.measure_id),
                style="primary",
            )
        )
    elements.append(
        ButtonElement(
            text=PlainTextObject(text="Correct it"), action_id=Action.MEASURE_CORRECT, value=str(view.measure_id)
        )
    )
    return ActionsBlock(block_id=f"measure_{view.measure_id}", elements=elements)


def proposal_message(view: ProposalView) -> Message:
    """The owner's DM: before they answer, the question; after, what they agreed (and a way to correct it)."""
    name = escape(view.initiative_name)
    if view.agreed_at is None:
        intro = (
            f"Hi {mention(view.owner_user_id)}! {mention(view.proposed_by)} from the L&D team has made something "
            f"you track a success measure of *{name}*. Is this what you track? Are this baseline and target right?"
        )
        footer = (
            "Only you can agree it or correct it. Once agreed, your check-ins and reviews ask for its latest value."
        )
    else:
        how = "corrected and agreed" if view.corrected else "agreed"
        intro = f"✅ Thanks {mention(view.owner_user_id)}: you {how} this success measure of *{name}*."
        footer = f"{agreement_text(view.owner_user_id, view.agreed_at)} · you can still correct it"
    return Message(
        text=f"{name}: is this what you track? {escape(view.name)}"[:3000],
        blocks=[section(intro), section(_figures(view)[:3000]), _buttons(view), context(footer)],
    )


def correction_modal(view: ProposalView) -> View:
    return form_modal(
        Callback.MEASURE_CORRECTION,
        "Correct the measure",
        "Agree as corrected",
        private_metadata=metadata(measure=view.measure_id),
        blocks=[
            section(f"*{escape(view.initiative_name)}*: say it as you track it, with the baseline and target you see."),
            InputBlock(
                block_id=Block.MEASURE_NAME,
                label=PlainTextObject(text="Measure"),
                element=PlainTextInputElement(action_id=Element.VALUE, max_length=NAME_MAX, initial_value=view.name),
            ),
            number_input(Block.BASELINE, "Baseline", view.baseline),
            date_input(Block.BASELINE_ON, "Baseline date", view.baseline_on),
            number_input(Block.TARGET, "Target", view.target),
            date_input(Block.TARGET_ON, "Target date", view.target_on),
        ],
    )


def read_measure_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "measure")


def read_correction(values) -> dict[str, str]:
    return read_fields(values, correction_blocks())


def agreed_notice(view: ProposalView) -> Message:
    text = f"Thanks: *{escape(view.name)}* is agreed as you corrected it. The L&D team sees it that way now."
    return Message(text=text, blocks=[section(text)])


def proposal_not_sent(view: ProposalView, why: str) -> Message:
    text = (
        f"I couldn't ask {mention(view.owner_user_id)} whether *{escape(view.name)}* ({escape(view.initiative_name)}) "
        f"is what they track: {escape(why)}. It stays waiting for them until they agree it."
    )
    return Message(text=text, blocks=[section(text)])
