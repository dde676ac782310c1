"""The answer modal, the readers of its submission, and the summary the channel sees when a stakeholder answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import (
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.blocks import Message
from bot.blocks.calibration import last_calibration_text
from bot.blocks.common import (
    context,
    date,
    escape,
    escaped_within,
    form_modal,
    mention,
    metadata,
    quoted_sections,
    read_metadata_id,
    read_number,
    section,
    shorten,
)
from bot.blocks.initiatives import state_text
from bot.ids import Block, Callback, Element
from bot.limits import ANSWER_MAX
from bot.services import judgement
from bot.services.answer_forms import CHOICES, FORMS, OPTIONAL, QUESTIONS
from bot.services.answer_posts import RecordedAnswers
from bot.services.answers import AnswerContext
from bot.services.measures import NO_CHANGE_OR_UNKNOWN, MeasureRow, reading_block, reading_status_block
from storage.models import Question, ReadingStatus, TouchpointKind


def _input(question: Question, label: str, initial: str | None) -> InputBlock:
    if question in CHOICES:
        options = [Option(text=PlainTextObject(text=c), value=c) for c in CHOICES[question]]
        chosen = next((o for o in options if o.value == initial), None)
        element: RadioButtonsElement | PlainTextInputElement = RadioButtonsElement(
            action_id=Element.VALUE, options=options, initial_option=chosen
        )
    else:
        element = PlainTextInputElement(
            action_id=Element.VALUE, multiline=True, max_length=ANSWER_MAX, initial_value=initial or None
        )
    return InputBlock(
        block_id=Block(question.value),
        label=PlainTextObject(text=label),
        element=element,
        optional=question in OPTIONAL,
    )


_TITLES: dict[str, str] = {
    TouchpointKind.KICKOFF: "Two questions",
    TouchpointKind.CHECKIN: "Monthly check-in",
    TouchpointKind.REVIEW: "Quarterly review",
}


def answer_modal(ctx: AnswerContext) -> View:
    """The form for a touchpoint: pre-filled where the stakeholder's earlier answers belong in it."""
    revising = ctx.kind == TouchpointKind.KICKOFF and bool(ctx.current)
    prefill = ctx.kind == TouchpointKind.REVIEW or revising or ctx.correcting
    blocks: list = [section(f"*{escape(ctx.initiative_name)}*\n{escape(ctx.business_goal)}")]
    if ctx.kind == TouchpointKind.CHECKIN and ctx.current.get(Question.IMPACT):
        blocks += quoted_sections("*The impact you said you want:*", ctx.current[Question.IMPACT])
    if ctx.calibration is not None:
        blocks += quoted_sections(last_calibration_text(ctx.calibration), ctx.calibration.agreed)
    for question, label in FORMS[ctx.kind].items():
        blocks.append(_input(question, label, ctx.current.get(question) if prefill else None))
        if question == Question.IMPACT and judgement.asked(ctx.kind, ctx.current):
            blocks.append(_judgement_input(ctx.judged))
    if ctx.measures:
        blocks.append(section("*The measures you report* (optional: a new value, or say there is none)"))
        for measure in ctx.measures:
            blocks += _reading_inputs(measure)
    if ctx.correcting:
        blocks.append(context("Your answers as you sent them: what you change here replaces them, and is kept too."))
    if ctx.kind == TouchpointKind.KICKOFF:
        blocks.append(
            context(
                "Your previous answers are kept; these become the new version."
                if revising
                else "A few words are enough. You can revise them later from the DM."
            )
        )
    title = (
        "Revise your answers"
        if revising
        else "Change your answers"
        if ctx.correcting
        else _TITLES.get(ctx.kind, "Touchpoint")
    )
    return form_modal(
        Callback.ANSWER,
        title,
        "Send",
        private_metadata=metadata(touchpoint=ctx.touchpoint_id),
        close="Not now",
        blocks=blocks,
    )


