"""The schedule modal, the upcoming list and the short confirmations of snoozes and pauses."""

from __future__ import annotations

import calendar as cal
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.business_calendar import warning_text
from bot.blocks.common import (
    context,
    escape,
    form_modal,
    mention,
    metadata,
    read_metadata_id,
    section,
    state_of,
    state_text,
)
from bot.blocks.common import date as slack_date
from bot.ids import Block, Callback, Element
from bot.services.cadence import ScheduleForm, ScheduleSettings
from bot.services.planning import UpcomingRow
from bot.services.touchpoints import describe

_ORDINALS = {
    1: "1st",
    2: "2nd",
    3: "3rd",
    4: "4th",
    5: "5th",
    6: "6th",
    7: "7th",
    8: "8th",
    9: "9th",
    10: "10th",
    -1: "last",
}
_FISCAL_MONTHS = [(m, f"{_ORDINALS[m]} month of the financial year") for m in range(1, 10)] + [
    (10, "10th month of the financial year"),
    (11, "11th month of the financial year"),
    (12, "12th (last) month of the financial year"),
]
_KINDS = {"checkins": "Monthly check-ins", "reviews": "Quarterly reviews (in place of that month's check-in)"}


def _options(pairs) -> list[Option]:
    return [Option(text=PlainTextObject(text=label), value=str(value)) for value, label in pairs]


def _select(block: Block, label: str, pairs, initial, hint: str | None = None) -> InputBlock:
    options = _options(pairs)
    chosen = next((o for o in options if o.value == str(initial)), None)
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        hint=PlainTextObject(text=hint) if hint else None,
        element=StaticSelectElement(action_id=Element.VALUE, options=options, initial_option=chosen),
    )


def _number(block: Block, label: str, initial: int, hint: str, optional: bool = False) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        hint=PlainTextObject(text=hint),
        optional=optional,
        element=PlainTextInputElement(action_id=Element.VALUE, initial_value=str(initial), max_length=3),
    )


def _checkboxes(block: Block, label: str, pairs, chosen: set[str]) -> InputBlock:
    options = _options(pairs)
    initial = [o for o in options if o.value in chosen] or None
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        optional=block == Block.KINDS,
        element=CheckboxesElement(action_id=Element.VALUE, options=options, initial_options=initial),
    )


def _busy_weeks(schedule: ScheduleSettings) -> list:
    """The business calendar's warning: a stakeholder's busiest weeks, which their touchpoints already avoid, and
    which a rollout or a quiet period planned here should know of (a warning, not a refusal)."""
    if not schedule.busy_weeks:
        return []
    return [
        context(
            f"Touchpoint sends nothing to these stakeholders then; plan around it.\n{warning_text(schedule.busy_weeks)}"
        )
    ]


def schedule_modal(initiative_id: int, initiative_name: str, schedule: ScheduleSettings) -> View:
    kinds = {k for k in ("checkins", "reviews") if getattr(schedule, k)}
    return form_modal(
        Callback.SCHEDULE,
        "Touchpoint schedule",
        "Save",
        private_metadata=metadata(initiative=initiative_id),
        blocks=[
            section(
                f"When *{escape(initiative_name)}*'s stakeholders hear from us. Times are each stakeholder's own "
                "local time; a day that is not a working day, is a public holiday where they are, or falls in a "
                "quiet period moves to the next day that is none of those."
            ),
            *_busy_weeks(schedule),
            _checkboxes(Block.KINDS, "Touchpoints", _KINDS.items(), kinds),
            _select(
                Block.DAY_RULE,
                "Which day of the month",
                [("weekday", "A weekday"), ("working_day", "A working day")],
                schedule.day_rule,
            ),
            _select(
                Block.NTH, "Which one", _ORDINALS.items(), schedule.nth, "e.g. the 2nd Tuesday, or the 3rd working day"
            ),
            _select(Block.WEEKDAY, "Weekday (for \u201ca weekday\u201d)", enumerate(cal.day_name), schedule.weekday),
            InputBlock(
                block_id=Block.SEND_TIME,
                label=PlainTextObject(text="Local send time"),
                element=TimePickerElement(action_id=Element.VALUE, initial_time=schedule.send_time),
            ),
            _select(
                Block.FISCAL_START,
                "Financial year starts in",
                ((m, cal.month_name[m]) for m in range(1, 13)),
                schedule.fiscal_year_start,
                "Quarterly reviews fall in this month and every third month after it.",
            ),
            _checkboxes(
                Block.WORKING_DAYS, "Working days", enumerate(cal.day_name), set(schedule.working_days.split(","))
            ),
            _number(
                Block.QUIET_LAST_DAYS,
                "Quiet days at the end of each quarter",
                schedule.quiet_last_days,
                "Nothing is sent in the last N days of each quarter (e.g. 10 for sales teams). 0 for none.",
                optional=True,
            ),
            InputBlock(
                block_id=Block.QUIET_RANGES,
                label=PlainTextObject(text="Other quiet periods"),
                optional=True,
                hint=PlainTextObject(text="One per line, like 2026-12-21..2027-01-03"),
                element=PlainTextInputElement(
                    action_id=Element.VALUE,
                    multiline=True,
                    max_length=1000,
                    initial_value=schedule.quiet_ranges or None,
                ),
            ),
            _number(
                Block.REMINDER_AFTER,
                "Remind after (working days)",
                schedule.reminder_after,
                "One reminder if unanswered.",
            ),
            _number(
                Block.MISSED_AFTER, "Missed after (working days)", schedule.missed_after, "Then the touchpoint closes."
            ),
            _select(
                Block.CALIBRATION_FIRST,
                "First calibration session",
                _FISCAL_MONTHS,
                schedule.calibration_first,
                "The initiative's owner gets a calibration pack at the start of this month of the financial year.",
            ),
            _select(
                Block.CALIBRATION_SECOND,
                "Second calibration session",
                _FISCAL_MONTHS,
                schedule.calibration_second,
                "Six months after the first is usual: the 6th and the 12th come before each half ends.",
            ),
        ],
    )


