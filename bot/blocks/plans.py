"""The plan modal an L&D member fills in, the DM that asks a stakeholder to sign the plan off (sections within
Slack's 3,000 characters and 50 blocks), their "Something's off" and "What I will do to help" modals."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import (
    context,
    escape,
    escaped_within,
    form_modal,
    mention,
    metadata,
    quoted_sections,
    read_metadata_id,
    section,
    state_of,
    state_text,
)
from bot.ids import Action, Callback, Element
from bot.ids import Block as BlockId
from bot.services.export_plan import FIELDS, LABELS
from bot.services.plans import TEXT_MAX, PlanForm, Saved
from bot.services.signoff_dms import SignoffDm, SignoffStatus
from bot.services.signoffs import STATE_NAMES
from storage.models import SignoffAnswer

MESSAGE_BLOCKS_MAX = 50  # Slack's limit for a message
ASK = "ask"


def field_block(key: str) -> str:
    return f"{BlockId.PLAN_PREFIX}{key}"  # as the service names it in its errors


def plan_modal(form: PlanForm) -> View:
    version = f"version {form.version}" if form.version else "not saved yet"
    blocks: list[Block] = [
        section(
            f"*{escape(form.initiative_name)}*: the plan as the business reads it ({version}). "
            "Empty elements are pre-filled from what Touchpoint knows: the goal, the impact each stakeholder wants, "
            "the success measures and their targets, open priority shifts and what stakeholders asked to adjust."
        )
    ]
    written = dict(form.values)
    for key, label in FIELDS:
        text = written.get(key, "")
        blocks.append(
            InputBlock(
                block_id=field_block(key),
                label=PlainTextObject(text=label),
                optional=key != "overview",
                element=PlainTextInputElement(
                    action_id=Element.VALUE, multiline=True, max_length=TEXT_MAX, initial_value=text[:TEXT_MAX] or None
                ),
                hint=PlainTextObject(text="Pre-filled from what Touchpoint knows") if key in form.prefilled else None,
            )
        )
    blocks.append(
        InputBlock(
            block_id=BlockId.PLAN_ASK,
            label=PlainTextObject(text="Sign-off"),
            optional=True,
            element=CheckboxesElement(
                action_id=Element.VALUE,
                options=[Option(text=PlainTextObject(text="Ask the stakeholders to sign it off"), value=ASK)],
            ),
            hint=PlainTextObject(
                text="Manage closely and keep satisfied must sign; keep informed and monitor get it for information. "
                "Whoever signed an earlier version is asked again when it changes."
            ),
        )
    )
    return form_modal(
        Callback.PLAN, "The plan", "Save", private_metadata=metadata(initiative=form.initiative_id), blocks=blocks
    )


def read_initiative_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "initiative")


def read_plan(values: Mapping) -> tuple[dict[str, str], bool]:
    """The elements as typed, and whether to ask for sign-off."""
    fields = {key: state_text(values, field_block(key)) for key in LABELS}
    chosen = state_of(values, BlockId.PLAN_ASK).get("selected_options") or []
    ask = any(isinstance(o, Mapping) and o.get("value") == ASK for o in chosen)
    return fields, ask


def saved_notice(saved: Saved) -> str:
    name = escape(saved.initiative_name)
    if saved.changed:
        what = f"Saved version {saved.version} of the plan of *{name}* ({', '.join(saved.changed)})."
    else:
        what = f"Nothing in the plan of *{name}* changed: it stays version {saved.version}."
    if saved.asked:
        again = (
            f" ({saved.asked_again} of them signed an earlier version and are told what changed)"
            if saved.asked_again
            else ""
        )
        what += f" {saved.asked} stakeholder{'s' if saved.asked != 1 else ''} will be asked to sign it off{again}."
    return what


# The stakeholder's DM


def _buttons(dm: SignoffDm) -> ActionsBlock:
    value = str(dm.signoff_id)
    return ActionsBlock(
        block_id=f"plan_signoff_{dm.signoff_id}",
        elements=[
            ButtonElement(
                text=PlainTextObject(text="This matches our plan"),
                action_id=Action.PLAN_MATCHES,
                value=value,
                style="primary",
            ),
            ButtonElement(text=PlainTextObject(text="Something's off"), action_id=Action.PLAN_OFF, value=value),
            ButtonElement(
                text=PlainTextObject(text="What I will do to help"), action_id=Action.PLAN_COMMIT, value=value
            ),
        ],
    )


def _intro(dm: SignoffDm) -> str:
    name = escape(dm.initiative_name)
    who = mention(dm.user_id)
    if dm.changes is not None:
        return (
            f"Hi {who}! The plan of *{name}* has changed since you said it matches your plan. Here is what changed, "
            "then the whole plan: does it still match?"
        )
    if dm.must_sign:
        return (
            f"Hi {who}! {mention(dm.asked_by)} from the L&D team has written the plan of *{name}*. Does it match your "
            "plan? Your sign-off, and what you will do to help, is what makes it a plan the business and L&D share."
        )
    return (
        f"Hi {who}! {mention(dm.asked_by)} from the L&D team shares the plan of *{name}* with you, for your "
        "information: you don't need to sign it, but if something's off, say so."
    )


def _answered(dm: SignoffDm) -> list[Block]:
    lines = []
    if dm.answer == SignoffAnswer.MATCHES:
        lines.append("✅ You said this matches your plan.")
    elif dm.answer == SignoffAnswer.OFF:
        lines.append(f"⚠️ You said something's off: {escaped_within(dm.comment, 1500)}")
    if dm.commitment:
        lines.append(f"🤝 What you will do to help: {escaped_within(dm.commitment, 1200)}")
    return [section("\n".join(lines))] if lines else []


def signoff_message(dm: SignoffDm) -> Message:
    """The whole plan, a section per element (long ones split), what changed first when it was signed before; within
    Slack's 50 blocks: elements that would not fit are named, and are in the workbook."""
    head: list[Block] = [section(_intro(dm))]
    body: list[Block] = []
    if dm.changes is not None:
        body.append(section("*What changed since you approved*"))
        for label, text in dm.changes:
            body += quoted_sections(f"*{escape(label)}* (changed)", text or "(now empty)")
        body.append(section(f"*The plan, version {dm.version}*"))
    for label, text in dm.fields:
        body += quoted_sections(f"*{escape(label)}*", text)
    tail: list[Block] = [*_answered(dm), _buttons(dm)]
    room = MESSAGE_BLOCKS_MAX - len(head) - len(tail) - 1
    if len(body) > room:
        body = [
            *body[:room],
            context("The rest of the plan did not fit in one message: it is on the workbook's Plan sheet."),
        ]
    text = f"The plan of {escape(dm.initiative_name)}: does it match your plan?"
    return Message(text=text, blocks=head + body + tail)


