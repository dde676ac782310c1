"""Success measures: confirmed by the L&D team from the stakeholders' own words, then read in monthly check-ins."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from bot.ids import Block
from bot.services.measures import reading_block, reading_status_block
from storage.models import Measure, Reading, ReadingStatus
from tests.conftest import CHECK_INS_OUT, CHRIS, LD_CHANNEL, LENA, OLU, SAM
from tests.flows import all_text, open_form, rows, submit_form
from tests.slack_contract import assert_everything_sent_is_valid
from tests.test_shifts import START

MEASURE = "Time to first deal in Salesforce"


def _measures_modal(app, user_id=LENA, text="measures sales onboarding refresh"):
    before = len(app.slack.views_for(user_id))
    with freeze_time(START + timedelta(days=2), tick=True):
        reply = app.workspace.slash(user_id, text)
    assert reply.status == 200
    return app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]


def _confirm(app, view, **values):
    with freeze_time(START + timedelta(days=2), tick=True):
        return app.workspace.submit(
            LENA,
            view,
            {
                Block.MEASURE_SOURCE: "Salesforce dashboard",
                Block.MEASURE_UNIT: "days",
                Block.MEASURE_DIRECTION: "lower",
                Block.BASELINE: "45",
                Block.BASELINE_ON: "2027-01-01",
                Block.TARGET: "30",
                Block.TARGET_ON: "2027-12-31",
                **values,
            },
        )


def test_the_measures_modal_starts_from_what_the_stakeholders_said_they_track(checked_in):
    app, _ = checked_in
    view = _measures_modal(app)
    text = str(view["blocks"])
    assert f"<@{SAM}> tracks:" in text and MEASURE in text and "Win rate in Salesforce" in text
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs[Block.MEASURE_NAME]["initial_value"] == MEASURE  # Sam's own words
    assert inputs[Block.MEASURE_OWNER]["initial_option"]["text"]["text"] == "Sam"

    reply = _confirm(app, view)
    assert "is now a success measure of *Sales onboarding refresh*" in str(reply.json())
    [measure] = rows(app, Measure)
    assert (
        measure.name,
        measure.unit,
        measure.direction,
        measure.baseline,
        measure.baseline_on,
        measure.target,
        measure.target_on,
        measure.confirmed_by,
    ) == (MEASURE, "days", "lower", 45.0, date(2027, 1, 1), 30.0, date(2027, 12, 31), LENA)
    # The next suggestion is what someone tracks that is not a measure yet.
    again = {b["block_id"]: b["element"] for b in _measures_modal(app)["blocks"] if b["type"] == "input"}
    assert again[Block.MEASURE_NAME]["initial_value"] == "Win rate in Salesforce"
    assert again[Block.MEASURE_OWNER]["initial_option"]["text"]["text"] == "Olu"


def test_a_measure_is_validated_field_by_field(checked_in):
    app, _ = checked_in
    view = _measures_modal(app)
    errors = _confirm(
        app, view, **{Block.MEASURE_NAME: " ", Block.BASELINE: "about forty", Block.TARGET: "30", Block.TARGET_ON: None}
    ).json()["errors"]
    assert set(errors) == {Block.MEASURE_NAME, Block.BASELINE, Block.TARGET_ON}
    assert "a number" in errors[Block.BASELINE] and "together" in errors[Block.TARGET_ON]
    errors = _confirm(app, view, **{Block.TARGET_ON: "2026-06-01"}).json()["errors"]
    assert errors == {Block.TARGET_ON: "The target's date must come after the baseline's."}
    assert rows(app, Measure) == []
    _confirm(app, view)
    errors = _confirm(app, _measures_modal(app), **{Block.MEASURE_NAME: MEASURE.upper()}).json()["errors"]
    assert "already has a measure with that name" in errors[Block.MEASURE_NAME]
    assert "only the L&amp;D team" in str(app.workspace.slash(CHRIS, "measures sales onboarding refresh").json())
    assert "can't find an initiative" in str(app.workspace.slash(LENA, "measures nope").json())


def _open_check_in(app, world, user_id, at):
    return open_form(app, user_id, world.touchpoint_dms(user_id)[-1], at)


def _submit(app, user_id, view, at, **values):
    return submit_form(
        app,
        user_id,
        view,
        {
            Block.PRIORITIES_SHIFTED: "No",
            Block.MATTERS_MOST: "New reps closing their first deal sooner",
            Block.ON_TRACK: "4",
            **values,
        },
        at,
    )


def test_a_check_in_asks_the_owner_for_the_latest_value_and_keeps_every_reading(checked_in):
    app, world = checked_in
    _confirm(app, _measures_modal(app))
    [measure] = rows(app, Measure)
    at = CHECK_INS_OUT + timedelta(minutes=10)
    view = _open_check_in(app, world, SAM, at)
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    value, status = blocks[reading_block(measure.id)], blocks[reading_status_block(measure.id)]
    assert value["optional"] and value["element"]["type"] == "number_input"
    assert "Baseline: 45 (days) on 01 Jan 2027 · target 30 (days)" in value["hint"]["text"]
    assert [o["text"]["text"] for o in status["element"]["options"]] == ["No change", "Don't know"]
    assert reading_block(measure.id) not in str(_open_check_in(app, world, OLU, at)["blocks"])  # Olu does not own it

    both = _submit(
        app, SAM, view, at, **{reading_block(measure.id): "38", reading_status_block(measure.id): "no_change"}
    )
    assert "not both" in both.json()["errors"][reading_block(measure.id)]
    assert _submit(app, SAM, view, at, **{reading_block(measure.id): "38"}).body == ""
    [reading] = rows(app, Reading)
    assert (reading.measure_id, reading.status, reading.value, reading.read_on, reading.given_by) == (
        measure.id,
        ReadingStatus.VALUE,
        38.0,
        at.date(),
        SAM,
    )
    summary = [m for m in app.slack.messages_in(LD_CHANNEL) if "checked in" in all_text(m)][-1]
    assert f"*Measures:* {MEASURE}: *38*" in all_text(summary)

    # March: "no change" is kept too, and the form shows the last reading.
    world.run(at + timedelta(hours=1))  # plans March's
    world.run(datetime(2027, 3, 9, 15, tzinfo=CHECK_INS_OUT.tzinfo))
    march = datetime(2027, 3, 9, 15, 10, tzinfo=CHECK_INS_OUT.tzinfo)
    view = _open_check_in(app, world, SAM, march)
    assert "Last reading: 38 (days) on 09 Feb 2027" in str(view["blocks"])
    _submit(app, SAM, view, march, **{reading_status_block(measure.id): "no_change"})
    assert [(r.status, r.value) for r in rows(app, Reading)] == [("value", 38.0), ("no_change", None)]
    assert_everything_sent_is_valid(app.slack)


def test_readings_are_optional(checked_in):
    app, world = checked_in
    _confirm(app, _measures_modal(app))
    at = CHECK_INS_OUT + timedelta(minutes=10)
    assert _submit(app, SAM, _open_check_in(app, world, SAM, at), at).body == ""
    assert rows(app, Reading) == []


def test_a_quarterly_review_asks_the_owner_for_a_reading_in_the_same_modal(checked_in):
    app, world = checked_in
    _confirm(app, _measures_modal(app))
    [measure] = rows(app, Measure)
    world.run(datetime(2027, 3, 9, 15, tzinfo=CHECK_INS_OUT.tzinfo))
    review = datetime(2027, 4, 13, 14, tzinfo=CHECK_INS_OUT.tzinfo)  # April's review, 10:00 in New York
    world.run(review)
    dm = world.touchpoint_dms(SAM)[-1]
    assert "Quarterly review" in all_text(dm)
    at = review + timedelta(minutes=10)
    view = open_form(app, SAM, dm, at)
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert {Block.ALIGNMENT, reading_block(measure.id), reading_status_block(measure.id)} <= set(blocks)
    assert "Baseline: 45 (days)" in blocks[reading_block(measure.id)]["hint"]["text"]
    reply = submit_form(app, SAM, view, {Block.ALIGNMENT: "4", reading_block(measure.id): "36"}, at)
    assert reply.body == ""
    [reading] = rows(app, Reading)
    assert (reading.measure_id, reading.value, reading.read_on, reading.given_by) == (measure.id, 36.0, at.date(), SAM)
    summary = [m for m in app.slack.messages_in(LD_CHANNEL) if "reviewed" in all_text(m)][-1]
    assert f"*Measures:* {MEASURE}: *36*" in all_text(summary)
    assert_everything_sent_is_valid(app.slack)
