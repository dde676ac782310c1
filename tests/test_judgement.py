"""The person who shifted is the judge: a stakeholder who revises the impact they want says whether what they want
changed or only its wording, and their word decides the shift; the wording judge's verdict is shown beside it, and
decides alone where nobody was asked. Through the modal (the revision of the first answers and a quarterly review),
the shift summary, the digest and the workbook."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from bot.blocks.digest import initiative_text
from bot.exports import workbook
from bot.ids import Action, Block
from bot.services import digest, exporting
from bot.services.judgement import OPTIONS, QUESTION, UNANSWERED
from bot.services.shift_rules import detect
from bot.services.wording import compare
from storage.models import Answer, ImpactJudgement, Question, Shift, ShiftRule
from tests.conftest import LD_CHANNEL, LENA, SAM, TEAM
from tests.flows import all_text, answer, kickoff_dm, open_form, open_initiative, rows, submit_form
from tests.scheduling_world import World
from tests.slack_contract import assert_valid_view

START = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in New York, so the first DM goes at once
TRACKING = "Average basket size in the till reports"
# A rewording in wholly other words, which the wording judge takes for a new goal...
BASKET = "Increase average basket size in stores."
BASKET_REWORDED = "Customers should buy more items per visit to our shops."
# ...and a new goal added to an unchanged statement, which it misses.
PARTNERS = "Grow revenue from partners by 20%."
PARTNERS_AND_MORE = "Grow revenue from partners by 20% but above all keep our biggest customers from leaving."


def test_the_premises_the_judge_gets_both_pairs_wrong():
    assert compare(BASKET, BASKET_REWORDED).material  # it would flag the rewording
    assert not compare(PARTNERS, PARTNERS_AND_MORE).material  # and miss the new goal


def test_their_word_decides_the_impact_rule_whatever_the_judge_says():
    assert detect({Question.IMPACT: BASKET_REWORDED}, {Question.IMPACT: BASKET}, ImpactJudgement.REWORDED) == []
    [found] = detect({Question.IMPACT: PARTNERS_AND_MORE}, {Question.IMPACT: PARTNERS}, ImpactJudgement.CHANGED)
    assert (found.rule, found.judgement) == (ShiftRule.IMPACT_REVISED, ImpactJudgement.CHANGED)
    assert found.evidence.startswith("they say what they want has changed · the wording judge alone would not")
    # Nobody asked: the judge alone, as before.
    [found] = detect({Question.IMPACT: BASKET_REWORDED}, {Question.IMPACT: BASKET})
    assert found.judgement is None and found.evidence.startswith("1 of 8 key words shared")


@pytest.fixture
def answered(server, slack, db):
    """Sam has answered the first two questions of an initiative; the app runs on a working afternoon."""
    with freeze_time(START, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM])
        answer(app, SAM, BASKET, TRACKING)
        yield app, World.make(slack, db)
        server.stop()


def _revise(app, impact: str, judged: str | None = None, *, ask: bool = True):
    """Open the kickoff DM's "Revise answers", fill it in and send it; returns (the modal, Slack's reply)."""
    view = open_form(app, SAM, kickoff_dm(app, SAM), START + timedelta(minutes=5))
    if not ask:  # a form opened before Touchpoint asked (or any that does not): it has no such block
        view = {**view, "blocks": [b for b in view["blocks"] if b.get("block_id") != Block.IMPACT_JUDGEMENT]}
    values = {Block.IMPACT: impact, Block.TRACKING: TRACKING}
    if judged is not None:
        values[Block.IMPACT_JUDGEMENT] = judged
    return view, submit_form(app, SAM, view, values, START + timedelta(minutes=5))


def _impact_versions(app) -> list[tuple[int, str, str | None]]:
    return sorted((a.version, a.text, a.judgement) for a in rows(app, Answer) if a.question == Question.IMPACT)


def _impact_shifts(app) -> list[Shift]:
    return [s for s in rows(app, Shift) if s.rule == ShiftRule.IMPACT_REVISED]


def test_the_first_answers_do_not_ask_and_a_revision_asks_beside_the_impact_statement(answered, slack):
    app, _ = answered
    [first] = slack.views_for(SAM)
    assert Block.IMPACT_JUDGEMENT not in [b.get("block_id") for b in first["blocks"]]  # nothing to revise yet
    view, _ = _revise(app, BASKET)
    assert_valid_view(view)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [Block.IMPACT, Block.IMPACT_JUDGEMENT, Block.TRACKING]
    [asked] = [b for b in view["blocks"] if b.get("block_id") == Block.IMPACT_JUDGEMENT]
    assert asked["label"]["text"] == QUESTION and asked["optional"] is True  # required only if the words change
    assert asked["element"]["type"] == "radio_buttons" and "initial_option" not in asked["element"]
    options = [(o["value"], o["text"]["text"]) for o in asked["element"]["options"]]
    assert options == [("changed", "What I want has changed"), ("reworded", "Only the wording changed")]


def test_unchanged_words_need_no_answer_and_record_no_judgement(answered):
    app, _ = answered
    _, reply = _revise(app, f"  {BASKET} ")  # the same words, give or take spaces
    assert reply.status == 200 and reply.body == "", reply.body
    assert [j for _, _, j in _impact_versions(app)] == [None, None] and not _impact_shifts(app)


def test_changed_words_without_an_answer_are_refused_under_the_question_and_nothing_is_stored(answered):
    app, _ = answered
    _, reply = _revise(app, BASKET_REWORDED)
    assert reply.json() == {"response_action": "errors", "errors": {Block.IMPACT_JUDGEMENT: UNANSWERED}}
    assert _impact_versions(app) == [(1, BASKET, None)] and not _impact_shifts(app)
    # Other problems are shown at the same time, each under its own field.
    view = open_form(app, SAM, kickoff_dm(app, SAM), START + timedelta(minutes=6))
    values = {Block.IMPACT: BASKET_REWORDED, Block.TRACKING: ""}
    errors = submit_form(app, SAM, view, values, START + timedelta(minutes=6)).json()["errors"]
    assert set(errors) == {Block.IMPACT_JUDGEMENT, Block.TRACKING}


def test_only_the_wording_records_no_shift_even_when_the_judge_would_flag_one(answered):
    app, world = answered
    _, reply = _revise(app, BASKET_REWORDED, ImpactJudgement.REWORDED)
    assert reply.status == 200 and reply.body == "", reply.body
    assert _impact_versions(app) == [(1, BASKET, None), (2, BASKET_REWORDED, ImpactJudgement.REWORDED)]
    assert not _impact_shifts(app)
    world.run(START + timedelta(minutes=10))
    assert not [m for m in app.slack.messages_in(LD_CHANNEL) if "Priority shifts" in all_text(m)]
    # The answers' summary in the channel says what they said, with the judge's verdict beside it.
    text = all_text(app.slack.messages_in(LD_CHANNEL)[-1])
    assert "updated their answers" in text
    assert "in their own words: only the wording changed · the wording judge alone would have called it a shift" in text
    assert "1 of 8 key words shared" in text


def test_what_i_want_has_changed_records_a_shift_even_when_the_judge_would_not(answered):
    app, world = answered
    _revise(app, PARTNERS, ImpactJudgement.CHANGED)  # a new goal, and the judge agrees
    [agreed] = _impact_shifts(app)
    assert agreed.judgement == ImpactJudgement.CHANGED and "the wording judge agrees" in agreed.evidence
    _revise(app, PARTNERS_AND_MORE, ImpactJudgement.CHANGED)
    _, second = sorted(_impact_shifts(app), key=lambda s: s.id or 0)
    assert (second.before, second.after, second.judgement) == (PARTNERS, PARTNERS_AND_MORE, ImpactJudgement.CHANGED)
    assert second.evidence.startswith("they say what they want has changed · the wording judge alone would not")
    world.run(START + timedelta(minutes=10))
    [summary] = [m for m in app.slack.messages_in(LD_CHANNEL) if "Priority shifts" in all_text(m)]
    text = all_text(summary)
    assert text.count("Revised the impact they want") == 2 and "they say what they want has changed" in text
    assert "3 of 5 key words shared; new: customers, leaving" in text  # the judge's verdict, as evidence


def test_a_second_revise_asks_afresh_and_refuses_changed_words_without_an_answer(answered):
    app, _ = answered
    _revise(app, BASKET_REWORDED, ImpactJudgement.REWORDED)
    view, reply = _revise(app, PARTNERS)  # the kickoff's Revise again, other words, nothing picked
    [asked] = [b for b in view["blocks"] if b.get("block_id") == Block.IMPACT_JUDGEMENT]
    assert "initial_option" not in asked["element"]  # what they said of the last revision is not this one's answer
    assert reply.json() == {"response_action": "errors", "errors": {Block.IMPACT_JUDGEMENT: UNANSWERED}}
    assert [t for _, t, _ in _impact_versions(app)] == [BASKET, BASKET_REWORDED]


def test_a_form_that_did_not_ask_leaves_it_to_the_judge(answered):
    app, _ = answered
    _, reply = _revise(app, BASKET_REWORDED, ask=False)
    assert reply.status == 200 and reply.body == "", reply.body
    [shift] = _impact_shifts(app)
    assert shift.judgement is None and shift.evidence.startswith("1 of 8 key words shared")
    assert _impact_versions(app)[-1] == (2, BASKET_REWORDED, None)


def test_the_digest_and_the_workbook_say_who_judged(answered, db):
    app, _ = answered
    _revise(app, BASKET_REWORDED, ImpactJudgement.REWORDED)
    _revise(app, PARTNERS_AND_MORE, ImpactJudgement.CHANGED)
    now = START + timedelta(hours=1)
    out = io.BytesIO()
    with db.reading() as session:
        [found] = digest.build(session, TEAM, now, "2027-01-11").initiatives
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), now, "UTC"), out)
    assert (found.judged_shifts, found.reworded) == (1, 1)
    assert (
        "Impact statements revised this week, in their own words: 1 “What I want has changed” · "
        "1 “Only the wording changed”"
    ) in initiative_text(found)

    wb = load_workbook(io.BytesIO(out.getvalue()))
    answers = list(wb["Answers"].iter_rows(values_only=True))
    assert answers[0][7] == "Their word on the revision"
    said = {(r[5], r[7]) for r in answers[1:] if r[3] == "What impact do you want this initiative to have?"}
    assert said == {(BASKET, None), (BASKET_REWORDED, OPTIONS["reworded"]), (PARTNERS_AND_MORE, OPTIONS["changed"])}
    shifts = list(wb["Shifts"].iter_rows(values_only=True))
    assert shifts[0][12] == "Judged by"
    [impact] = [r for r in shifts[1:] if r[4] == "impact revised"]
    assert impact[12] == "the stakeholder" and str(impact[9]).startswith("they say what they want has changed")


@pytest.fixture
def reviewing(server, slack, db):
    """Sam's first answers given in January; April's quarterly review in his DM."""
    with freeze_time(START, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM])
        answer(app, SAM, BASKET, TRACKING)
    world = World.make(slack, db)
    for at in (
        START + timedelta(minutes=5),
        datetime(2027, 2, 9, 15, tzinfo=UTC),
        datetime(2027, 3, 9, 15, tzinfo=UTC),
    ):
        world.run(at)
    world.run(REVIEW)
    return app, world


REVIEW = datetime(2027, 4, 13, 14, tzinfo=UTC)  # April's review, 10:00 in New York


def test_a_quarterly_review_asks_and_a_correction_shows_their_word_and_can_change_it_alone(reviewing):
    app, world = reviewing
    dm = world.touchpoint_dms(SAM)[-1]
    assert "Quarterly review" in all_text(dm)
    at = REVIEW + timedelta(minutes=30)
    view = open_form(app, SAM, dm, at)
    assert_valid_view(view)
    values = {Block.IMPACT: BASKET_REWORDED, Block.IMPACT_JUDGEMENT: "reworded", Block.ALIGNMENT: "4"}
    assert submit_form(app, SAM, view, values, at).body == ""
    assert not _impact_shifts(app) and _impact_versions(app)[-1] == (2, BASKET_REWORDED, "reworded")

    # "Change my answer": the modal shows what they said; changing only their word changes the shift.
    later = at + timedelta(hours=1)
    with freeze_time(later, tick=True):
        before = len(app.slack.views_for(SAM))
        app.workspace.click(SAM, dm.channel, dm.ts, Action.CHANGE_ANSWER)
        view = app.slack.wait_for(lambda: app.slack.views_for(SAM)[before:])[0]
    [asked] = [b for b in view["blocks"] if b.get("block_id") == Block.IMPACT_JUDGEMENT]
    assert asked["element"]["initial_option"]["value"] == "reworded"
    assert submit_form(app, SAM, view, {Block.IMPACT_JUDGEMENT: "changed"}, later).body == ""
    [shift] = _impact_shifts(app)
    assert (shift.before, shift.after, shift.judgement) == (BASKET, BASKET_REWORDED, "changed")
    assert "the wording judge agrees" in shift.evidence
    assert _impact_versions(app) == [(1, BASKET, None), (2, BASKET_REWORDED, "changed")]  # no new version of the words


def test_a_review_corrected_in_other_words_counts_once_in_the_digest(reviewing):
    app, world = reviewing
    dm = world.touchpoint_dms(SAM)[-1]
    at = REVIEW + timedelta(minutes=30)
    values = {Block.IMPACT: BASKET_REWORDED, Block.IMPACT_JUDGEMENT: "reworded", Block.ALIGNMENT: "4"}
    assert submit_form(app, SAM, open_form(app, SAM, dm, at), values, at).body == ""
    later = at + timedelta(hours=1)
    with freeze_time(later, tick=True):
        before = len(app.slack.views_for(SAM))
        app.workspace.click(SAM, dm.channel, dm.ts, Action.CHANGE_ANSWER)
        view = app.slack.wait_for(lambda: app.slack.views_for(SAM)[before:])[0]
    again = {Block.IMPACT: "Shoppers should leave with fuller baskets.", Block.IMPACT_JUDGEMENT: "reworded"}
    assert submit_form(app, SAM, view, again, later).body == ""
    assert [v for v, _, j in _impact_versions(app) if j == "reworded"] == [2, 3]  # both versions keep their word
    with app.db.reading() as session:
        found = digest.build(session, TEAM, later + timedelta(hours=1), "2027-04-05")
    [line] = [i for i in found.initiatives if i.reworded]
    assert line.reworded == 1  # one review, one revision in the author's own words
