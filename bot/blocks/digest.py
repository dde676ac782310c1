"""The weekly digest, the alignment index on request, and the digest settings modal."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import (
    ChannelSelectElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.business_calendar import busy_weeks
from bot.blocks.common import (
    channel,
    context,
    escape,
    escaped_within,
    form_modal,
    mention,
    section,
    state_of,
    state_text,
)
from bot.ids import COMMAND, Block, Callback, Element
from bot.services import judgement
from bot.services.business_calendar import PlanningAnswerRow
from bot.services.digest import WEEKDAYS, AlignmentReport, Digest, DigestTime, InitiativeDigest, day_label
from bot.services.digest_attention import Attention

BLOCKS_PER_MESSAGE = 45  # Slack allows 50 per message
SILENT_NAMED = 10
INDEX_HELP = f"Alignment index 0-100: `{COMMAND} alignment <initiative>` shows its parts and how it is made."


def _people(user_ids: tuple[str, ...], count: int, limit: int) -> str:
    named = ", ".join(mention(u) for u in user_ids[:limit])
    rest = count - min(len(user_ids), limit)
    return f"{named} and {rest} more" if named and rest > 0 else named or f"{count} stakeholders"


def attention_list(items: Sequence[Attention], more: int, where_more: str) -> str:
    """The things that need a conversation, a bullet each, and how many more there are (`where_more`: where)."""
    lines = "\n".join(f"• {attention_line(a)}" for a in items)
    return lines + (f"\n• …and {more} more{where_more}" if more else "")


def attention_line(item: Attention) -> str:
    name = f"*{escape(item.initiative_name)}*"
    return {
        "high_influence": lambda: (
            f"{name}: {_people(item.user_ids, 1, 1)} (high influence) rated it lower than last time: "
            f"{item.value}/5, was {item.before}/5"
            if item.before is not None
            else f"{name}: {_people(item.user_ids, 1, 1)} (high influence) silent for {item.count} check-ins or "
            "reviews in a row"
        ),
        "strong_shift": lambda: (
            f"{name}: {_people(item.user_ids, 1, 1)}'s priorities shifted strongly and nobody has taken the follow-up"
        ),
        "stalled_follow_up": lambda: (
            f"{name}: {mention(item.taken_by or '')} took the follow-up of {_people(item.user_ids, 1, 1)}'s priority shifts "
            f"{item.count} days ago and no outcome is recorded yet"
        ),
        "plan_off": lambda: f"{name}: {_people(item.user_ids, item.count, 3)} said something's off in the plan",
        "plan_waiting": lambda: (
            f"{name}: {_people(item.user_ids, item.count, 3)} must sign the plan and "
            f"{'has' if item.count == 1 else 'have'} not, past the reminder"
        ),
        "calibration_unrecorded": lambda: (
            f"{name}: the calibration pack went to {_people(item.user_ids, 1, 1)} {item.count} days ago and no "
            "session is recorded yet"
        ),
        "falling": lambda: f"{name}: alignment fell from {item.before} to {item.value}",
        "silent": lambda: f"{name}: {_people(item.user_ids, item.count, 3)} silent for two check-ins or more",
        "behind_line": lambda: _behind_line(name, item),
        "first_unanswered": lambda: (
            f"{name}: {_people(item.user_ids, item.count, 3)} "
            f"{'has' if item.count == 1 else 'have'} not answered the first two questions"
        ),
        "no_impact": lambda: f"{name}: no stakeholder has said what impact they want yet",
        "no_tracking": lambda: f"{name}: nothing tracked yet that would show it working",
        "no_measure": lambda: f"{name}: no success measure agreed yet (`{COMMAND} measures`)",
        "low": lambda: f"{name}: alignment index is {item.value}",
        "no_stakeholders": lambda: f"{name}: has no active stakeholders",
    }[item.reason]()


def _behind_line(name: str, item: Attention) -> str:
    """“Time to first deal: 41 where the line says 38 by 12 Jan”: the latest reading against the line on its day."""
    b = item.measure
    if b is None:
        return name
    unit = f" {escape(b.unit)}" if b.unit else ""
    return (
        f"{name}: {escape(b.name)}: {b.value:g}{unit} where the line to its target says {round(b.expected, 1):g}{unit} "
        f"by {b.read_on:%-d %b}"
    )


def index_text(i: InitiativeDigest) -> str:
    if i.alignment.value is None:
        return "alignment: no stakeholders"
    if i.trend is None:
        trend = " (first digest)"
    else:
        trend = f" ▲{i.trend}" if i.trend > 0 else f" ▼{-i.trend}" if i.trend < 0 else " (no change)"
    return f"alignment *{i.alignment.value}*{trend}"


def initiative_text(i: InitiativeDigest) -> str:
    lines = [
        f"*{escape(i.name)}* · {index_text(i)}",
        f"Responses (30 days): {i.answered} of {i.expected} · new shifts: {i.new_shifts}"
        + (f" ({i.strong_shifts} strong)" if i.strong_shifts else "")
        + f" · overdue: {i.overdue} · missed this week: {i.missed}",
        f"Agreed impact: {i.with_impact} of {i.stakeholders} · something tracked: {i.with_tracking} of {i.stakeholders}"
        f" · measures agreed: {i.measures}"
        + (f" ({i.measures_waiting} waiting for their owners)" if i.measures_waiting else "")
        + f" · reviews in the next 14 days: {i.reviews_ahead}",
    ]
    if i.judged_shifts or i.reworded:  # revised impact statements, as their authors judged them
        said = [f"{i.judged_shifts} “{judgement.OPTIONS[judgement.CHANGED]}”"] if i.judged_shifts else []
        said += [f"{i.reworded} “{judgement.OPTIONS[judgement.REWORDED]}”"] if i.reworded else []
        lines.append("Impact statements revised this week, in their own words: " + " · ".join(said))
    if i.signoff is not None:
        s = i.signoff
        line = f"Plan sign-off: {s.signed} of {s.must_sign} who must sign"
        off = s.off_user_ids
        line += f" · something's off: {_people(off, len(off), SILENT_NAMED)}" if off else ""
        line += f" · waiting: {len(s.waiting_user_ids)}"
        line += f" ({len(s.overdue_user_ids)} past the reminder)" if s.overdue_user_ids else ""
        lines.append(line)
    if i.first_unanswered_user_ids:
        people = i.first_unanswered_user_ids
        lines.append(f"First two questions not answered: {_people(people, len(people), SILENT_NAMED)}")
    if i.silent:
        lines.append(f"Silent for two cycles or more: {_people(i.silent_user_ids, i.silent, SILENT_NAMED)}")
    return "\n".join(lines)


def digest_messages(digest: Digest, *, preview: bool = False) -> list[Message]:
    """The digest as one message and, when it is long, replies in its thread: nothing is cut, every part fits."""
    title = f"{'Preview of the weekly digest' if preview else 'Weekly digest'} · {day_label(digest.week)}"
    if digest.attention:
        lines = attention_list(digest.attention, digest.more_attention, " below")
        opening = f"*{title}*\n*Needs attention this week*\n{lines}"
    else:
        opening = f"*{title}*\nNothing needs urgent attention this week."
    count = len(digest.initiatives)
    head: list[SlackBlock] = [
        section(opening),
        *([section(planning_answers(digest.planning))] if digest.planning else []),
        context(f"{count} active initiative{'s' if count != 1 else ''}. {INDEX_HELP}"),
    ]
    bodies: list[SlackBlock] = [section(initiative_text(i)) for i in digest.initiatives]
    first_room = BLOCKS_PER_MESSAGE - len(head)
    chunks = [bodies[:first_room]] + [
        bodies[start : start + BLOCKS_PER_MESSAGE - 1]
        for start in range(first_room, len(bodies), BLOCKS_PER_MESSAGE - 1)
    ]
    total = len(chunks)
    summary = f"{title}: {len(digest.initiatives)} initiatives, {len(digest.attention) + digest.more_attention} need attention"
    messages = [Message(text=summary, blocks=head + chunks[0])]
    for number, chunk in enumerate(chunks[1:], start=2):
        messages.append(
            Message(
                text=f"{title} (continued, part {number} of {total})",
                blocks=[context(f"{title} · continued, part {number} of {total}"), *chunk],
            )
        )
    return messages


def planning_answers(answers: Sequence[PlanningAnswerRow], shown: int = 5) -> str:
    """The business calendar's new answers: what matters most next year, and the busiest weeks."""
    lines = [
        f"• {mention(a.user_id)} ({escaped_within(', '.join(a.initiative_names), 150)}): "
        f"{escaped_within(a.matters_most, 250)} · busiest: {busy_weeks(a.busy_ranges)[:200]}"
        for a in answers[:shown]
    ]
    more = len(answers) - shown
    if more > 0:
        lines.append(f"…and {more} more: see the workbook's Business calendar sheet")
    return "*New planning answers for next year*\n" + "\n".join(lines)


