"""Follow-ups that end in a decision: after taking the follow-up of a stakeholder's priority shifts, an L&D member
records how the conversation ended; that closes the shifts, shows on the summary message, counts in the alignment
index, and a follow-up left without an outcome for two weeks needs attention. Driven through the simulator."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from freezegun import freeze_time
from openpyxl import load_workbook

from bot.blocks.digest import attention_line
from bot.exports import workbook
from bot.ids import Action, Block
from bot.services import digest, exporting
from storage.models import Outcome, PostStatus, Shift, ShiftOutcome, ShiftSummary
from tests.conftest import CHECK_INS_OUT, CHRIS, LD_CHANNEL, LENA, OLU, PRIYA, SAM, TEAM
from tests.flows import all_text, open_form, rows, submit_form
from tests.scheduling_world import World
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_message, assert_valid_view

TAKEN = CHECK_INS_OUT + timedelta(hours=1)  # Tuesday 9 February 2027, 16:00 UTC
RECORDED = TAKEN + timedelta(days=2)
HOSTILE = "Agreed with <!channel> & <@U0CHRIS>: <https://evil.example|see here> *now*"
ESCAPED = "Agreed with &lt;!channel&gt; &amp; &lt;@U0CHRIS&gt;: &lt;https://evil.example|see here&gt; *now*"


def _shifted(checked_in):
    """Sam's check-in says his priorities shifted; the pass posts the summary and Lena takes the follow-up."""
    app, world = checked_in
    at = CHECK_INS_OUT + timedelta(minutes=10)
    view = open_form(app, SAM, world.touchpoint_dms(SAM)[-1], at)
    values = {Block.PRIORITIES_SHIFTED: "Significantly", Block.MATTERS_MOST: "Keeping our biggest customers"}
    assert submit_form(app, SAM, view, {**values, Block.ON_TRACK: "4"}, at).status == 200
    world.run(at + timedelta(minutes=1))
    [summary] = _summaries(app)
    with freeze_time(TAKEN, tick=True):
        app.workspace.click(LENA, LD_CHANNEL, summary.ts, Action.FOLLOW_UP)
        app.settle()
    return app, world, summary


def _summaries(app) -> list:
    return [
        m for m in app.slack.messages_in(LD_CHANNEL) if (m.metadata or {}).get("event_type") == "shift_summary_posted"
    ]


def _open_outcome(app, user_id: str, summary, at: datetime) -> dict:
    with freeze_time(at, tick=True):
        before = len(app.slack.views_for(user_id))
        assert app.workspace.click(user_id, LD_CHANNEL, summary.ts, Action.RECORD_OUTCOME).status == 200
        app.settle()
        [view] = app.slack.views_for(user_id)[before:]
    assert_valid_view({k: v for k, v in view.items() if k not in ("id", "team_id", "hash")})
    return view


def _record(app, user_id: str, view: dict, at: datetime, outcome: str | None, note: str = ""):
    with freeze_time(at, tick=True):
        reply = app.workspace.submit(user_id, view, {Block.OUTCOME: outcome, Block.OUTCOME_NOTE: note})
        app.settle()
    assert reply.status == 200, reply
    return reply


def _buttons(message) -> dict[str, str]:
    """Each accessory button's label, by the stakeholder its section names."""
    return {
        person: b["accessory"]["text"]["text"]
        for b in message.blocks
        if b.get("accessory")
        for person in (SAM, OLU)
        if f"<@{person}>" in b["text"]["text"]
    }


def test_the_outcome_closes_the_shifts_and_the_summary_shows_it_in_place(checked_in):
    app, _, summary = _shifted(checked_in)
    assert _buttons(app.slack.message(LD_CHANNEL, summary.ts)) == {SAM: "Record outcome"}
    edits = app.slack.message(LD_CHANNEL, summary.ts).edits
    view = _open_outcome(app, LENA, summary, RECORDED)
    assert "Sales onboarding refresh" in str(view["blocks"]) and "Said their priorities shifted" in str(view["blocks"])

    reply = _record(app, LENA, view, RECORDED, Outcome.PLAN_ADJUSTED, HOSTILE)
    answer = reply.json()
    assert answer["response_action"] == "update" and "plan adjusted" in str(answer["view"])
    assert_valid_view(answer["view"])
    [outcome] = rows(app, ShiftOutcome)
    assert (outcome.outcome, outcome.note, outcome.recorded_by, outcome.recorded_at.date()) == (
        Outcome.PLAN_ADJUSTED,
        HOSTILE,
        LENA,
        RECORDED.date(),
    )
    assert {s.outcome_id for s in rows(app, Shift)} == {outcome.id}  # every shift of Sam's follow-up is closed

    message = app.slack.message(LD_CHANNEL, summary.ts)
    assert message.edits == edits + 1  # updated in place, not posted again
    text = all_text(message)
    assert "Talked it through: plan adjusted" in text and f"recorded by <@{LENA}>" in text
    assert ESCAPED in text and "<!channel>" not in text and "<@U0CHRIS>" not in text
    assert f"✅ <@{LENA}> followed up" in text
    assert _buttons(message) == {SAM: "Change outcome"}
    assert_valid_message(message.text, message.blocks)
    with freeze_time(RECORDED, tick=True):
        listing = str(app.workspace.slash(LENA, "shifts").json())
    assert f"🏁 <@{LENA}> followed up, outcome recorded" in listing and "is following up" not in listing
    assert_everything_sent_is_valid(app.slack)