def _judgement_input(initial: str | None) -> InputBlock:
    """Beside an impact statement they may revise: has what they want changed, or only its wording? Optional for
    Slack (nothing to say when they leave the words alone); required by the submission when the words changed."""
    options = [Option(text=PlainTextObject(text=text), value=value) for value, text in judgement.OPTIONS.items()]
    return InputBlock(
        block_id=Block.IMPACT_JUDGEMENT,
        label=PlainTextObject(text=judgement.QUESTION),
        element=RadioButtonsElement(
            action_id=Element.VALUE,
            options=options,
            initial_option=next((o for o in options if o.value == initial), None),
        ),
        optional=True,
        hint=PlainTextObject(text=judgement.HINT),
    )


def read_judgement(values: Mapping) -> str | None:
    """What the form said of a revised impact statement: None when it did not ask, "" when it was left unanswered."""
    return state_text(values, Block.IMPACT_JUDGEMENT) if Block.IMPACT_JUDGEMENT in values else None


def _reading_inputs(measure: MeasureRow) -> list[InputBlock]:
    unit = f" ({measure.unit})" if measure.unit else ""
    if measure.latest is not None:
        hint = f"Last reading: {measure.latest:g}{unit} on {measure.latest_on:%d %b %Y}"
    elif measure.baseline is not None:
        hint = f"Baseline: {measure.baseline:g}{unit} on {measure.baseline_on:%d %b %Y}"
    else:
        hint = "No reading yet"
    if measure.target is not None:
        hint += f" · target {measure.target:g}{unit}"
    options = [Option(text=PlainTextObject(text=label), value=status) for status, label in NO_CHANGE_OR_UNKNOWN.items()]
    return [
        InputBlock(
            block_id=reading_block(measure.id),
            label=PlainTextObject(text=shorten(f"{measure.name}{unit}: latest value", 2000)),
            element=NumberInputElement(action_id=Element.VALUE, is_decimal_allowed=True),
            optional=True,
            hint=PlainTextObject(text=shorten(hint, 2000)),
        ),
        InputBlock(
            block_id=reading_status_block(measure.id),
            label=PlainTextObject(text="…or"),
            element=RadioButtonsElement(action_id=Element.VALUE, options=options),
            optional=True,
        ),
    ]


def read_readings(values: Mapping) -> dict[int, tuple[str, str]]:
    """For each measure asked about in a submitted check-in: (the number typed, the "no change"/"don't know" picked)."""
    found: dict[int, tuple[str, str]] = {}
    for block in values:
        measure_id = read_number(block[len(Block.READING_PREFIX) :]) if block.startswith(Block.READING_PREFIX) else None
        if measure_id is not None:
            found[measure_id] = (state_text(values, block), state_text(values, reading_status_block(measure_id)))
    return found


def read_answers(values: Mapping) -> dict[str, str]:
    """Every answer block present in a submitted modal, as text."""
    return {q.value: state_text(values, q.value) for q in Question if q.value in values}


def read_touchpoint_id(private_metadata: str | None) -> int | None:
    return read_metadata_id(private_metadata, "touchpoint")


def _bold(text: str) -> str:
    return f"*{text}*"


def _plain(text: str) -> str:
    return text


def _summary_heading(answers: RecordedAnswers, emphasis: Callable[[str], str]) -> str:
    """The summary's first line; `emphasis` bolds it for the blocks, or leaves it plain for the notification text (so
    the fallback loses none of the characters a person typed, as stripping the `*` of the bold version would)."""
    name, texts, who = emphasis(escape(answers.initiative_name)), answers.texts, mention(answers.user_id)
    if answers.kind == TouchpointKind.KICKOFF:
        verb = (
            "answered"
            if answers.version == 1
            else "updated their answers"
            if answers.revised
            else "confirmed their answers"
        )
        return f"{who} {verb} for {name}"
    if answers.kind == TouchpointKind.CHECKIN:
        verb = "corrected their check-in on" if answers.correction else "checked in on"
        return (
            f"{who} {verb} {name}: priorities shifted: "
            f"{emphasis(escape(texts.get(Question.PRIORITIES_SHIFTED, '?')))}{_was(answers, Question.PRIORITIES_SHIFTED)}"
            f" · on track: {emphasis(escape(texts.get(Question.ON_TRACK, '?')) + '/5')}{_was(answers, Question.ON_TRACK)}"
        )
    confirmed = [q for q in (Question.IMPACT, Question.TRACKING) if q not in answers.revised]
    verb = "corrected their review of" if answers.correction else "reviewed"
    return (
        f"{who} {verb} {name}: alignment {emphasis(escape(texts.get(Question.ALIGNMENT, '?')) + '/5')}"
        f"{_was(answers, Question.ALIGNMENT)}"
        + (" · confirmed what they want and track" if len(confirmed) == 2 else "")
    )


