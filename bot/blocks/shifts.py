"""Priority shifts as the summary channel and `/touchpoint shifts` show them."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, SectionBlock

from bot.blocks import Message
from bot.blocks.common import SECTION_TEXT_MAX, context, date, escape, mention, read_number, section, shorten
from bot.ids import COMMAND, Action
from bot.services.digest import day_label
from bot.services.followups import NOTE_MAX, OUTCOMES
from bot.services.shift_rules import STRENGTHS
from bot.services.shifts import PersonShifts, RecentShifts, RecordedOutcome, ShiftLine, SummaryView
from bot.services.touchpoints import describe
from storage.models import Question, ShiftRule

PEOPLE_MAX = 45  # sections in one summary message, within Slack's 50 blocks
_LABELS: dict[str, str] = {
    ShiftRule.SAID_SHIFTED: "Said their priorities shifted",
    ShiftRule.IMPACT_REVISED: "Revised the impact they want",
    ShiftRule.MEASURE_ADDED: "Tracks something new",
    ShiftRule.MEASURE_DROPPED: "No longer mentions something they tracked",
    ShiftRule.NEW_FOCUS: "What matters most to them is new",
}
_RATINGS: dict[str, str] = {
    Question.ON_TRACK: "On-track rating dropped",
    Question.ALIGNMENT: "Alignment rating dropped",
}


def label(line: ShiftLine) -> str:
    return (
        _RATINGS.get(line.question, "Rating dropped")
        if line.rule == ShiftRule.RATING_DROP
        else _LABELS.get(line.rule, line.rule)
    )


def _quote(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return "“" + escape(shorten(text, limit)) + "”"


def describe_line(line: ShiftLine, limit: int = 280) -> str:
    """One shift in mrkdwn: what changed, before -> after, and the rule's evidence."""
    head = f"*{label(line)}* · {STRENGTHS.get(line.strength, '')}"
    if line.rule == ShiftRule.RATING_DROP:
        return f"{head}: {escape(line.before) or 'first rating'} → *{escape(line.after)}* of 5"
    if line.rule == ShiftRule.MEASURE_ADDED:
        return f"{head}: {_quote(line.after, limit)}"
    if line.rule == ShiftRule.MEASURE_DROPPED:
        return f"{head}: {_quote(line.before, limit)}"
    if line.rule == ShiftRule.SAID_SHIFTED:
        return f"{head}\n      _{escape(shorten(line.evidence, limit * 2))}_"
    return (
        f"{head}\n      was: {_quote(line.before, limit)}\n      now: {_quote(line.after, limit)}"
        f"\n      _{escape(shorten(line.evidence, limit))}_"
    )


def outcome_text(outcome: RecordedOutcome, note_limit: int = NOTE_MAX) -> str:
    """How a follow-up ended, who recorded it and when, and their note (escaped: it is what a person typed)."""
    text = (
        f"🏁 *{OUTCOMES.get(outcome.outcome, escape(outcome.outcome))}* · recorded by {mention(outcome.recorded_by)} "
        f"{date(outcome.recorded_at)}"
    )
    note = " ".join(outcome.note.split())
    return text + (f"\n      _{escape(shorten(note, note_limit))}_" if note else "")


def _person_text(person: PersonShifts) -> str:
    """A stakeholder's shifts within one section's 3000 characters: long quotes are shortened until they fit."""
    heading = f"{mention(person.user_id)} · {describe(person.kind)}"
    if person.followed_up_by:
        heading += f"\n✅ {mention(person.followed_up_by)} {'followed up' if person.outcome else 'is following up'}"
        if person.followed_up_at:
            heading += f" (since {date(person.followed_up_at)})"
    for limit in (280, 140, 60, 20):
        outcome = f"\n{outcome_text(person.outcome, limit * 2)}" if person.outcome else ""
        text = heading + outcome + "".join(f"\n• {describe_line(line, limit)}" for line in person.lines)
        if len(text) <= SECTION_TEXT_MAX:
            return text
    return shorten(text, SECTION_TEXT_MAX)


def follow_up_value(summary_id: int, stakeholder_id: int) -> str:
    return f"{summary_id}:{stakeholder_id}"


def read_follow_up_value(value: object) -> tuple[int, int] | None:
    first, _, second = str(value or "").partition(":")
    summary_id, stakeholder_id = read_number(first), read_number(second)
    return None if summary_id is None or stakeholder_id is None else (summary_id, stakeholder_id)


def _person_block(view: SummaryView, person: PersonShifts) -> SectionBlock:
    block = section(_person_text(person))
    value = follow_up_value(view.summary_id, person.stakeholder_id)
    if not person.followed_up_by:
        block.accessory = ButtonElement(text="Follow up", action_id=Action.FOLLOW_UP, value=value)
    else:  # taken: its outcome is to record (or to change, the earlier one kept)
        label = "Change outcome" if person.outcome else "Record outcome"
        block.accessory = ButtonElement(text=label, action_id=Action.RECORD_OUTCOME, value=value)
    return block


def shift_summary(view: SummaryView) -> Message:
    """The day's priority-shift summary of one initiative, for its summary channel."""
    count = sum(len(p.lines) for p in view.people)
    heading = (
        f"*Priority shifts in {escape(view.initiative_name)}* · {day_label(view.day)}\n"
        f"{count} shift{'s' if count != 1 else ''} from {len(view.people)} stakeholder"
        f"{'s' if len(view.people) != 1 else ''}. Take the follow-up to talk it through with them."
    )
    blocks: list[Block] = [section(heading)]
    shown = view.people[:PEOPLE_MAX]
    blocks += [_person_block(view, person) for person in shown]
    if len(view.people) > len(shown):
        blocks.append(
            context(
                f"…and {len(view.people) - len(shown)} more stakeholders: "
                f"`{COMMAND} shifts {escape(view.initiative_name)}` lists every shift."
            )
        )
    blocks.append(
        context(f"Shifts are found by rules on the answers; each says what it saw. `{COMMAND} help` explains them.")
    )
    people = ", ".join(mention(p.user_id) for p in view.people[:10])
    return Message(text=f"{escape(view.initiative_name)}: {count} priority shift(s) from {people}", blocks=blocks)


def recent_shifts(found: RecentShifts) -> Message:
    name = escape(found.initiative_name or "")
    where = f" in *{name}*" if name else ""
    if not found.shifts:
        plain = f" in {name}" if name else ""
        return Message(
            text=f"No priority shifts{plain} in the last 30 days.",
            blocks=[section(f"No priority shifts{where} in the last 30 days.")],
        )
    blocks: list[Block] = [section(f"*Priority shifts{where} in the last 30 days* (newest first)")]
    for shift in found.shifts:
        if shift.closed:
            status = f"🏁 {mention(shift.followed_up_by or '')} followed up, outcome recorded"
        else:
            following = f"✅ {mention(shift.followed_up_by)} is following up" if shift.followed_up_by else ""
            status = following or "no follow-up yet"
        blocks.append(
            section(
                f"*{escape(shift.initiative_name)}* · {mention(shift.user_id)} · {date(shift.detected_at)} · {status}\n"
                f"• {describe_line(shift.line, 200)}"
            )
        )
    if found.total > len(found.shifts):
        hint = (
            ""
            if found.initiative_name
            else f" Name an initiative to see only its shifts: `{COMMAND} shifts <initiative>`."
        )
        blocks.append(context(f"Showing the latest {len(found.shifts)} of {found.total}.{hint}"))
    return Message(text=f"{found.total} priority shift(s) in the last 30 days", blocks=blocks)
