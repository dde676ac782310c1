"""The person who shifted is the judge: a stakeholder who revises the impact they want says whether what they want
has changed or only its wording, and their word decides whether it is a priority shift.

No choice of key words tells a rewording in wholly other words from a new goal ("Increase average basket size in
stores" and "Customers should buy more items per visit to our shops"), so the answer modal asks, beside the impact
statement, wherever the stakeholder can revise it (a quarterly review, the *Revise* of their first answers). The
wording judge (bot/services/wording.py) still gives its verdict: as the evidence shown beside their word, and as the
only judge where nobody was asked (a form opened before the question existed, an import, a check-in).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.errors import FormInvalid
from bot.ids import Block
from bot.services import wording
from storage.models import Answer, ImpactJudgement, Question, TouchpointKind

CHANGED, REWORDED = ImpactJudgement.CHANGED, ImpactJudgement.REWORDED
QUESTION = "If you edited it: has what you want changed, or only its wording?"
OPTIONS: dict[str, str] = {CHANGED: "What I want has changed", REWORDED: "Only the wording changed"}
HINT = (
    "Only needed when you change the impact you want. Your answer decides whether the L&D team hears that "
    "your priorities shifted."
)
UNANSWERED = "You changed the impact you want: please say whether what you want has changed, or only its wording."
# How the L&D team reads their word, in summaries, the digest and the workbook.
SAID: dict[str, str] = {
    CHANGED: "they say what they want has changed",
    REWORDED: "in their own words: only the wording changed",
}


def asked(kind: str, current: Mapping[str, str]) -> bool:
    """Whether the answer modal asks: the form shows an impact statement they had already given, to revise."""
    return kind in (TouchpointKind.REVIEW, TouchpointKind.KICKOFF) and bool(current.get(Question.IMPACT))


def revised(before: str | None, after: str | None) -> bool:
    """The statement's text actually changed (the only case the question is for)."""
    return bool(before and after and before.strip() != after.strip())


def decide(given: str | None, before: str | None, after: str | None) -> str | None:
    """The stakeholder's judgement to record with their answers.

    `given` is what the form held: None when it did not ask (the judge decides), "" when it asked and they left it
    unanswered. Required only when the statement's text changed; FormInvalid, under the question, if it was not given.
    """
    if given is None or not revised(before, after):
        return None
    if given not in OPTIONS:
        raise FormInvalid({Block.IMPACT_JUDGEMENT: UNANSWERED})
    return ImpactJudgement(given)


def evidence(judgement: str | None, compared: wording.Comparison) -> str:
    """The shift's (or the rewording's) evidence: their word first, then the wording judge's verdict beside it."""
    if judgement is None:
        return compared.evidence()
    agrees = compared.material == (judgement == CHANGED)
    verdict = (
        "the wording judge agrees"
        if agrees
        else "the wording judge alone would have called it a shift"
        if compared.material
        else "the wording judge alone would not have flagged it"
    )
    return f"{SAID[judgement]} · {verdict}: {compared.evidence()}"


def beside(judged: str | None, before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """Their word on the revised impact statement with the wording judge's verdict beside it ("" if not asked)."""
    if not judged:
        return ""
    return evidence(judged, wording.compare(before[Question.IMPACT], after[Question.IMPACT]))


def given_here(impact: Answer | None, touchpoint_id: int) -> str | None:
    """The judgement on the latest impact statement, when this touchpoint's answers gave it (a correction shows it)."""
    return impact.judgement if impact is not None and impact.touchpoint_id == touchpoint_id else None
