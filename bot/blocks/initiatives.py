"""The "new initiative" modal, the initiative list and the help text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    UserMultiSelectElement,
)
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.business_calendar import warning_text
from bot.blocks.common import (
    channel,
    channel_input,
    context,
    escape,
    form_modal,
    mention,
    section,
    shorten,
    state_of,
    state_text,
)
from bot.ids import COMMAND, Action, Block, Callback, Element, Subcommand
from bot.limits import DESCRIPTION_MAX, GOAL_MAX, NAME_MAX, STAKEHOLDERS_MAX
from bot.services.business_calendar import BusyWarning
from bot.services.changes import EditForm
from bot.services.initiatives import FirstAsk, Listing, NewInitiative

OPEN, CLOSED = "open", "closed"  # the edit modal's status options


def _text_input(
    block: Block,
    label: str,
    *,
    max_length: int,
    multiline: bool,
    optional: bool,
    hint: str,
    placeholder: str,
    initial: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(
            action_id=Element.VALUE,
            multiline=multiline,
            max_length=max_length,
            placeholder=PlainTextObject(text=placeholder),
            initial_value=initial or None,
        ),
        optional=optional,
        hint=PlainTextObject(text=hint),
    )


def new_initiative_modal(ld_channel_id: str, editing: EditForm | None = None) -> View:
    """The "new initiative" modal; with `editing`, the same modal pre-filled to edit an open or closed initiative
    (stakeholders added get their kickoff, stakeholders removed are asked nothing more), with its status."""
    form = editing.form if editing else None
    intro = (
        "Name the initiative and its business stakeholders. Each stakeholder gets a DM asking what impact "
        "they want and what they already track."
        if editing is None
        else "Stakeholders you add get the first two questions at a sensible hour of their day; stakeholders you "
        "remove are asked nothing more (what they said stays in the exports). Every change is recorded."
    )
    blocks = [
        section(intro),
        _text_input(
            Block.NAME,
            "Initiative name",
            max_length=NAME_MAX,
            multiline=False,
            optional=False,
            hint="Unique within your workspace.",
            placeholder="e.g. Sales onboarding refresh",
            initial=form.name if form else None,
        ),
        _text_input(
            Block.GOAL,
            "Business goal it serves",
            max_length=GOAL_MAX,
            multiline=False,
            optional=False,
            hint="In the business's words, not L&D's.",
            placeholder="e.g. New reps reach quota in 4 months, not 6",
            initial=form.business_goal if form else None,
        ),
        _text_input(
            Block.DESCRIPTION,
            "Short description",
            max_length=DESCRIPTION_MAX,
            multiline=True,
            optional=True,
            hint="Who it is for and what it involves.",
            placeholder="What the initiative is",
            initial=form.description if form else None,
        ),
        InputBlock(
            block_id=Block.STAKEHOLDERS,
            label=PlainTextObject(text="Stakeholders"),
            element=UserMultiSelectElement(
                action_id=Element.VALUE,
                placeholder=PlainTextObject(text="Choose people"),
                max_selected_items=STAKEHOLDERS_MAX,
                initial_users=list(form.stakeholder_ids[:STAKEHOLDERS_MAX]) if form else None,
            ),
            hint=PlainTextObject(text="The business leaders and managers whose goals this serves."),
        ),
        channel_input(
            Block.CHANNEL,
            "Post summaries in",
            (form.summary_channel_id if form else None) or ld_channel_id,
            "Stakeholders' answers are posted here. Defaults to the L&D channel.",
        ),
    ]
    if editing is None:
        return form_modal(
            Callback.NEW_INITIATIVE,
            "New initiative",
            "Open initiative",
            blocks=blocks,
        )
    options = [
        Option(value=OPEN, label="Open: touchpoints go out"),
        Option(value=CLOSED, label="Closed: no touchpoints, out of the digest"),
    ]
    blocks.append(
        InputBlock(
            block_id=Block.STATUS,
            label=PlainTextObject(text="Status"),
            element=RadioButtonsElement(
                action_id=Element.VALUE, options=options, initial_option=options[0 if editing.active else 1]
            ),
            hint=PlainTextObject(text="Reopening plans the next touchpoints from today."),
        )
    )
    return form_modal(
        Callback.EDIT_INITIATIVE,
        "Edit initiative",
        "Save",
        private_metadata=str(editing.initiative_id),
        blocks=blocks,
    )


def read_status(values: Mapping) -> bool:
    """The edit modal's status: True for open (also when missing)."""
    chosen = state_of(values, Block.STATUS).get("selected_option")
    return not (isinstance(chosen, dict) and chosen.get("value") == CLOSED)


def read_new_initiative(values: Mapping) -> NewInitiative:
    """The modal's state values as a form; anything missing or of the wrong shape reads as empty."""
    users = state_of(values, Block.STAKEHOLDERS).get("selected_users")
    chosen = state_of(values, Block.CHANNEL).get("selected_conversation")
    return NewInitiative(
        name=state_text(values, Block.NAME),
        business_goal=state_text(values, Block.GOAL),
        description=state_text(values, Block.DESCRIPTION),
        stakeholder_ids=tuple(dict.fromkeys(u for u in users if isinstance(u, str))) if isinstance(users, list) else (),
        summary_channel_id=chosen if isinstance(chosen, str) and chosen else None,
    )