def alignment_report(report: AlignmentReport) -> Message:
    """The index of one initiative with each part, or of all, lowest first."""
    how = (
        "The alignment index is a weighted average, 0-100, of the parts that have evidence: agreed impact 20, "
        "measures agreed 20, responses 15, ratings 20, shifts with an outcome 10, plan signed off 15 (by those who "
        "must sign it). A part with nothing to judge yet is left out rather than counted as 0."
    )
    if report.named:
        [i] = report.initiatives
        parts = (
            "\n".join(
                f"• *{p.label}* (weight {p.weight}): "
                + (f"{round(100 * p.score)}%" if p.score is not None else "left out")
                + f" · {escape(p.detail)}"
                for p in i.alignment.parts
            )
            or "No active stakeholders, so there is nothing to measure yet."
        )
        text = f"*{escape(i.name)}* · {index_text(i)}\n{parts}"
        return Message(text=f"{escape(i.name)}: alignment {i.alignment.value}", blocks=[section(text), context(how)])
    if not report.initiatives:
        return Message(
            text="No active initiatives yet.",
            blocks=[section(f"No active initiatives yet. `{COMMAND} new` opens one.")],
        )
    shown = report.initiatives[: BLOCKS_PER_MESSAGE - 3]
    lines = [f"• *{escape(i.name)}* · {index_text(i)}" for i in shown]
    blocks: list[SlackBlock] = [section("*Alignment index by initiative* (lowest first)")]
    for start in range(0, len(lines), 20):  # 20 short lines per section stay far below 3000 characters
        blocks.append(section("\n".join(lines[start : start + 20])))
    if len(report.initiatives) > len(shown):
        blocks.append(
            context(f"Showing the lowest {len(shown)} of {len(report.initiatives)}; the weekly digest lists them all.")
        )
    blocks.append(context(how + f" `{COMMAND} alignment <initiative>` shows one initiative's parts."))
    return Message(text="Alignment index by initiative", blocks=blocks)


