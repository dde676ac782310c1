"""Judging whether two things a stakeholder wrote are about the same thing: deterministic and explainable.

Each text becomes a set of *concepts*: its content words, lower-cased, with common endings stripped and common
business synonyms folded together ("clients" and "customers" are one concept, "errors" and "mistakes" another).
Filler ("we want to see…"), direction words ("more", "reduce") and the names of L&D itself ("training",
"programme") carry no concept. Two texts are compared by the concepts they share and the ones only one of them has;
the verdict names those concepts as its evidence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

# A revision is material when fewer than a quarter of the two texts' concepts are shared (Jaccard)...
MATERIAL_BELOW = 0.25
# ...and an answer is about something new when fewer than this share of its concepts appeared before.
NEW_BELOW = 0.3

_STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "during",
        "each",
        "either",
        "else",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "lets",
        "me",
        "mine",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "same",
        "she",
        "should",
        "so",
        "some",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "able",
        "actually",
        "already",
        "always",
        "anything",
        "around",
        "away",
        "back",
        "become",
        "becomes",
        "best",
        "better",
        "come",
        "comes",
        "coming",
        "currently",
        "especially",
        "everyone",
        "everybody",
        "everything",
        "fewer",
        "focus",
        "get",
        "gets",
        "getting",
        "go",
        "goes",
        "going",
        "good",
        "great",
        "help",
        "helps",
        "instead",
        "keep",
        "keeps",
        "less",
        "like",
        "lot",
        "lots",
        "main",
        "mainly",
        "make",
        "makes",
        "making",
        "many",
        "mean",
        "need",
        "needs",
        "new",
        "next",
        "often",
        "really",
        "right",
        "see",
        "seen",
        "something",
        "start",
        "stop",
        "sure",
        "take",
        "takes",
        "thing",
        "things",
        "think",
        "want",
        "wants",
        "way",
        "ways",
        "well",
        "whole",
        "work",
        "working",
        "worry",
        "biggest",
        "big",
        "above",
        "least",
        "matter",
        "matters",
        "matters",
        "priority",
        "priorities",
        "important",
        "importantly",
        "top",
        "cut",
        "cuts",
        "reduce",
        "reduces",
        "reducing",
        "reduced",
        "lower",
        "lowers",
        "decrease",
        "decreases",
        "shrink",
        "minimise",
        "minimize",
        "fewer",
        "less",
        "drop",
        "increase",
        "increases",
        "increasing",
        "raise",
        "raises",
        "grow",
        "grows",
        "growing",
        "boost",
        "improve",
        "improves",
        "improving",
        "improved",
        "higher",
        "lift",
        "maximise",
        "maximize",
        "shorter",
        "shorten",
        "longer",
        "initiative",
        "initiatives",
        "training",
        "train",
        "trained",
        "course",
        "courses",
        "programme",
        "programmes",
        "program",
        "programs",
        "learning",
        "session",
        "sessions",
        "workshop",
        "workshops",
        "l&d",
        "ld",
    ]
)

# Words folded into one concept. Each line is one concept: the first word names it.
_SYNONYMS = """
customer client buyer caller consumer shopper guest account-holder
employee staff colleague worker workforce people person personnel associate team teammate headcount
manager supervisor leader lead boss head
error mistake defect fault inaccuracy slip blunder
satisfaction csat happy happier happiness satisfied nps delight
attrition turnover leaving leave leaver resign resignation quit quitting churn
retention retain
incident outage breakdown failure downtime stoppage disruption
injury accident harm
release deployment deploy rollout
hire recruit recruitment onboard newcomer joiner
fast quick quickly speed rapid rapidly sooner swift
store shop branch outlet
item product goods sku
waste scrap rework
month monthly
year yearly annual annually twelve-month
deal opportunity prospect
medication medicine drug dose
finish complete completion
productivity productive output throughput
handover handoff
escalation escalate
ticket issue case request query
fix resolve resolution solve
call phone
shift rota
test check verify
regular frequent routine consistent
report log record flag
unplanned unexpected unscheduled surprise
switch changeover transition swap
cost spend spending expense budget
revenue sales income
profit margin
compliance compliant regulation regulatory rule
quality standard
feedback input
conversation discussion talk chat meeting
skill capability competence
time duration
""".strip().splitlines()

_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "fifty": "50",
    "hundred": "100",
    "half": "50",
}


_WORD = re.compile(r"[a-z0-9&]+(?:'[a-z]+)?")
_DOUBLED = re.compile(r"([b-df-hj-kmnp-rtv-y])\1$")  # "stopp" -> "stop", but not "fall" or "miss"


def _stem(word: str) -> str:
    """A light stemmer: enough that "reports", "reported" and "reporting" meet, and "changes" meets "changing"."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ations", "ation", "ments", "ment", "ness", "ings", "ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = _DOUBLED.sub(r"\1", word[: -len(suffix)])
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _compound(word: str) -> str:
    return word.replace("-", "")