def reminder_message(dm: SignoffDm) -> Message:
    text = (
        f"A reminder, {mention(dm.user_id)}: the plan of *{escape(dm.initiative_name)}* is waiting for your sign-off "
        "(the message above). One click says it matches your plan, or tell us what is off."
    )
    return Message(text=text, blocks=[section(text)])


def _comment_modal(callback: str, title: str, submit: str, dm: SignoffDm, block: str, label: str, initial: str) -> View:
    return form_modal(
        callback,
        title,
        submit,
        private_metadata=metadata(signoff=dm.signoff_id),
        blocks=[
            section(f"*{escape(dm.initiative_name)}*, the plan's version {dm.version}"),
            InputBlock(
                block_id=block,
                label=PlainTextObject(text=label),
                element=PlainTextInputElement(
                    action_id=Element.VALUE,
                    multiline=True,
                    max_length=TEXT_MAX,
                    initial_value=initial[:TEXT_MAX] or None,
                ),
            ),
        ],
    )


def off_modal(dm: SignoffDm) -> View:
    initial = dm.comment if dm.answer == SignoffAnswer.OFF else ""
    return _comment_modal(
        Callback.PLAN_OFF, "Something's off", "Send", dm, BlockId.PLAN_COMMENT, "What is off?", initial
    )


def commit_modal(dm: SignoffDm) -> View:
    return _comment_modal(
        Callback.PLAN_COMMIT,
        "What I will do to help",
        "Save",
        dm,
        BlockId.PLAN_COMMITMENT,
        "What will you do to help this initiative succeed?",
        dm.commitment,
    )


def read_signoff_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "signoff")


def read_comment(values: Mapping, block: str) -> str:
    return state_text(values, block)


def answered_notice(dm: SignoffDm) -> str:
    if dm.answer == SignoffAnswer.OFF:
        return f"Thanks: the L&D team sees what is off in the plan of *{escape(dm.initiative_name)}*."
    return f"Thanks: your commitment to *{escape(dm.initiative_name)}* is recorded."


def not_sent(dm: SignoffDm, why: str) -> Message:
    text = (
        f"I couldn't send the plan of *{escape(dm.initiative_name)}* to {mention(dm.user_id)} for sign-off: "
        f"{escape(why)}. Their sign-off shows as not asked."
    )
    return Message(text=text, blocks=[section(text)])


def status_line(statuses: tuple[SignoffStatus, ...]) -> str:
    """Who signed, who is waiting, what is off: one line for the L&D Home."""
    if not any(s.state != "not_asked" for s in statuses):
        return "Plan: not sent for sign-off yet"
    parts = []
    for s in statuses:
        state = STATE_NAMES[s.state] + (" (past the reminder)" if s.overdue else "")
        role = "" if s.must_sign else " (for information)"
        parts.append(f"{mention(s.user_id)}{role}: {state}")
    return "Plan sign-off: " + " · ".join(parts)