def test_only_ld_members_record_an_outcome(checked_in):
    app, _, summary = _shifted(checked_in)
    with freeze_time(RECORDED, tick=True):
        app.workspace.click(CHRIS, LD_CHANNEL, summary.ts, Action.RECORD_OUTCOME)
        app.settle()
    assert "Only L&amp;D members can record the outcome" in app.slack.responses[-1]["text"]
    assert app.slack.views_for(CHRIS) == []
    view = _open_outcome(app, LENA, summary, RECORDED)
    refused = _record(app, CHRIS, view, RECORDED, Outcome.NO_CHANGE)  # Lena's modal, submitted by someone else
    assert "Only L&amp;D members" in str(refused.json())
    assert rows(app, ShiftOutcome) == [] and {s.outcome_id for s in rows(app, Shift)} == {None}
    # Another L&D member may record it: the person who took it may be away.
    _record(app, PRIYA, _open_outcome(app, PRIYA, summary, RECORDED), RECORDED, Outcome.NO_CHANGE)
    [outcome] = rows(app, ShiftOutcome)
    assert outcome.recorded_by == PRIYA
    assert f"recorded by <@{PRIYA}>" in all_text(app.slack.message(LD_CHANNEL, summary.ts))


def test_an_outcome_must_be_picked_and_a_long_note_is_refused_with_its_length(checked_in):
    app, _, summary = _shifted(checked_in)
    view = _open_outcome(app, LENA, summary, RECORDED)
    reply = _record(app, LENA, view, RECORDED, None, "x" * 501)
    assert reply.json() == {
        "response_action": "errors",
        "errors": {
            Block.OUTCOME: "Pick how the conversation ended.",
            Block.OUTCOME_NOTE: "Keep the note to 500 characters (it has 501).",
        },
    }
    assert rows(app, ShiftOutcome) == [] and {s.outcome_id for s in rows(app, Shift)} == {None}
    _record(app, LENA, view, RECORDED, Outcome.RETHINK, "y" * 500)  # at the limit: kept whole
    [outcome] = rows(app, ShiftOutcome)
    assert outcome.note == "y" * 500


def test_recording_again_shows_the_newest_outcome_and_keeps_the_earlier_one(checked_in):
    app, _, summary = _shifted(checked_in)
    _record(app, LENA, _open_outcome(app, LENA, summary, RECORDED), RECORDED, Outcome.NO_CHANGE, "All fine")
    again = _open_outcome(app, LENA, summary, RECORDED + timedelta(days=1))
    [choice] = [b for b in again["blocks"] if b.get("block_id") == Block.OUTCOME]
    [note] = [b for b in again["blocks"] if b.get("block_id") == Block.OUTCOME_NOTE]
    assert choice["element"]["initial_option"]["value"] == Outcome.NO_CHANGE  # pre-filled with what stands
    assert note["element"]["initial_value"] == "All fine"
    _record(app, LENA, again, RECORDED + timedelta(days=1), Outcome.RETHINK, "Their region is being merged")

    first, second = sorted(rows(app, ShiftOutcome), key=lambda o: o.id)
    assert (first.outcome, first.note) == (Outcome.NO_CHANGE, "All fine")  # the earlier decision is kept
    assert (second.outcome, second.note) == (Outcome.RETHINK, "Their region is being merged")
    assert {s.outcome_id for s in rows(app, Shift)} == {second.id}
    text = all_text(app.slack.message(LD_CHANNEL, summary.ts))
    assert "initiative to rethink" in text and "Their region is being merged" in text
    assert "no change needed" not in text and "All fine" not in text