def read_schedule(values: Mapping) -> ScheduleForm:
    def chosen(block: Block) -> set[str]:
        options = state_of(values, block).get("selected_options")
        given = [o.get("value") for o in options if isinstance(o, Mapping)] if isinstance(options, list) else []
        return {v for v in given if isinstance(v, str)}

    send_time = state_of(values, Block.SEND_TIME).get("selected_time")
    kinds = chosen(Block.KINDS)
    return ScheduleForm(
        checkins="checkins" in kinds,
        reviews="reviews" in kinds,
        day_rule=state_text(values, Block.DAY_RULE),
        nth=state_text(values, Block.NTH),
        weekday=state_text(values, Block.WEEKDAY),
        send_time=send_time if isinstance(send_time, str) else "",
        fiscal_year_start=state_text(values, Block.FISCAL_START),
        working_days=tuple(sorted(chosen(Block.WORKING_DAYS))),
        quiet_last_days=state_text(values, Block.QUIET_LAST_DAYS),
        quiet_ranges=state_text(values, Block.QUIET_RANGES),
        reminder_after=state_text(values, Block.REMINDER_AFTER),
        missed_after=state_text(values, Block.MISSED_AFTER),
        calibration_first=state_text(values, Block.CALIBRATION_FIRST),
        calibration_second=state_text(values, Block.CALIBRATION_SECOND),
    )


def read_initiative_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "initiative")


def upcoming_list(rows: list[UpcomingRow]) -> Message:
    if not rows:
        return Message(
            text="Nothing is scheduled yet.",
            blocks=[
                section(
                    "Nothing is scheduled yet. Check-ins are planned once a stakeholder has had the first two questions."
                )
            ],
        )
    lines = [
        f"• {slack_date(r.due_at)} · {describe(r.kind)} · {mention(r.user_id)} · *{escape(r.initiative_name)}* · "
        f"{r.due_at.astimezone(ZoneInfo(r.tz)):%a %d %b %H:%M} in {r.tz}"
        for r in rows
    ]
    return Message(
        text=f"The next {len(rows)} touchpoints:\n" + "\n".join(lines),
        blocks=[
            section(f"*The next {len(rows)} touchpoints* (first the time where you are, then theirs):"),
            *[section(chunk) for chunk in _chunks(lines)],
        ],
    )


def _chunks(lines: list[str], limit: int = 2900) -> list[str]:
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return chunks + ([current] if current else [])


def saved(initiative_name: str) -> Message:
    text = f"Saved the schedule for *{escape(initiative_name)}*. Coming touchpoints follow it from now on."
    return Message(text=text, blocks=[section(text)])


def snoozed(until: datetime) -> Message:
    text = f"Snoozed. I'll remind you {slack_date(until)}."
    return Message(text=text, blocks=[section(text)])


def paused(user_id: str, until: date, moved: int, *, self_service: bool) -> Message:
    who = "you" if self_service else mention(user_id)
    text = (
        f"Got it: no touchpoints for {who} until after {until:%A} {until.day} {until:%B %Y}. They resume by themselves"
        + (f"; {moved} coming touchpoint{'s' if moved != 1 else ''} moved to after that." if moved else ".")
    )
    return Message(text=text, blocks=[section(text)])
