"""A stakeholder corrects an answered check-in while it is open: new versions, shifts recomputed (a withdrawn one
leaves its day's summary, updated in place, and the digest), a retried submission stored once, and a clear refusal
once the touchpoint has closed. And the "New initiative" global shortcut."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import update

from bot.ids import Action, Block, Callback, Shortcut
from bot.simulator.manifest import Manifest, SlackRefused
from storage.models import Answer, Question, Shift, ShiftSummary, Touchpoint
from storage.reporting import open_strong_shifts, shift_counts
from tests.conftest import CHECK_INS_OUT, LD_CHANNEL, LENA, SAM, TEAM
from tests.flows import all_text, notices_to, rows, submit_form
from tests.slack_contract import assert_everything_sent_is_valid

AT = CHECK_INS_OUT + timedelta(minutes=10)
SHIFTED = {
    Block.PRIORITIES_SHIFTED: "Significantly",
    Block.MATTERS_MOST: "New reps closing their first deal sooner",
    Block.ON_TRACK: "1",
}


def _dm(world):
    return world.touchpoint_dms(SAM)[-1]


def _open(app, dm, action, at):
    with freeze_time(at, tick=True):
        before = len(app.slack.views_for(SAM))
        reply = app.workspace.click(SAM, dm.channel, dm.ts, action)
        assert reply.status == 200, reply
        return app.slack.wait_for(lambda: app.slack.views_for(SAM)[before:])[0]


def _shift_summaries(slack):
    return [m for m in slack.messages_in(LD_CHANNEL) if (m.metadata or {}).get("event_type") == "shift_summary_posted"]


def _answer_summaries(slack):
    return [m for m in slack.messages_in(LD_CHANNEL) if (m.metadata or {}).get("event_type") == "answer_summary_posted"]


def _values_of(view: dict) -> dict:
    """What a pre-filled modal holds, as the simulator's submit takes it."""
    found = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if "initial_value" in element:
            found[block["block_id"]] = element["initial_value"]
        elif "initial_option" in element:
            found[block["block_id"]] = element["initial_option"]["value"]
    return found


def _answered_then_corrected(app, world, correction: dict):
    view = _open(app, _dm(world), Action.OPEN_ANSWER, AT)
    assert submit_form(app, SAM, view, SHIFTED, AT).status == 200
    world.run(AT + timedelta(minutes=1))
    [summary] = _shift_summaries(app.slack)
    assert "Said their priorities shifted" in all_text(summary)
    later = AT + timedelta(hours=1)
    view = _open(app, _dm(world), Action.CHANGE_ANSWER, later)
    assert view["title"]["text"] == "Change your answers"
    prefilled = _values_of(view)
    assert prefilled[Block.ON_TRACK] == "1" and prefilled[Block.PRIORITIES_SHIFTED] == "Significantly"
    assert prefilled[Block.MATTERS_MOST] == SHIFTED[Block.MATTERS_MOST]
    reply = submit_form(app, SAM, view, {**prefilled, **correction}, later)
    assert reply.status == 200 and reply.body == "", reply
    world.run(later + timedelta(minutes=1))
    return summary, view, later


def test_a_corrected_check_in_is_a_new_version_and_its_withdrawn_shifts_leave_the_summary(checked_in):
    app, world = checked_in
    summary, _, later = _answered_then_corrected(app, world, {Block.PRIORITIES_SHIFTED: "No", Block.ON_TRACK: "4"})

    ratings = sorted((a.version, a.text) for a in rows(app, Answer) if a.question == Question.ON_TRACK)
    assert ratings == [(1, "1"), (2, "4")], "the mis-tap stays on record, the correction is the next version"
    assert len([a for a in rows(app, Answer) if a.question == Question.MATTERS_MOST]) == 1, "unchanged: no version"
    shifts = rows(app, Shift)
    assert shifts and all(s.withdrawn_at is not None for s in shifts), "withdrawn, never deleted"
    # The day's summary is updated in place, without the withdrawn shifts.
    assert _shift_summaries(app.slack) == [summary] and summary.edits == 1
    assert "Said their priorities shifted" not in all_text(summary)
    assert "0 shifts" in all_text(summary)
    [row] = rows(app, ShiftSummary)
    assert row.posted_revision == row.revision == 2
    # The digest's and the alignment's counts skip them.
    with app.db.reading() as session:
        assert shift_counts(session, TEAM, later, recent=timedelta(days=7), open_window=timedelta(days=30)) == {}
        assert open_strong_shifts(session, TEAM, later - timedelta(days=7), 10) == []
    # The channel hears the correction like a first answer, with what it was.
    corrected = _answer_summaries(app.slack)[-1]
    assert "corrected their check-in" in all_text(corrected) and "(was 1/5)" in all_text(corrected)
    # The DM shows the answer as changed, still with the button.
    dm = _dm(world)
    assert "Changed" in all_text(dm) and any(
        e.get("action_id") == Action.CHANGE_ANSWER for b in dm.blocks for e in b.get("elements", [])
    )
    assert_everything_sent_is_valid(app.slack)


