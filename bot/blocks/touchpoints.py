"""The touchpoint DMs (kickoff, check-in, review, reminders, answered, closed) and the reports to an initiative's owner."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DatePickerElement,
    HeaderBlock,
    Option,
    OverflowMenuElement,
    PlainTextObject,
)

from bot.blocks import Message
from bot.blocks.common import (
    channel,
    context,
    date,
    escape,
    mention,
    quoted_sections,
    read_number,
    section,
    shorten,
)
from bot.ids import Action
from bot.services.answer_forms import QUESTIONS
from bot.services.answer_posts import RecordedAnswers
from bot.services.open_touchpoints import OpenTouchpoint
from bot.services.touchpoints import Outgoing, describe
from storage.models import Question, TouchpointKind, TouchpointStatus


def _intro(about: Outgoing | RecordedAnswers) -> list:
    goal = f"*Business goal:* {escape(about.business_goal)}"
    if about.description:
        goal += f"\n{escape(about.description)}"
    return [
        section(
            f"Hi {mention(about.user_id)}! {mention(about.opened_by)} from the L&D team has opened "
            f"*{escape(about.initiative_name)}* and named you as one of its stakeholders."
        ),
        section(goal),
    ]


def actions_block_id(touchpoint_id: int) -> str:
    return f"touchpoint-{touchpoint_id}"


def read_actions_block_id(block_id: str | None) -> int | None:
    suffix = (block_id or "").removeprefix("touchpoint-")
    return read_number(suffix)


def snooze_menu(touchpoint_id: int) -> OverflowMenuElement:
    """Remind me tomorrow, or next week: the value says which touchpoint and how many days."""
    return OverflowMenuElement(
        action_id=Action.SNOOZE,
        options=[
            Option(text=PlainTextObject(text="Remind me tomorrow"), value=f"{touchpoint_id}:1"),
            Option(text=PlainTextObject(text="Remind me next week"), value=f"{touchpoint_id}:7"),
        ],
    )


def _answer_button(touchpoint_id: int, label: str, primary: bool, *, with_snooze: bool = False) -> ActionsBlock:
    elements: list = [
        ButtonElement(
            text=PlainTextObject(text=label),
            action_id=Action.OPEN_ANSWER,
            value=str(touchpoint_id),
            style="primary" if primary else None,
        )
    ]
    if with_snooze:
        elements += [
            snooze_menu(touchpoint_id),
            ButtonElement(text=PlainTextObject(text="Skip this one"), action_id=Action.SKIP, value=str(touchpoint_id)),
            DatePickerElement(action_id=Action.AWAY, placeholder=PlainTextObject(text="I'm away until…")),
        ]
    return ActionsBlock(block_id=actions_block_id(touchpoint_id), elements=elements)


def kickoff_message(item: Outgoing) -> Message:
    questions = "\n".join(f"• *{q}*" for q in QUESTIONS.values())
    return Message(
        text=f"{escape(item.initiative_name)}: two questions from the L&D team before they plan anything",
        blocks=[
            *_intro(item),
            section(f"Before we plan anything, we'd like to hear from you:\n{questions}"),
            _answer_button(item.touchpoint_id, "Answer", primary=True),
            context(
                f"Takes about a minute. Your answers are shared with the L&D team in {channel(item.summary_channel_id)}."
            ),
        ],
    )


def touchpoint_message(item: Outgoing) -> Message:
    """The DM that opens a touchpoint of any kind."""
    if item.kind == TouchpointKind.KICKOFF:
        return kickoff_message(item)
    review = item.kind == TouchpointKind.REVIEW
    title = "Quarterly review" if review else "Monthly check-in"
    blocks: list = [
        HeaderBlock(text=PlainTextObject(text=f"{title}: {item.initiative_name}"[:150])),
        section(
            f"Hi {mention(item.user_id)}! Time for the {describe(item.kind)} on *{escape(item.initiative_name)}*. "
            + (
                "A look back at the quarter: is what you told us still true, and what should change?"
                if review
                else "Four quick questions, under a minute."
            )
        ),
    ]
    if item.current.get(Question.IMPACT):
        blocks += quoted_sections("*The impact you said you want:*", item.current[Question.IMPACT])
    if review and item.current.get(Question.TRACKING):
        blocks += quoted_sections("*What you said you already track:*", item.current[Question.TRACKING])
    blocks += [
        _answer_button(item.touchpoint_id, "Answer", primary=True, with_snooze=True),
        context(
            f"Shared with the L&D team in {channel(item.summary_channel_id)}. Not now? Snooze it, skip it, "
            "or tell us you're away."
        ),
    ]
    return Message(
        text=f"{title} for {escape(item.initiative_name)}: a few quick questions from the L&D team", blocks=blocks
    )


def reminder_message(item: Outgoing) -> Message:
    if item.kind == TouchpointKind.KICKOFF:  # the first two questions cannot be skipped, so no skip is offered
        text = (
            f"A gentle reminder: the two questions about *{escape(item.initiative_name)}* are still waiting for "
            "you: what impact you want it to have, and what you already track. A few words are enough."
        )
        return Message(
            text=f"Reminder: two questions about {escape(item.initiative_name)} are waiting for you",
            blocks=[section(text), _answer_button(item.touchpoint_id, "Answer", primary=True)],
        )
    text = f"A gentle reminder: your {describe(item.kind)} for *{escape(item.initiative_name)}* is still open."
    return Message(
        text=f"Reminder: your {describe(item.kind)} for {escape(item.initiative_name)} is still open",
        blocks=[section(text), _answer_button(item.touchpoint_id, "Answer", primary=True, with_snooze=True)],
    )


def closed_message(item: Outgoing | OpenTouchpoint, status: str) -> Message:
    how = {"missed": "has closed without an answer", "skipped": "was skipped"}.get(status, "is closed")
    text = f"This {describe(item.kind)} for *{escape(item.initiative_name)}* {how}. The next one will come as usual."
    return Message(text=f"{escape(item.initiative_name)}: {describe(item.kind)} {how}", blocks=[section(text)])


BUNDLE_MAX = 10  # touchpoints in one DM: 2 blocks each and 3 around them, well within Slack's 50 blocks a message
_QUOTE_MAX = 300  # of a person's earlier words quoted under each initiative of a bundle (a section holds 3,000)
_TITLES_PLURAL: dict[str, str] = {
    TouchpointKind.CHECKIN: "Monthly check-ins",
    TouchpointKind.REVIEW: "Quarterly reviews",
}


def dm_message(items: list[Outgoing]) -> Message:
    """The DM of a person's touchpoints sent together: today's DM for one, a bundle for several."""
    return touchpoint_message(items[0]) if len(items) == 1 else bundle_message(items)


def _quote(label: str, text: str | None) -> str:
    return f"\n{label} “{escape(shorten(text, _QUOTE_MAX))}”" if text else ""


def _bundle_item(item: Outgoing) -> list:
    name = f"*{escape(item.initiative_name)}*"
    if item.status == TouchpointStatus.ANSWERED:
        return [section(f"✅ {name}: answered, thank you. It is with the L&D team.")]
    if item.status in (TouchpointStatus.SKIPPED, TouchpointStatus.MISSED):
        how = "skipped" if item.status == TouchpointStatus.SKIPPED else "closed without an answer"
        return [section(f"{name}: {how}. The next one will come as usual.")]
    if item.status == TouchpointStatus.CLOSED:  # its initiative closed, or its stakeholder was removed
        return [section(f"{name}: closed by the L&D team. Nothing more to answer here.")]
    text = name + _quote("The impact you said you want:", item.current.get(Question.IMPACT))
    if item.kind == TouchpointKind.REVIEW:
        text += _quote("What you said you already track:", item.current.get(Question.TRACKING))
    text += f"\nShared with the L&D team in {channel(item.summary_channel_id)}."
    return [section(text), _answer_button(item.touchpoint_id, "Answer", primary=True, with_snooze=True)]


def bundle_message(items: list[Outgoing]) -> Message:
    """One DM for a person's check-ins (or reviews) of several initiatives due the same day, each with its own
    buttons, shown as they stand now (rebuilt whole whenever one of them is answered, skipped or closed)."""
    first = items[0]
    title = _TITLES_PLURAL.get(first.kind, "Touchpoints")
    review = first.kind == TouchpointKind.REVIEW
    blocks: list = [
        HeaderBlock(text=PlainTextObject(text=f"{title}: {len(items)} initiatives")),
        section(
            f"Hi {mention(first.user_id)}! Time for your {describe(first.kind)} on {len(items)} initiatives, "
            + (
                "a look back at the quarter for each: is what you told us still true, and what should change?"
                if review
                else "four quick questions each, under a minute."
            )
        ),
    ]
    for item in items:
        blocks += _bundle_item(item)
    blocks.append(context("Not now? Snooze or skip each one on its own, or tell us you're away."))
    names = ", ".join(escape(i.initiative_name) for i in items)
    return Message(text=shorten(f"{title} for {names}: a few quick questions from the L&D team", 3000), blocks=blocks)


def bundle_reminder_message(items: list[Outgoing]) -> Message:
    """One reminder for what is still open of a bundle (a single open one gets today's reminder)."""
    if len(items) == 1:
        return reminder_message(items[0])
    what = _TITLES_PLURAL.get(items[0].kind, "touchpoints").lower()
    blocks: list = [section(f"A gentle reminder: your {what} for {len(items)} initiatives are still open.")]
    for item in items:
        blocks += [
            section(f"*{escape(item.initiative_name)}*"),
            _answer_button(item.touchpoint_id, "Answer", primary=True, with_snooze=True),
        ]
    names = ", ".join(escape(i.initiative_name) for i in items)
    return Message(text=shorten(f"Reminder: your {what} for {names} are still open", 3000), blocks=blocks)


def closed_dm(item: OpenTouchpoint, current: list[Outgoing], status: str) -> Message:
    """A touchpoint's DM once it is closed: today's closed DM, or for a bundle (`current`: every touchpoint in it,
    as it stands now) the whole bundle, the others' buttons kept."""
    return bundle_message(current) if len(current) > 1 else closed_message(item, status)


def answered_message(answers: RecordedAnswers) -> Message:
    """The touchpoint's DM once answered."""
    if answers.kind == TouchpointKind.KICKOFF:
        return kickoff_answered_message(answers)
    text = f"✅ Thanks {mention(answers.user_id)}: your {describe(answers.kind)} for *{escape(answers.initiative_name)}* is with the L&D team."
    when = f"{'Changed' if answers.correction else 'Answered'} {date(answers.answered_at)}"
    return Message(
        text=f"{escape(answers.initiative_name)}: thanks, your answers are with the L&D team",
        blocks=[
            section(text),
            context(f"{when} · you can change your answers until this {describe(answers.kind)} closes"),
            ActionsBlock(
                block_id=actions_block_id(answers.touchpoint_id),
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text="Change my answer"),
                        action_id=Action.CHANGE_ANSWER,
                        value=str(answers.touchpoint_id),
                    )
                ],
            ),
        ],
    )


