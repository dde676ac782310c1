"""The business calendar: the planning touchpoint's DM and modal, and the warning an L&D member sees when a date
they set falls into a stakeholder's busiest weeks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    InputBlock,
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
    metadata,
    read_metadata_id,
    section,
    state_of,
    state_text,
)
from bot.blocks.measures import date_input
from bot.ids import Action, Block, Callback, Element
from bot.services.business_calendar import (
    BUSY_RANGES_MAX,
    QUESTION_BUSY,
    QUESTION_MATTERS,
    TEXT_MAX,
    BusyWarning,
    PlanningView,
    describe_range,
    next_year_start,
)

NAMES_SHOWN = 10


def _year(view: PlanningView) -> str:
    last = next_year_start(view.year_start) - timedelta(days=1)
    return f"the financial year from {view.year_start:%-d %B %Y} to {last:%-d %B %Y}"


def _initiatives(view: PlanningView) -> str:
    names = [f"*{escape(n)}*" for n in view.initiative_names[:NAMES_SHOWN]]
    more = len(view.initiative_names) - NAMES_SHOWN
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def busy_weeks(ranges: Sequence[tuple]) -> str:
    return ", ".join(describe_range(a, b) for a, b in ranges) or "none given"


def planning_message(view: PlanningView) -> Message:
    """The stakeholder's DM: before they answer, the two questions and a button; after, what they said."""
    button_text = "Change my answer" if view.answered_at else "Answer"
    button = ButtonElement(
        text=PlainTextObject(text=button_text),
        action_id=Action.PLANNING_ANSWER,
        value=str(view.ask_id),
        style=None if view.answered_at else "primary",
    )
    if view.answered_at is None:
        intro = (
            f"Next year is being planned. Before {_year(view)} starts, the L&D team would like two minutes of your "
            f"view, for {_initiatives(view)}:\n• {QUESTION_MATTERS}\n• {QUESTION_BUSY}"
        )
        footer = "Your busiest weeks become quiet weeks: Touchpoint sends you nothing in them."
    else:
        intro = (
            f"✅ Thanks: the L&D team has your plans for {_year(view)}.\n*What matters most:* "
            f"{escaped_within(view.matters_most, 2000)}\n*Busiest weeks:* {busy_weeks(view.busy_ranges)}"
        )
        if view.busy_text:
            intro += f" ({escaped_within(view.busy_text, 500)})"
        footer = "Touchpoint sends you nothing in your busiest weeks. You can change your answer."
    return Message(
        text=f"Planning next year: {QUESTION_MATTERS}",
        blocks=[
            section(intro[:3000]),
            ActionsBlock(block_id=f"planning_{view.ask_id}", elements=[button]),
            context(footer),
        ],
    )


def planning_modal(view: PlanningView) -> View:
    ranges = list(view.busy_ranges)
    pickers = []
    for n in range(1, BUSY_RANGES_MAX + 1):
        start, end = ranges[n - 1] if n <= len(ranges) else (None, None)
        pickers += [
            date_input(f"{Block.PLANNING_BUSY_FROM_PREFIX}{n}", f"Busy weeks {n}: from", start),
            date_input(f"{Block.PLANNING_BUSY_TO_PREFIX}{n}", f"Busy weeks {n}: to", end),
        ]
    return form_modal(
        Callback.PLANNING,
        "Planning next year",
        "Send",
        private_metadata=metadata(ask=view.ask_id),
        blocks=[
            section(f"For {_initiatives(view)}, {_year(view)}."[:3000]),
            InputBlock(
                block_id=Block.PLANNING_MATTERS,
                label=PlainTextObject(text=QUESTION_MATTERS),
                element=PlainTextInputElement(
                    action_id=Element.VALUE,
                    multiline=True,
                    max_length=TEXT_MAX,
                    initial_value=view.matters_most or None,
                ),
            ),
            InputBlock(
                block_id=Block.PLANNING_BUSY_TEXT,
                label=PlainTextObject(text=QUESTION_BUSY),
                optional=True,
                element=PlainTextInputElement(
                    action_id=Element.VALUE,
                    multiline=True,
                    max_length=TEXT_MAX,
                    initial_value=view.busy_text or None,
                    placeholder=PlainTextObject(text="In your words: quarter end, the March launch…"),
                ),
            ),
            context(
                f"Pick up to {BUSY_RANGES_MAX} stretches of busy weeks within the coming year: Touchpoint sends you "
                "nothing in them, and the L&D team is warned before planning anything into them."
            ),
            *pickers,
        ],
    )


def read_ask_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "ask")


def read_planning(values: Mapping) -> dict[str, str]:
    found: dict[str, str] = {b: state_text(values, b) for b in (Block.PLANNING_MATTERS, Block.PLANNING_BUSY_TEXT)}
    for n in range(1, BUSY_RANGES_MAX + 1):
        for prefix in (Block.PLANNING_BUSY_FROM_PREFIX, Block.PLANNING_BUSY_TO_PREFIX):
            day = state_of(values, f"{prefix}{n}").get("selected_date")
            found[f"{prefix}{n}"] = day if isinstance(day, str) else ""
    return found


def answered_notice(view: PlanningView) -> Message:
    text = (
        f"Thanks: the L&D team has your plans for next year. Busiest weeks: {busy_weeks(view.busy_ranges)}; "
        "Touchpoint sends you nothing in them."
    )
    return Message(text=text, blocks=[section(text)])


def warning_text(warnings: Sequence[BusyWarning], limit: int = 5) -> str:
    """ "⚠️ Dana said 3-14 March 2027 is their busiest time", one line each (a warning, not a refusal)."""
    lines = [
        f"⚠️ {escape(w.name)} said {describe_range(w.start, w.end)} is their busiest time" for w in warnings[:limit]
    ]
    if len(warnings) > limit:
        lines.append(f"…and {len(warnings) - limit} more busy stretches")
    return "\n".join(lines)
