"""The kickoff DM, the answer modal, the channel summary and the reports to an initiative's owner."""

from __future__ import annotations

import json
from collections.abc import Mapping

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.common import channel, context, date, escape, mention, quoted_sections, section
from bot.blocks.initiatives import state_text
from bot.ids import Action, Block, Callback, Element
from bot.limits import ANSWER_MAX
from bot.services.answers import QUESTIONS, AnswerContext, RecordedAnswers
from bot.services.touchpoints import Outgoing
from storage.models import Question

_QUESTION_BLOCKS = {Question.IMPACT: Block.IMPACT, Question.TRACKING: Block.TRACKING}


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


def _answer_button(touchpoint_id: int, label: str, primary: bool) -> ActionsBlock:
    return ActionsBlock(
        block_id=Action.OPEN_ANSWER,
        elements=[
            ButtonElement(
                text=PlainTextObject(text=label),
                action_id=Action.OPEN_ANSWER,
                value=str(touchpoint_id),
                style="primary" if primary else None,
            )
        ],
    )


def kickoff_message(item: Outgoing) -> Message:
    questions = "\n".join(f"• *{q}*" for q in QUESTIONS.values())
    return Message(
        text=f"{item.initiative_name}: two questions from the L&D team before they plan anything",
        blocks=[
            *_intro(item),
            section(f"Before we plan anything, we'd like to hear from you:\n{questions}"),
            _answer_button(item.touchpoint_id, "Answer", primary=True),
            context(f"Takes about a minute. Your answers are shared with the L&D team in {channel(item.summary_channel_id)}."),
        ],
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
    return Message(text=f"{answers.initiative_name}: thanks, your answers are with the L&D team", blocks=blocks)


def answer_modal(ctx: AnswerContext) -> View:
    inputs = []
    for question, label in QUESTIONS.items():
        element = PlainTextInputElement(
            action_id=Element.VALUE,
            multiline=True,
            max_length=ANSWER_MAX,
            initial_value=ctx.current.get(question) or None,
        )
        inputs.append(InputBlock(block_id=_QUESTION_BLOCKS[question], label=PlainTextObject(text=label), element=element))
    revising = bool(ctx.current)
    return View(
        type="modal",
        callback_id=Callback.ANSWER,
        private_metadata=json.dumps({"touchpoint": ctx.touchpoint_id}),
        title=PlainTextObject(text="Revise your answers" if revising else "Two questions"),
        submit=PlainTextObject(text="Send"),
        close=PlainTextObject(text="Not now"),
        blocks=[
            section(f"*{escape(ctx.initiative_name)}*\n{escape(ctx.business_goal)}"),
            *inputs,
            context(
                "Your previous answers are kept; these become the new version."
                if revising
                else "A few words are enough. You can revise them later from the DM."
            ),
        ],
    )


def read_answers(values: Mapping) -> dict[str, str]:
    return {question: state_text(values, block) for question, block in _QUESTION_BLOCKS.items()}


def read_touchpoint_id(private_metadata: str | None) -> int | None:
    try:
        value = json.loads(private_metadata or "{}").get("touchpoint")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def answer_summary(answers: RecordedAnswers) -> Message:
    verb = "updated their answers" if answers.revised else "answered"
    blocks = [section(f"{mention(answers.user_id)} {verb} for *{escape(answers.initiative_name)}*")]
    for question, text in answers.texts.items():
        blocks += quoted_sections(f"*{QUESTIONS[Question(question)]}*", text)
    blocks.append(context(f"Version {answers.version} · {date(answers.answered_at)} · goal: {escape(answers.business_goal)}"))
    fallback = "\n".join(f"{QUESTIONS[Question(q)]} {t}" for q, t in answers.texts.items())
    return Message(text=f"{answers.initiative_name}: <@{answers.user_id}> {verb}.\n{fallback}", blocks=blocks)


def closed_touchpoint(message: str) -> Message:
    return Message(text=message, blocks=[section(escape(message))])


def delivery_report(initiative_name: str, problems: list[tuple[str, str]]) -> Message:
    """Tell an initiative's owner which stakeholders could not be reached, and why."""
    lines = "\n".join(f"• {mention(user_id)}: {escape(reason)}" for user_id, reason in problems)
    intro = (
        f"I couldn't deliver the questions for *{escape(initiative_name)}* to "
        f"{len(problems)} stakeholder{'s' if len(problems) != 1 else ''}:"
    )
    return Message(
        text=f"{initiative_name}: {len(problems)} stakeholder(s) could not be reached",
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
    return Message(text=f"{initiative_name}: summary could not be posted", blocks=[section(text)])


def unexpected_error(error_id: str) -> Message:
    text = f"Sorry, something went wrong on my side. Nothing you sent was lost. If it happens again, quote error id `{error_id}`."
    return Message(text=text, blocks=[section(text)])