def test_a_correction_that_shows_a_new_shift_records_it_and_keeps_the_ones_still_there(checked_in):
    app, world = checked_in
    _answered_then_corrected(app, world, {Block.MATTERS_MOST: "Keeping our biggest customers from churning"})
    live = [s for s in rows(app, Shift) if s.withdrawn_at is None]
    withdrawn = [s for s in rows(app, Shift) if s.withdrawn_at is not None]
    assert {"said_shifted", "rating_drop"} <= {s.rule for s in live}
    assert len({s.rule for s in live}) == len(live), "a shift still shown is kept, not recorded twice"
    assert all(s.rule not in {"said_shifted", "rating_drop"} for s in withdrawn)
    [summary] = _shift_summaries(app.slack)
    assert "churning" in all_text(summary)


def test_the_same_correction_delivered_twice_is_one_version(checked_in):
    app, world = checked_in
    _, view, later = _answered_then_corrected(app, world, {Block.ON_TRACK: "3"})
    before = len(rows(app, Answer)), len(_answer_summaries(app.slack))
    values = {**_values_of(view), Block.ON_TRACK: "3"}
    reply = submit_form(app, SAM, view, values, later + timedelta(seconds=5))  # Slack's retry of the same submission
    assert reply.status == 200 and reply.body == ""
    world.run(later + timedelta(minutes=2))
    assert (len(rows(app, Answer)), len(_answer_summaries(app.slack))) == before


def test_after_the_touchpoint_closes_change_my_answer_says_so_and_the_button_goes(checked_in):
    app, world = checked_in
    view = _open(app, _dm(world), Action.OPEN_ANSWER, AT)
    submit_form(app, SAM, view, SHIFTED, AT)
    [touchpoint] = [t for t in rows(app, Touchpoint) if t.answered_at and t.kind == "checkin" and t.expires_at]
    # Its window closes: set on the row, so the click below runs on the real clock (no frozen time to race).
    with app.db.session() as session:
        session.execute(
            update(Touchpoint)
            .where(Touchpoint.id == touchpoint.id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    dm = _dm(world)
    views = len(app.slack.views_for(SAM))
    assert app.workspace.click(SAM, dm.channel, dm.ts, Action.CHANGE_ANSWER).status == 200
    told = app.slack.wait_for(lambda: [r for r in app.slack.responses if "can no longer be changed" in str(r)])
    app.slack.wait_for(
        lambda: not any(e.get("action_id") == Action.CHANGE_ANSWER for b in dm.blocks for e in b.get("elements", []))
    )
    assert told[0].get("response_type", "ephemeral") == "ephemeral"
    assert "has closed" in all_text(dm)
    assert len(app.slack.views_for(SAM)) == views, "no modal once closed"
    assert len([a for a in rows(app, Answer) if a.question == Question.ON_TRACK]) == 1


def test_the_new_initiative_shortcut_opens_the_modal_of_touchpoint_new_for_ld_members_only(app):
    before = len(app.slack.views_for(LENA))
    assert app.workspace.shortcut(LENA, Shortcut.NEW_INITIATIVE).status == 200
    [view] = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])
    assert view["callback_id"] == Callback.NEW_INITIATIVE
    assert app.workspace.shortcut(SAM, Shortcut.NEW_INITIATIVE).status == 200
    app.slack.wait_for(lambda: notices_to(app.slack, SAM))
    assert app.slack.views_for(SAM) == []


def test_the_manifest_declares_every_shortcut_and_the_simulator_refuses_others():
    manifest = json.loads((Path(__file__).parents[1] / "manifest.json").read_text())
    declared = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert declared == {s.value for s in Shortcut}
    try:
        Manifest.load().check_shortcut("nobody")
    except SlackRefused:
        pass
    else:
        raise AssertionError("a shortcut the manifest does not declare was let through")


