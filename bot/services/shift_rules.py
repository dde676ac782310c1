"""The rules that decide, from one answered check-in or review and the answers before it, whether a stakeholder's
priorities shifted. Pure functions: the same answers always give the same shifts, each with its rule and evidence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.services import judgement, wording
from storage.models import Question, ShiftRule

MILD, MODERATE, STRONG = 1, 2, 3
STRENGTHS = {MILD: "mild", MODERATE: "moderate", STRONG: "strong"}
LOW_RATING = 2  # a rating of 2 or less is a shift when it is a drop
RATING_DROP = 2  # and so is a drop of 2 or more
RATED = (Question.ON_TRACK, Question.ALIGNMENT)
_SAID = {"Somewhat": MODERATE, "Significantly": STRONG}


@dataclass(frozen=True)
class Detected:
    rule: ShiftRule
    question: Question
    before: str
    after: str
    evidence: str
    strength: int
    judgement: str | None = None  # the stakeholder's own word on a revised impact statement, which decided it


def detect(answers: Mapping[str, str], previous: Mapping[str, str], judged: str | None = None) -> list[Detected]:
    """The shifts in `answers` (this touchpoint's, by question) against `previous` (the latest before it).

    `judged`: what the stakeholder said of their revised impact statement (ImpactJudgement), when they were asked:
    it decides that rule, whatever the wording judge says; the judge's verdict becomes the evidence beside it."""
    found: list[Detected] = []
    said = answers.get(Question.PRIORITIES_SHIFTED)
    if said in _SAID:
        evidence = f"answered “{said}” to “Have your priorities shifted?”"
        if answers.get(Question.MATTERS_MOST):
            evidence += f"; what matters most now: “{answers[Question.MATTERS_MOST]}”"
        found.append(
            Detected(
                ShiftRule.SAID_SHIFTED,
                Question.PRIORITIES_SHIFTED,
                previous.get(Question.PRIORITIES_SHIFTED, ""),
                said,
                evidence,
                _SAID[said],
            )
        )
    for question in RATED:
        found.extend(_rating_drop(question, previous.get(question), answers.get(question)))
    before, after = previous.get(Question.IMPACT), answers.get(Question.IMPACT)
    if before and after and before != after:
        compared = wording.compare(before, after)
        if judged == judgement.CHANGED or (judged is None and compared.material):
            strength = STRONG if not compared.shared else MODERATE
            evidence = judgement.evidence(judged, compared)
            found.append(Detected(ShiftRule.IMPACT_REVISED, Question.IMPACT, before, after, evidence, strength, judged))
    before, after = previous.get(Question.TRACKING), answers.get(Question.TRACKING)
    if before and after and before != after:
        found.extend(_measures(before, after))
    focus = answers.get(Question.MATTERS_MOST)
    if focus:
        found.extend(_new_focus(focus, previous))
    return found


def _rating_drop(question: Question, before: str | None, after: str | None) -> list[Detected]:
    if not (after and after.isdigit()):
        return []
    new = int(after)
    old = int(before) if before and before.isdigit() else None
    dropped_by = (old - new) if old is not None else 0
    if dropped_by >= RATING_DROP or (new <= LOW_RATING and (old is None or new < old)):
        strength = STRONG if new == 1 or dropped_by >= 3 else MODERATE
        evidence = f"rated {new} of 5" + (f", down from {old}" if old is not None else "")
        return [Detected(ShiftRule.RATING_DROP, question, before or "", after, evidence, strength)]
    return []


_ITEM_SPLIT = re.compile(r"[\n;,•]+|\s+and\s+|\s+plus\s+|\s+&\s+", re.IGNORECASE)


def measures_in(text: str) -> list[str]:
    """The things a "what are you tracking" answer names: its items, split at commas, semicolons, lines and "and"."""
    items = (item.strip(" .-*\t") for item in _ITEM_SPLIT.split(text))
    return [item for item in items if wording.concepts(item)]


def _same_measure(a: str, b: str) -> bool:
    return wording.compare(a, b).similarity >= 0.5


def _measures(before: str, after: str) -> list[Detected]:
    old, new = measures_in(before), measures_in(after)
    added = [item for item in new if not any(_same_measure(item, o) for o in old)]
    dropped = [item for item in old if not any(_same_measure(item, n) for n in new)]
    found = [
        Detected(ShiftRule.MEASURE_ADDED, Question.TRACKING, "", item, f"now also tracks “{item}”", MILD)
        for item in added
    ]
    found += [
        Detected(
            ShiftRule.MEASURE_DROPPED, Question.TRACKING, item, "", f"no longer mentions tracking “{item}”", MODERATE
        )
        for item in dropped
    ]
    return found


def _new_focus(focus: str, previous: Mapping[str, str]) -> list[Detected]:
    """What matters most now, against everything they said matters before: the last answer and the impact they want."""
    earlier = [previous[q] for q in (Question.MATTERS_MOST, Question.IMPACT) if previous.get(q)]
    if not earlier:
        return []
    compared = wording.compare(earlier, focus)
    if not compared.new:
        return []
    before = previous.get(Question.MATTERS_MOST) or previous[Question.IMPACT]
    return [Detected(ShiftRule.NEW_FOCUS, Question.MATTERS_MOST, before, focus, compared.evidence(), MODERATE)]