def test_the_outcome_stands_when_slack_refuses_the_update_and_the_pass_updates_the_message_later(checked_in):
    app, world, summary = _shifted(checked_in)
    view = _open_outcome(app, LENA, summary, RECORDED)
    app.slack.fail("chat.update", "internal_error", status=500, times=4)  # the call and its three retries
    _record(app, LENA, view, RECORDED, Outcome.PLAN_ADJUSTED, "Two more role-plays")
    assert len(rows(app, ShiftOutcome)) == 1 and "Two more role-plays" not in all_text(
        app.slack.message(LD_CHANNEL, summary.ts)
    )
    [row] = rows(app, ShiftSummary)
    assert row.status == PostStatus.PENDING and row.revision > row.posted_revision  # left for the pass
    world.run(RECORDED + timedelta(minutes=5))
    assert "Two more role-plays" in all_text(app.slack.message(LD_CHANNEL, summary.ts))
    assert len(_summaries(app)) == 1  # the same message, updated


def _index_part(app, at: datetime) -> str:
    with freeze_time(at, tick=True):
        reply = str(app.workspace.slash(LENA, "alignment Sales onboarding refresh").json())
    [line] = [line for line in reply.split("\\n") if "Shifts with an outcome" in line]
    return line


def test_the_index_counts_shifts_with_an_outcome_not_follow_ups_taken(checked_in):
    app, _, summary = _shifted(checked_in)
    taken = _index_part(app, RECORDED)
    assert "1 of 2 have a priority shift (last 90 days) with no follow-up outcome recorded" in taken
    assert "50%" in taken  # taking the follow-up is not enough
    _record(app, LENA, _open_outcome(app, LENA, summary, RECORDED), RECORDED, Outcome.NO_CHANGE)
    closed = _index_part(app, RECORDED + timedelta(minutes=1))
    assert "0 of 2 have a priority shift" in closed and "100%" in closed


def _attention(app, at: datetime) -> list[str]:
    """The attention lines of the digest as of `at`, and the same as the L&D Home shows them (they are shared)."""
    with app.db.reading() as session:
        found = digest.build(session, TEAM, at, at.date().isoformat())
    with freeze_time(at, tick=True):
        app.workspace.open_home(LENA, event_id=f"Ev{at:%m%d%H%M}")
        app.settle()
    home = app.slack.home_of(LENA)
    assert_valid_view({k: v for k, v in home.items() if k in ("type", "blocks")})
    lines = [attention_line(a) for a in found.attention]
    home_text = str(home["blocks"])
    assert all(line in home_text for line in lines if "follow-up of" in line)
    return [line for line in lines if "took the follow-up" in line]


def test_a_follow_up_left_without_an_outcome_for_two_weeks_needs_attention_naming_who_took_it(checked_in, slack, db):
    app, _, summary = _shifted(checked_in)
    assert _attention(app, TAKEN + timedelta(days=13, hours=23)) == []
    [line] = _attention(app, TAKEN + timedelta(days=14, hours=1))
    assert f"<@{LENA}> took the follow-up of <@{SAM}>'s priority shifts 14 days ago" in line
    assert "no outcome is recorded yet" in line

    # The weekly digest says it too: Monday 22 February is before the two weeks, Monday 1 March after.
    world = World.make(slack, db, ld_channel_id=LD_CHANNEL)  # the digest's channel
    world.run(datetime(2027, 2, 22, 9, 5, tzinfo=TAKEN.tzinfo))
    world.run(datetime(2027, 3, 1, 9, 5, tzinfo=TAKEN.tzinfo))
    digests = [m for m in app.slack.messages_in(LD_CHANNEL) if (m.metadata or {}).get("event_type") == "digest_posted"]
    assert [f"<@{LENA}> took the follow-up" in all_text(m) for m in digests[-2:]] == [False, True]

    later = TAKEN + timedelta(days=15)
    _record(app, LENA, _open_outcome(app, LENA, summary, later), later, Outcome.NO_CHANGE)
    assert _attention(app, TAKEN + timedelta(days=15, minutes=1)) == []  # an outcome ends it
    assert_everything_sent_is_valid(app.slack)