_CONCEPT: dict[str, str] = {}
for _line in _SYNONYMS:
    _stems = [_stem(_compound(w)) for w in _line.split()]
    for _word in _stems:
        _CONCEPT[_word] = _stems[0]


def _fold(word: str) -> str | None:
    word = word.split("'")[0]
    if word in _NUMBERS:
        return _NUMBERS[word]
    stem = _stem(word)
    if word in _STOP or stem in _STOP or len(word) < 2:
        return None
    return _CONCEPT.get(stem, stem)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("-", " ").replace("%", " percent "))


def concepts(text: str) -> dict[str, str]:
    """The concepts a text is about, each with the first word that expressed it (for showing as evidence)."""
    found: dict[str, str] = {}
    words = _words(text)
    for word in words:
        concept = _fold(word)
        if concept and concept != "percent":
            found.setdefault(concept, word)
    return found


def _compounds(mine: dict[str, str], text: str, theirs: dict[str, str]) -> dict[str, str]:
    """Read "hand overs" as "handovers" when the other text wrote it as one word (and so on)."""
    words = _words(text)
    merged = dict(mine)
    for first, second in itertools.pairwise(words):
        joined = _fold(first + second)
        if joined and joined in theirs:
            merged.pop(_fold(first) or "", None)
            merged.pop(_fold(second) or "", None)
            merged[joined] = f"{first} {second}"
    return merged


@dataclass(frozen=True)
class Comparison:
    shared: frozenset[str]
    added: tuple[str, ...]  # words for the concepts only the later text has, in its order
    dropped: tuple[str, ...]  # words for the concepts only the earlier text has

    @property
    def similarity(self) -> float:
        """Shared concepts over all concepts (Jaccard); two empty texts are the same."""
        total = len(self.shared) + len(self.added) + len(self.dropped)
        return len(self.shared) / total if total else 1.0

    @property
    def novelty(self) -> float:
        """The share of the later text's concepts that the earlier text did not have."""
        later = len(self.shared) + len(self.added)
        return len(self.added) / later if later else 0.0

    @property
    def material(self) -> bool:
        return self.similarity < MATERIAL_BELOW

    @property
    def new(self) -> bool:
        return bool(self.added) and 1 - self.novelty < NEW_BELOW

    def evidence(self) -> str:
        total = len(self.shared) + len(self.added) + len(self.dropped)
        parts = [f"{len(self.shared)} of {total} key words shared"]
        if self.added:
            parts.append("new: " + ", ".join(self.added))
        if self.dropped:
            parts.append("no longer mentioned: " + ", ".join(self.dropped))
        return "; ".join(parts)


def compare(before: str | Iterable[str], after: str) -> Comparison:
    """Compare a later text with an earlier one (or with several earlier ones taken together)."""
    before_text = before if isinstance(before, str) else "\n".join(before)
    a, b = concepts(before_text), concepts(after)
    a, b = _compounds(a, before_text, b), _compounds(b, after, a)
    return Comparison(
        shared=frozenset(a.keys() & b.keys()),
        added=tuple(word for concept, word in b.items() if concept not in a),
        dropped=tuple(word for concept, word in a.items() if concept not in b),
    )