def answers_closed_message(item: Outgoing) -> Message:
    """An answered check-in's or review's DM once it has closed: the thanks, without "Change my answer"."""
    text = f"✅ Thanks {mention(item.user_id)}: your {describe(item.kind)} for *{escape(item.initiative_name)}* is with the L&D team."
    when = f"Answered {date(item.answered_at)} · " if item.answered_at else ""
    return Message(
        text=f"{escape(item.initiative_name)}: thanks, your answers are with the L&D team",
        blocks=[section(text), context(f"{when}This {describe(item.kind)} has closed: its answers stay as they are.")],
    )


def kickoff_answered_message(answers: RecordedAnswers) -> Message:
    """The kickoff DM once answered: what they said, and a way to revise it."""
    blocks = [*_intro(answers)]
    for question, text in answers.texts.items():
        blocks += quoted_sections(f"*{QUESTIONS[Question(question)]}*", text)
    blocks += [
        context(f"✅ Answered {date(answers.answered_at)} · version {answers.version} · thank you!"),
        _answer_button(answers.touchpoint_id, "Revise answers", primary=False),
    ]
    return Message(text=f"{escape(answers.initiative_name)}: thanks, your answers are with the L&D team", blocks=blocks)


def delivery_report(initiative_name: str, problems: list[tuple[str, str]]) -> Message:
    """Tell an initiative's owner which stakeholders could not be reached, and why."""
    lines = "\n".join(f"• {mention(user_id)}: {escape(reason)}" for user_id, reason in problems)
    intro = (
        f"I couldn't deliver the questions for *{escape(initiative_name)}* to "
        f"{len(problems)} stakeholder{'s' if len(problems) != 1 else ''}:"
    )
    return Message(
        text=f"{escape(initiative_name)}: {len(problems)} stakeholder(s) could not be reached",
        blocks=[
            section(intro),
            section(lines),
            context("Everyone else got their DM. The initiative and all answers are kept."),
        ],
    )


def summary_not_posted(initiative_name: str, channel_id: str, reason: str) -> Message:
    text = (
        f"A stakeholder answered for *{escape(initiative_name)}*, but I couldn't post the summary in "
        f"{channel(channel_id)} ({escape(reason)}). Invite me to that channel with `/invite @Touchpoint`. "
        "The answers are stored."
    )
    return Message(text=f"{escape(initiative_name)}: summary could not be posted", blocks=[section(text)])