def initiative_list(listing: Listing) -> Message:
    rows, page, pages, total = listing.rows, listing.page, listing.pages, listing.total
    if total == 0:
        return Message(
            text="No initiatives yet.",
            blocks=[section(f"No initiatives yet. Open the first with `{COMMAND} {Subcommand.NEW}`.")],
        )
    blocks: list[SlackBlock] = [HeaderBlock(text=PlainTextObject(text=f"Initiatives ({total})"))]
    for row in rows:
        blocks.append(
            section(
                f"*{escape(row.name)}*{'' if row.active else ' · _closed_'} · {row.answered}/{row.stakeholders} answered\n"
                f"{escape(row.business_goal)}\n"
                f"Opened by {mention(row.created_by)} · summaries in {channel(row.summary_channel_id)}"
            )
        )
    blocks.append(DividerBlock())
    blocks.append(context(f"Page {page} of {pages}"))
    buttons = []
    scope = " --all" if listing.include_closed else ""  # the next page lists the same initiatives
    if page > 1:
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text="Previous"), action_id=f"{Action.LIST_PAGE}_prev", value=f"{page - 1}{scope}"
            )
        )
    if page < pages:
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text="Next"), action_id=f"{Action.LIST_PAGE}_next", value=f"{page + 1}{scope}"
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id=Action.LIST_PAGE, elements=buttons))
    lines = "\n".join(
        f"{escape(r.name)}{'' if r.active else ' (closed)'}: {r.answered}/{r.stakeholders} answered" for r in rows
    )
    return Message(text=f"Initiatives ({total}), page {page} of {pages}:\n{lines}", blocks=blocks)


HELP = [
    (Subcommand.NEW, "open an initiative and ask its stakeholders the two alignment questions"),
    (
        f"{Subcommand.LIST} [--all]",
        "the open initiatives, with how many stakeholders have answered (`--all`: closed ones too)",
    ),
    (f"{Subcommand.EDIT} <initiative>", "change its name, goal, description, summary channel, stakeholders or status"),
    (f"{Subcommand.CLOSE} <initiative>", "stop its touchpoints and take it out of the digest (its history stays)"),
    (
        f"{Subcommand.REOPEN} <initiative>",
        "open a closed initiative again: its next touchpoints are planned from today",
    ),
    (f"{Subcommand.RETIRE} <initiative> / <measure>", "ask no more readings of a success measure (its readings stay)"),
    (f"{Subcommand.SCHEDULE} <initiative>", "when its monthly check-ins and quarterly reviews go out"),
    (Subcommand.UPCOMING, "the touchpoints due next"),
    (f"{Subcommand.PAUSE} @person until YYYY-MM-DD", "send a stakeholder nothing until that day"),
    (Subcommand.DIGEST, "a private preview of this week's digest (`digest settings`: its day, time and channel)"),
    (f"{Subcommand.SHIFTS} [initiative]", "priority shifts of the last 30 days"),
    (f"{Subcommand.ALIGNMENT} [initiative]", "the alignment index, and what it is made of"),
    (f"{Subcommand.MEASURES} <initiative>", "confirm a success measure from what its stakeholders already track"),
    (
        f"{Subcommand.PLAN} <initiative>",
        "fill in its plan (pre-filled from what its stakeholders said) and ask them to sign it off",
    ),
    (
        f"{Subcommand.EXPORT} [initiative | mine]",
        "the plan and everything said, as an Excel workbook in your DM "
        "(`mine`: your own answers; anyone may ask for theirs)",
    ),
    (f"{Subcommand.IMPORT} [template]", "load initiatives and stakeholders from a workbook (`template`: a blank one)"),
    (Subcommand.HELP, "this list"),
]
SHIFT_RULES = (
    "*Priority shifts* are recorded after a check-in or review when a stakeholder says their priorities shifted "
    "(Somewhat or Significantly); their on-track or alignment rating drops by 2 or more, or to 2 or less; they revise "
    "the impact they want so that under a quarter of its key words stay; they add or drop something they track; or "
    "what matters most to them now shares under 30% of its key words with what they said before. Each shift says "
    "which rule fired and on what words."
)


def help_message(unknown: str | None = None) -> Message:
    intro = (
        f"I don't know `{escape(shorten(unknown, 40))}`. Here is what I can do:"
        if unknown
        else "Touchpoint keeps your L&D team in step with the business people each initiative serves."
    )
    lines = "\n".join(f"• `{COMMAND} {sub}`: {what}" for sub, what in HELP)
    return Message(text=f"{intro}\n{lines}", blocks=[section(intro), section(lines), context(SHIFT_RULES)])


def first_asks(
    initiative_name: str, asks: tuple[FirstAsk, ...], now: datetime, busy: tuple[BusyWarning, ...] = ()
) -> Message:
    """The L&D member who opened an initiative learns when each stakeholder gets the first two questions (and who
    is in their busiest weeks now: a warning, not a refusal)."""
    text = (
        f"*{escape(initiative_name)}* is open. Its stakeholders get the first two questions at a sensible hour of "
        "their own day:\n" + ask_lines(asks, now)
    )
    if busy:
        text += "\n" + warning_text(busy)
    return Message(text=f"{escape(initiative_name)} is open: when each stakeholder is asked", blocks=[section(text)])


def ask_lines(asks: tuple[FirstAsk, ...], now: datetime) -> str:
    """When each stakeholder gets the first two questions, one line each."""
    lines = []
    for ask in asks:
        if ask.due_at <= now:
            lines.append(f"• {mention(ask.user_id)}: now")
        else:
            local = ask.due_at.astimezone(ZoneInfo(ask.tz))
            lines.append(
                f"• {mention(ask.user_id)}: {local:%a %d %b} at {local:%H:%M} their time ({ask.tz}), "
                "the next working hours of their day"
            )
    return "\n".join(lines)
