"""The shift-detection rules, their thresholds and their evidence, and the judge's figures on the labelled pairs."""

from __future__ import annotations

import pytest

from bench.shift_detection import RULES, load, score
from bot.services.lexicon import fold
from bot.services.shift_rules import MILD, MODERATE, STRONG, detect, measures_in
from bot.services.wording import compare
from storage.models import Question, ShiftRule

IMPACT = "Cut ramp-up time for new account executives from six months to four."


def _rules(found):
    return [(d.rule, d.question) for d in found]


@pytest.mark.parametrize(("said", "strength"), [("Somewhat", MODERATE), ("Significantly", STRONG)])
def test_saying_priorities_shifted_is_a_shift_with_what_matters_now_as_evidence(said, strength):
    [found] = detect(
        {Question.PRIORITIES_SHIFTED: said, Question.MATTERS_MOST: "Ramp-up time for new AEs"},
        {Question.IMPACT: IMPACT},
    )
    assert (found.rule, found.strength, found.after) == (ShiftRule.SAID_SHIFTED, strength, said)
    assert f"answered “{said}”" in found.evidence and "Ramp-up time for new AEs" in found.evidence


def test_saying_no_is_not_a_shift():
    assert (
        detect({Question.PRIORITIES_SHIFTED: "No", Question.MATTERS_MOST: "ramp-up time"}, {Question.IMPACT: IMPACT})
        == []
    )


@pytest.mark.parametrize(
    ("before", "after", "fires", "strength"),
    [
        ("5", "3", True, MODERATE),  # down by 2
        ("4", "1", True, STRONG),  # down by 3, and to 1
        ("3", "2", True, MODERATE),  # to 2 or less
        ("5", "4", False, None),
        ("4", "3", False, None),
        ("2", "2", False, None),  # still low is not a new drop
        ("1", "2", False, None),  # a rise
        (None, "2", True, MODERATE),  # a first rating that low
        (None, "4", False, None),
    ],
)
def test_a_rating_drop_of_two_or_to_two_or_less_is_a_shift(before, after, fires, strength):
    for question in (Question.ON_TRACK, Question.ALIGNMENT):
        previous: dict[str, str] = {question: before} if before else {}
        found = detect({question: after}, previous)
        assert bool(found) == fires, (question, before, after)
        if fires:
            assert (found[0].rule, found[0].question, found[0].strength) == (ShiftRule.RATING_DROP, question, strength)
            assert found[0].evidence.startswith(f"rated {after} of 5")


def test_a_materially_revised_impact_statement_is_a_shift_with_the_changed_words():
    after = "Stop losing renewals: our existing customers are churning to a cheaper competitor."
    [found] = detect({Question.IMPACT: after}, {Question.IMPACT: IMPACT})
    assert (found.rule, found.before, found.after) == (ShiftRule.IMPACT_REVISED, IMPACT, after)
    assert "new: " in found.evidence and "renewals" in found.evidence and "ramp" in found.evidence


def test_a_reworded_impact_statement_is_not_a_shift():
    assert (
        detect(
            {Question.IMPACT: "New AEs reach full productivity in four months instead of six."},
            {Question.IMPACT: IMPACT},
        )
        == []
    )
    assert detect({Question.IMPACT: IMPACT}, {Question.IMPACT: IMPACT}) == []


def test_tracked_measures_added_and_dropped_are_shifts():
    found = detect(
        {Question.TRACKING: "Win rate, time to first deal and NPS"},
        {Question.TRACKING: "Win rate and average deal size in Salesforce; time to first deal"},
    )
    assert {(d.rule, d.before, d.after, d.strength) for d in found} == {
        (ShiftRule.MEASURE_ADDED, "", "NPS", MILD),
        (ShiftRule.MEASURE_DROPPED, "average deal size in Salesforce", "", MODERATE),
    }


def test_measures_are_the_items_of_a_tracking_answer():
    assert measures_in("Win rate & CSAT;\n- churn, plus NPS.") == ["Win rate", "CSAT", "churn", "NPS"]