def test_a_stalled_follow_up_leaves_the_attention_items_with_its_initiative_or_past_the_index_window(checked_in):
    app, _, _ = _shifted(checked_in)
    stalled = TAKEN + timedelta(days=15, hours=1)
    assert len(_attention(app, stalled)) == 1
    assert len(_attention(app, TAKEN + timedelta(days=89, hours=1))) == 1  # within the 90 days the index looks back
    assert _attention(app, TAKEN + timedelta(days=92)) == []  # the shift is older than anything the index counts
    with freeze_time(stalled, tick=True):
        assert "Closed" in app.workspace.slash(LENA, "close Sales onboarding refresh").json()["text"]
    assert _attention(app, stalled + timedelta(minutes=1)) == []  # a closed initiative needs no conversation


def test_the_workbooks_shifts_sheet_shows_the_outcome_its_note_who_recorded_it_and_when(checked_in):
    app, _, summary = _shifted(checked_in)
    _record(app, LENA, _open_outcome(app, LENA, summary, RECORDED), RECORDED, Outcome.PLAN_ADJUSTED, "=1+1 " + HOSTILE)
    out = io.BytesIO()
    with app.db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), RECORDED, "UTC"), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Shifts"]
    header = [c.value for c in sheet[1]]
    assert header[-4:] == ["Outcome", "Outcome note", "Outcome recorded by", "Outcome recorded (UTC)"]
    shifts = list(sheet.iter_rows(min_row=2, values_only=True))
    assert shifts and all(r[-4:-1] == ("Talked it through: plan adjusted", "=1+1 " + HOSTILE, LENA) for r in shifts)
    assert all(isinstance(r[-1], datetime) and r[-1].date() == RECORDED.date() for r in shifts)
    assert sheet.cell(2, header.index("Outcome note") + 1).data_type == "s"  # a note is text, never a formula
    assert sheet.cell(2, header.index("Outcome note") + 1).alignment.wrap_text  # a note of 500 characters wraps
    assert not sheet.cell(2, header.index("Outcome") + 1).alignment.wrap_text


def test_an_outcome_cannot_be_recorded_for_a_follow_up_nobody_took(checked_in):
    app, world = checked_in
    at = CHECK_INS_OUT + timedelta(minutes=10)
    view = open_form(app, OLU, world.touchpoint_dms(OLU)[-1], at)
    values = {Block.PRIORITIES_SHIFTED: "No", Block.MATTERS_MOST: "New reps close a deal in their first month"}
    assert submit_form(app, OLU, view, {**values, Block.ON_TRACK: "1"}, at).status == 200
    world.run(at + timedelta(minutes=1))
    [summary] = _summaries(app)
    [button] = [b["accessory"] for b in summary.blocks if b.get("accessory")]
    assert button["action_id"] == Action.FOLLOW_UP  # no Record outcome before someone takes it
    forged = {**button, "action_id": Action.RECORD_OUTCOME}  # a stale or crafted request
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": LENA, "team_id": TEAM},
        "api_app_id": "ATOUCHPOINT",
        "container": {"type": "message", "message_ts": summary.ts, "channel_id": LD_CHANNEL},
        "trigger_id": app.slack.new_trigger(LENA),
        "channel": {"id": LD_CHANNEL},
        "response_url": app.slack.response_url(),
        "actions": [{**forged, "block_id": "x", "action_ts": "1"}],
    }
    views = len(app.slack.views_for(LENA))
    with freeze_time(RECORDED, tick=True):
        assert app.workspace.post_payload(payload).status == 200
        app.settle()
    assert "Take the follow-up first" in app.slack.responses[-1]["text"]
    assert len(app.slack.views_for(LENA)) == views and rows(app, ShiftOutcome) == []


def test_an_outcome_closes_the_shifts_its_modal_showed_not_one_that_arrived_meanwhile(checked_in):
    app, _, summary = _shifted(checked_in)
    view = _open_outcome(app, LENA, summary, RECORDED)
    [shown] = [s for s in rows(app, Shift) if s.stakeholder_id == rows(app, Shift)[0].stakeholder_id][:1]
    with app.db.session() as session:  # the same day, a later answer of Sam's adds a shift to his follow-up
        later = Shift(**{**shown.model_dump(exclude={"id", "outcome_id"}), "rule": "matters_most_changed"})
        session.add(later)
        session.flush()
        later_id = later.id
    _record(app, LENA, view, RECORDED, Outcome.NO_CHANGE)
    closed = {s.id: s.outcome_id for s in rows(app, Shift)}
    assert closed[later_id] is None  # nobody has seen it in this follow-up: it waits for its own outcome
    assert all(outcome is not None for shift_id, outcome in closed.items() if shift_id != later_id)
