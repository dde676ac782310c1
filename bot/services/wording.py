"""Judging whether two things a stakeholder wrote are about the same thing: deterministic and explainable.

Each text becomes a set of *concepts* (bot/services/lexicon.py): its content words, lower-cased and stemmed, with
common business synonyms folded together ("clients" and "customers" are one concept, "errors" and "mistakes" another).
Filler ("we want to see…"), direction words ("more", "reduce") and the names of L&D itself ("training",
"programme") carry no concept. Two texts are compared by the concepts they share and the ones only one of them has;
the verdict names those concepts as its evidence.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from bot.services.lexicon import fold, words

# A revision is material when fewer than a quarter of the two texts' concepts are shared (Jaccard)...
MATERIAL_BELOW = 0.25
# ...and an answer is about something new when fewer than this share of its concepts appeared before.
NEW_BELOW = 0.3


def concepts(text: str) -> dict[str, str]:
    """The concepts a text is about, each with the first word that expressed it (for showing as evidence)."""
    found: dict[str, str] = {}
    for word in words(text):
        concept = fold(word)
        if concept and concept != "percent":
            found.setdefault(concept, word)
    return found


def _compounds(mine: dict[str, str], text: str, theirs: dict[str, str]) -> dict[str, str]:
    """Read "hand overs" as "handovers" when the other text wrote it as one word (and so on)."""
    merged = dict(mine)
    for first, second in itertools.pairwise(words(text)):
        joined = fold(first + second)
        if joined and joined in theirs:
            merged.pop(fold(first) or "", None)
            merged.pop(fold(second) or "", None)
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