def test_what_matters_most_about_something_new_is_a_shift_but_the_same_concern_is_not():
    previous: dict[str, str] = {Question.IMPACT: IMPACT, Question.MATTERS_MOST: "Getting new AEs productive sooner"}
    assert detect({Question.MATTERS_MOST: "New account executives ramping up faster"}, previous) == []
    [found] = detect({Question.MATTERS_MOST: "Passing the ISO 9001 audit in June"}, previous)
    assert (found.rule, found.before) == (ShiftRule.NEW_FOCUS, "Getting new AEs productive sooner")
    # With no earlier answer to this question, it is compared with the impact they want.
    [found] = detect({Question.MATTERS_MOST: "Passing the ISO 9001 audit in June"}, {Question.IMPACT: IMPACT})
    assert found.before == IMPACT


def test_several_rules_fire_on_one_check_in():
    found = detect(
        {
            Question.PRIORITIES_SHIFTED: "Significantly",
            Question.MATTERS_MOST: "Keeping our biggest customers",
            Question.ON_TRACK: "2",
        },
        {Question.IMPACT: IMPACT, Question.ON_TRACK: "4"},
    )
    assert _rules(found) == [
        (ShiftRule.SAID_SHIFTED, Question.PRIORITIES_SHIFTED),
        (ShiftRule.RATING_DROP, Question.ON_TRACK),
        (ShiftRule.NEW_FOCUS, Question.MATTERS_MOST),
    ]


def test_the_judge_explains_itself_in_the_persons_words():
    compared = compare(
        "Fewer escalations to second-line support.", "Reduce how many tickets get escalated to the second-line team."
    )
    assert not compared.material
    assert compared.evidence().startswith(f"{len(compared.shared)} of ")
    assert "escalat" not in " ".join(compared.added)  # "escalations" and "escalated" are one concept


def test_the_judge_is_deterministic():
    pairs = load()
    assert [compare(p["before"], p["after"]) for p in pairs] == [compare(p["before"], p["after"]) for p in pairs]


@pytest.mark.parametrize("rule", list(RULES))
def test_precision_and_recall_on_the_labelled_pairs_stay_at_0_9_or_better(rule):
    """A guard against regressions on the 76 tuning pairs: the figures the README reports (bench/shift_detection.py)."""
    pairs = load()
    assert len(pairs) >= 60 and {p["label"] for p in pairs} == {"same", "reworded", "shifted"}
    figures = score(pairs, RULES[rule])
    assert figures["precision"] >= 0.9 and figures["recall"] >= 0.9, figures


@pytest.mark.parametrize(
    "forms",
    [
        ("rate", "ratings", "rated", "rating"),  # the light stemmer made "rat" of some and kept "rate"
        ("report", "reports", "reported", "reporting"),
        ("renewal", "renewals", "renewing"),
        ("satisfaction", "satisfactions"),
        ("fast", "faster", "fastest", "quicker"),  # Snowball keeps comparatives apart; the synonym line folds these
    ],
)
def test_the_stemmer_meets_forms_of_one_word(forms):
    assert len({fold(word) for word in forms}) == 1, {word: fold(word) for word in forms}


def test_a_rating_said_as_a_verb_or_a_noun_is_one_key_word():
    compared = compare("Guests rate check-in as fast and friendly.", "Guest ratings of check-in: faster, friendly.")
    assert compared.similarity == 1.0, compared.evidence()


def test_the_stemmer_gives_each_thread_its_own_words():
    """A Snowball stemmer keeps its word in itself: stems made on many threads at once match those made on one
    (threads switched as often as the interpreter allows; one stemmer shared between them fails at once)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from bot.services import lexicon

    stems = ("report", "rate", "measure", "handover", "complain", "retain", "internationalisation", "responsibility")
    words = [f"{w}{s}" for w in stems for s in ("s", "ing", "ed", "ers", "ations")]
    unshared = lexicon.stem.__wrapped__  # the stems themselves, past the cache
    expected = [unshared(w) for w in words]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(50):
                assert list(pool.map(unshared, words)) == expected
    finally:
        sys.setswitchinterval(interval)