def test_the_workbook_marks_withdrawn_shifts_and_keeps_them_on_record(checked_in):
    app, world = checked_in
    _, _, later = _answered_then_corrected(app, world, {Block.PRIORITIES_SHIFTED: "No"})  # the 1 of 5 stands
    with freeze_time(later + timedelta(minutes=5), tick=True):
        app.workspace.slash(LENA, "export")
        app.settle()
    [message] = [m for m in app.slack.messages_in(app.slack.dm_channel(LENA)) if m.files]
    sheet = load_workbook(io.BytesIO(app.slack.files[message.files[0]]["content"]))["Shifts"]
    header = [c.value for c in sheet[1]]
    status, withdrawn = header.index("Status"), header.index("Withdrawn (UTC)")
    rule = header.index("Rule")
    found = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    stored = rows(app, Shift)
    assert len(found) == len(stored) and any(s.withdrawn_at for s in stored) and any(not s.withdrawn_at for s in stored)
    for s in stored:
        [row] = [r for r in found if r[rule] == s.rule.replace("_", " ")]
        if s.withdrawn_at is None:
            assert (row[status], row[withdrawn]) == ("open", None)
        else:
            assert row[status] == "withdrawn"
            assert isinstance(row[withdrawn], datetime) and abs(
                row[withdrawn] - later.replace(tzinfo=None)
            ) < timedelta(minutes=5)


def _change_buttons(message) -> list:
    return [e for b in message.blocks for e in b.get("elements", []) if e.get("action_id") == Action.CHANGE_ANSWER]


def test_the_pass_that_closes_an_answered_check_in_takes_change_my_answer_off_its_dm_once(checked_in):
    app, world = checked_in
    view = _open(app, _dm(world), Action.OPEN_ANSWER, AT)
    submit_form(app, SAM, view, SHIFTED, AT)
    world.run(AT + timedelta(minutes=1))
    dm = _dm(world)
    assert _change_buttons(dm)
    [touchpoint] = [t for t in rows(app, Touchpoint) if t.answered_at and t.message_ts == dm.ts]
    assert touchpoint.expires_at is not None
    world.run(touchpoint.expires_at - timedelta(seconds=1))
    assert _change_buttons(dm), "still open: still correctable"

    world.run(touchpoint.expires_at)
    assert not _change_buttons(dm)
    assert "has closed: its answers stay as they are" in all_text(dm) and "Thanks" in all_text(dm)
    assert_everything_sent_is_valid(app.slack)
    updates = len(app.slack.calls_to("chat.update"))
    world.run(touchpoint.expires_at + timedelta(minutes=1))
    assert len(app.slack.calls_to("chat.update")) == updates, "shown closed once"


def test_a_failed_update_at_the_close_is_logged_and_the_pass_goes_on(checked_in, caplog):
    app, world = checked_in
    view = _open(app, _dm(world), Action.OPEN_ANSWER, AT)
    submit_form(app, SAM, view, SHIFTED, AT)
    world.run(AT + timedelta(minutes=1))
    dm = _dm(world)
    [touchpoint] = [t for t in rows(app, Touchpoint) if t.answered_at and t.message_ts == dm.ts]
    assert touchpoint.expires_at is not None
    app.slack.fail("chat.update", "message_not_found", times=1, when=lambda args: args.get("ts") == dm.ts)
    report = world.run(touchpoint.expires_at)
    assert report.errors == [] and _change_buttons(dm)
    assert "could not take Change my answer off" in caplog.text
    # Not tried again: the button answers its click by saying the touchpoint has closed, and goes then.
    world.run(touchpoint.expires_at + timedelta(minutes=1))
    assert _change_buttons(dm)
    with freeze_time(touchpoint.expires_at + timedelta(minutes=2), tick=True):
        assert app.workspace.click(SAM, dm.channel, dm.ts, Action.CHANGE_ANSWER).status == 200
        app.slack.wait_for(lambda: [r for r in app.slack.responses if "can no longer be changed" in str(r)])
        app.slack.wait_for(lambda: not _change_buttons(dm))


def test_answers_published_late_by_the_pass_after_the_close_show_no_change_my_answer(checked_in):
    """The web process could not update the DM after a check-in's answers (Slack failed it); by the time the pass
    publishes them the check-in has closed: the DM shows the thanks without the button, not with it again."""
    app, world = checked_in
    dm = _dm(world)
    app.slack.fail("chat.update", "internal_error", times=1, when=lambda args: args.get("ts") == dm.ts)
    view = _open(app, dm, Action.OPEN_ANSWER, AT)
    submit_form(app, SAM, view, SHIFTED, AT)
    [touchpoint] = [t for t in rows(app, Touchpoint) if t.answered_at and t.message_ts == dm.ts]
    assert touchpoint.expires_at is not None and not _change_buttons(dm)  # the DM still asks, as before the answer
    world.run(touchpoint.expires_at + timedelta(minutes=10))  # past the close and the answer post's lease
    assert "has closed: its answers stay as they are" in all_text(dm)
    assert not _change_buttons(dm)
    assert_everything_sent_is_valid(app.slack)
