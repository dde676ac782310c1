"""Precision and recall of priority-shift detection on the labelled answer pairs in tests/data/.

Each pair is an earlier and a later answer, labelled "same", "reworded" or "shifted". A shift should be detected for
"shifted" pairs only: both as a material revision of an impact statement and as "what matters most" being about
something new. Run: python -m bench.shift_detection [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bot.services.wording import compare

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data"


def load(name: str = "shift_pairs.csv") -> list[dict[str, str]]:
    with open(PAIRS / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def score(pairs: list[dict[str, str]], verdict) -> dict[str, float]:
    tp = fp = fn = 0
    for pair in pairs:
        said, truth = verdict(compare(pair["before"], pair["after"])), pair["label"] == "shifted"
        tp += said and truth
        fp += said and not truth
        fn += truth and not said
    return {
        "pairs": len(pairs),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


RULES = {"impact revised materially": lambda c: c.material, "matters most is about something new": lambda c: c.new}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list the pairs each rule gets wrong")
    args = parser.parse_args()
    print("| set | rule | pairs | precision | recall |\n|---|---|---:|---:|---:|")
    for name in ("shift_pairs.csv", "shift_pairs_holdout.csv", "shift_pairs_holdout2.csv"):
        if not (PAIRS / name).exists():
            continue
        pairs = load(name)
        for rule, verdict in RULES.items():
            s = score(pairs, verdict)
            print(f"| {name} | {rule} | {s['pairs']} | {s['precision']:.2f} | {s['recall']:.2f} |")
            if args.show_errors:
                for pair in pairs:
                    c = compare(pair["before"], pair["after"])
                    if verdict(c) != (pair["label"] == "shifted"):
                        print(
                            f"    {pair['label']:8} sim={c.similarity:.2f} nov={c.novelty:.2f} {pair['before']!r} -> {pair['after']!r}: {c.evidence()}"
                        )


if __name__ == "__main__":
    main()
