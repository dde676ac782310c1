"""What each kind of touchpoint asks a stakeholder, which answers are choices or may be left empty, and whether a
submitted form can be taken."""

from __future__ import annotations

from collections.abc import Mapping

from bot.ids import Block
from bot.limits import ANSWER_MAX
from storage.models import Question, TouchpointKind

QUESTIONS: dict[Question, str] = {
    Question.IMPACT: "What impact do you want this initiative to have?",
    Question.TRACKING: "What are you already tracking that would help us monitor how well this is working?",
}
CHECKIN_QUESTIONS: dict[Question, str] = {
    Question.PRIORITIES_SHIFTED: "Have your priorities shifted since we last asked?",
    Question.MATTERS_MOST: "What matters most to you right now?",
    Question.ON_TRACK: "How well is the initiative on track toward the impact you want? (1 = not at all, 5 = fully)",
    Question.NOTES: "Anything the L&D team should know?",
}
REVIEW_QUESTIONS: dict[Question, str] = {
    Question.IMPACT: "The impact you want (still true? edit it if not)",
    Question.TRACKING: "What you track to see it working (still true? edit it if not)",
    Question.ALIGNMENT: "How aligned is the initiative with your goals? (1 = not at all, 5 = fully)",
    Question.ADJUST: "What should be adjusted?",
}
SHIFT_CHOICES = ("No", "Somewhat", "Significantly")
RATINGS = ("1", "2", "3", "4", "5")

# What each kind of touchpoint asks, the block each answer comes from, and which answers may be left empty.
FORMS: dict[str, dict[Question, str]] = {
    TouchpointKind.KICKOFF: QUESTIONS,
    TouchpointKind.CHECKIN: CHECKIN_QUESTIONS,
    TouchpointKind.REVIEW: REVIEW_QUESTIONS,
}
OPTIONAL = frozenset({Question.NOTES, Question.ADJUST})
CHOICES = {Question.PRIORITIES_SHIFTED: SHIFT_CHOICES, Question.ON_TRACK: RATINGS, Question.ALIGNMENT: RATINGS}


def validate(kind: str, texts: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for question in FORMS[kind]:
        text = (texts.get(question) or "").strip()
        block = Block(question.value)
        if question in CHOICES:
            if text not in CHOICES[question]:
                errors[block] = "Please pick one."
        elif not text and question not in OPTIONAL:
            errors[block] = "Please write a few words here, even “not sure yet”."
        elif len(text) > ANSWER_MAX:
            errors[block] = f"Keep this to {ANSWER_MAX} characters (it has {len(text)})."
    return errors