def _was(answers: RecordedAnswers, question: Question) -> str:
    """A correction's earlier choice, where it changed."""
    before = answers.previous.get(question)
    if not answers.correction or before is None or before == answers.texts.get(question):
        return ""
    return f" (was {escape(before)}{'/5' if question != Question.PRIORITIES_SHIFTED else ''})"


def answer_summary(answers: RecordedAnswers) -> Message:
    """What the summary channel sees when a stakeholder answers."""
    if answers.kind == TouchpointKind.KICKOFF:
        items = list(answers.texts.items())
        footer = f"Version {answers.version} · {date(answers.answered_at)} · goal: {escape(answers.business_goal)}"
    elif answers.kind == TouchpointKind.CHECKIN:
        items = [(q, answers.texts[q]) for q in (Question.MATTERS_MOST, Question.NOTES) if answers.texts.get(q)]
        footer = f"Monthly check-in · {date(answers.answered_at)}" + (" · corrected" if answers.correction else "")
    else:
        items = [(q, answers.texts[q]) for q in (Question.IMPACT, Question.TRACKING) if q in answers.revised]
        items += [(Question.ADJUST, answers.texts[Question.ADJUST])] if answers.texts.get(Question.ADJUST) else []
        footer = f"Quarterly review · {date(answers.answered_at)}" + (" · corrected" if answers.correction else "")
    labels = QUESTIONS if answers.kind == TouchpointKind.KICKOFF else _SUMMARY_LABELS
    blocks: list[SlackBlock] = [section(_summary_heading(answers, _bold))]
    if answers.readings:
        blocks.append(
            section(
                shorten(
                    "*Measures:* "
                    + " · ".join(
                        f"{escape(name)}: *{value:g}*"
                        if value is not None
                        else f"{escape(name)}: {NO_CHANGE_OR_UNKNOWN[ReadingStatus(status)].lower()}"
                        for name, status, value in answers.readings
                    ),
                    3000,
                )
            )
        )
    for question, text in items:
        label = labels[Question(question)]
        if question in answers.revised and answers.previous.get(question):
            blocks += quoted_sections(
                f"*{label}* (revised; it was: “{escape(shorten(answers.previous[question], 200))}”)", text
            )
        else:
            blocks += quoted_sections(f"*{label}*", text)
        if question == Question.IMPACT:
            blocks += _judged(answers)
    if answers.judged and Question.IMPACT not in dict(items):
        blocks += _judged(answers)
    blocks.append(context(footer))
    # The notification text is mrkdwn too (a phone and a screen reader show it): escaped like the blocks.
    fallback = "\n".join(f"{labels[Question(q)]} {escape(t)}" for q, t in items)
    heading = _summary_heading(answers, _plain)
    if answers.judged in judgement.SAID:
        fallback += f"\nThe impact they want: {judgement.SAID[answers.judged]}"
    return Message(text=f"{escape(answers.initiative_name)}: {heading}\n{fallback}"[:3000], blocks=blocks)


def _judged(answers: RecordedAnswers) -> list[SlackBlock]:
    """Their word on their revised impact statement, and the wording judge's verdict beside it."""
    return [context(f"_{escaped_within(answers.judge_said, 2000)}_")] if answers.judged else []


_SUMMARY_LABELS = {
    Question.MATTERS_MOST: "What matters most to them now",
    Question.NOTES: "For the L&D team",
    Question.ADJUST: "What should be adjusted",
    Question.IMPACT: "The impact they want",
    Question.TRACKING: "What they track",
}