def preview_sent(parts: int) -> Message:
    text = (
        f"I've sent you a preview of this week's digest in our DM ({parts} message{'s' if parts != 1 else ''}). "
        "It is what the channel would see if it went out now."
    )
    return Message(text=text, blocks=[section(text)])


def digest_inputs(current: DigestTime, default_channel: str) -> list[InputBlock]:
    """The digest's day, time and channel: the digest settings modal's and the team settings modal's."""
    days = [Option(text=PlainTextObject(text=name), value=str(n)) for n, name in enumerate(WEEKDAYS)]
    return [
        InputBlock(
            block_id=Block.DIGEST_WEEKDAY,
            label="Digest day",
            element=StaticSelectElement(action_id=Element.VALUE, options=days, initial_option=days[current.weekday]),
        ),
        InputBlock(
            block_id=Block.DIGEST_TIME,
            label="Digest time",
            element=TimePickerElement(action_id=Element.VALUE, initial_time=current.send_time),
        ),
        InputBlock(
            block_id=Block.DIGEST_CHANNEL,
            label="Digest channel",
            element=ChannelSelectElement(
                action_id=Element.VALUE, initial_channel=current.channel_id or default_channel
            ),
        ),
    ]


def digest_settings_modal(current: DigestTime, default_channel: str) -> View:
    return form_modal(
        Callback.DIGEST_SETTINGS,
        "Weekly digest",
        "Save",
        blocks=[
            section("When and where the weekly digest goes. Times are in the L&D team's time zone."),
            *digest_inputs(current, default_channel),
        ],
    )


def digest_settings_saved(when: DigestTime) -> Message:
    text = f"The weekly digest now goes out {when.describe()} in {channel(when.channel_id or '')}."
    return Message(text=text, blocks=[section(text)])


def read_digest_settings(values: dict) -> tuple[str, str, str]:
    """The settings modal as typed: (weekday, send time, channel id), each "" when missing."""
    send_time = state_of(values, Block.DIGEST_TIME).get("selected_time")
    channel_id = state_of(values, Block.DIGEST_CHANNEL).get("selected_channel")
    return (
        state_text(values, Block.DIGEST_WEEKDAY),
        send_time if isinstance(send_time, str) else "",
        channel_id if isinstance(channel_id, str) else "",
    )
