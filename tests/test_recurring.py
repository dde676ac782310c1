"""Check-ins and reviews end to end: the pass sends them, stakeholders act on them from the DM over signed HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bot.ids import Action, Block
from storage.models import Answer, Question, Stakeholder, TouchpointKind, TouchpointStatus
from tests.conftest import CHRIS, LD_CHANNEL, LENA, OLU, SAM
from tests.flows import all_text, answer, open_form, open_initiative, rows, submit_form
from tests.scheduling_world import World

UTC = UTC
START = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in London and New York, so first DMs go at once


@pytest.fixture
def started(server, slack, db):
    """An initiative opened on 5 January 2027 for Sam (New York) and Olu (London), Sam's kickoff answered."""
    with freeze_time(START, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM, OLU])
        answer(app, SAM, "New reps close a deal in their first month", "Time to first deal in Salesforce")
    world = World.make(slack, db)
    world.run(START + timedelta(minutes=5))  # plans February's check-ins: 12 January is too soon after the kickoff
    return app, world


def _latest_touchpoint_dm(world, user_id):
    return world.touchpoint_dms(user_id)[-1]


def _open_and_submit(app, user_id, dm, values, at):
    view = open_form(app, user_id, dm, at)
    return view, submit_form(app, user_id, view, values, at)


def test_a_monthly_check_in_shows_their_impact_and_is_answered_in_a_minute(started):
    app, world = started
    world.run(datetime(2027, 2, 9, 15, tzinfo=UTC))  # 10:00 in New York
    dm = _latest_touchpoint_dm(world, SAM)
    assert "Monthly check-in" in all_text(dm) and "New reps close a deal in their first month" in all_text(dm)
    elements = {e["action_id"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"]}
    assert elements == {Action.OPEN_ANSWER, Action.SNOOZE, Action.SKIP, Action.AWAY}

    view, reply = _open_and_submit(
        app,
        SAM,
        dm,
        {
            Block.PRIORITIES_SHIFTED: "Somewhat",
            Block.MATTERS_MOST: "Retention of new reps past 90 days",
            Block.ON_TRACK: "3",
            Block.NOTES: "",
        },
        datetime(2027, 2, 9, 15, 10, tzinfo=UTC),
    )
    assert reply.body == ""
    assert "New reps close a deal in their first month" in str(view["blocks"])  # answered in context
    stored = {(a.question, a.text) for a in rows(app, Answer) if a.question not in (Question.IMPACT, Question.TRACKING)}
    assert stored == {
        ("priorities_shifted", "Somewhat"),
        ("matters_most", "Retention of new reps past 90 days"),
        ("on_track", "3"),
    }
    summary = app.slack.messages_in(LD_CHANNEL)[-1]
    assert "checked in" in all_text(summary) and "Somewhat" in all_text(summary) and "3/5" in all_text(summary)
    assert "Retention of new reps past 90 days" in all_text(summary)

    updated = app.slack.message(dm.channel, dm.ts)
    # no Answer, Snooze or Skip left: only the way to correct the answer while the touchpoint is open
    left = {e["action_id"] for b in updated.blocks if b["type"] == "actions" for e in b["elements"]}
    assert left == {Action.CHANGE_ANSWER} and "Thanks" in all_text(updated)
    # The same form submitted again while the touchpoint is open is a correction: new versions, the first kept.
    with freeze_time(datetime(2027, 2, 9, 15, 20, tzinfo=UTC), tick=True):
        again = app.workspace.submit(
            SAM, view, {Block.PRIORITIES_SHIFTED: "No", Block.MATTERS_MOST: "x", Block.ON_TRACK: "5"}
        )
    assert again.body == ""
    versions = sorted((a.version, a.text) for a in rows(app, Answer) if a.question == Question.MATTERS_MOST)
    assert [text for _, text in versions] == ["Retention of new reps past 90 days", "x"]


def test_a_check_in_form_needs_its_choices(started):
    app, world = started
    world.run(datetime(2027, 2, 9, 15, tzinfo=UTC))
    _, reply = _open_and_submit(
        app, SAM, _latest_touchpoint_dm(world, SAM), {Block.MATTERS_MOST: " "}, datetime(2027, 2, 9, 15, 10, tzinfo=UTC)
    )
    errors = reply.json()["errors"]
    assert set(errors) == {Block.PRIORITIES_SHIFTED, Block.MATTERS_MOST, Block.ON_TRACK}


def test_a_quarterly_review_confirms_or_revises_the_impact_statement(started):
    app, world = started
    world.run(datetime(2027, 2, 9, 15, tzinfo=UTC))
    world.run(datetime(2027, 3, 9, 15, tzinfo=UTC))
    world.run(datetime(2027, 4, 13, 14, tzinfo=UTC))  # April's review, 10:00 EDT
    dm = _latest_touchpoint_dm(world, SAM)
    assert "Quarterly review" in all_text(dm) and "Time to first deal in Salesforce" in all_text(dm)
    view, _ = _open_and_submit(
        app,
        SAM,
        dm,
        {
            Block.IMPACT: "New reps close a deal in their first month, and stay past a year",
            Block.IMPACT_JUDGEMENT: "changed",
            Block.ALIGNMENT: "4",
            Block.ADJUST: "More role-play on discovery calls",
        },
        datetime(2027, 4, 13, 14, 30, tzinfo=UTC),
    )
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert prefilled[Block.IMPACT] == "New reps close a deal in their first month"
    assert prefilled[Block.TRACKING] == "Time to first deal in Salesforce"

    versions = sorted(
        (a.question, a.version, a.text) for a in rows(app, Answer) if a.question in ("impact", "tracking")
    )
    assert versions == [
        ("impact", 1, "New reps close a deal in their first month"),
        ("impact", 2, "New reps close a deal in their first month, and stay past a year"),
        ("tracking", 1, "Time to first deal in Salesforce"),  # confirmed unchanged: no new version
    ]
    summary = all_text(app.slack.messages_in(LD_CHANNEL)[-1])
    assert "reviewed" in summary and "4/5" in summary and "revised; it was" in summary
    assert "More role-play on discovery calls" in summary


def test_snooze_reminds_later_and_skip_closes_it(started):
    app, world = started
    world.run(datetime(2027, 2, 9, 15, tzinfo=UTC))
    dm = _latest_touchpoint_dm(world, SAM)
    with freeze_time(datetime(2027, 2, 9, 16, tzinfo=UTC), tick=True):
        app.workspace.click(
            SAM, dm.channel, dm.ts, Action.SNOOZE, option=dm.blocks[-2]["elements"][1]["options"][1]["value"]
        )
        app.settle()
    assert "Snoozed" in app.slack.responses[-1]["text"]
    sam_touchpoint = [t for t in world.touchpoints() if t.period == "2027-02" and t.status == TouchpointStatus.SENT]
    [_snoozed] = [
        t for t in sam_touchpoint if t.remind_at == datetime(2027, 2, 16, 15, tzinfo=UTC)
    ]  # next week, 10:00 NY
    reminders_before = len(app.slack.messages_in(app.slack.dm_channel(SAM)))
    world.run(datetime(2027, 2, 12, 15, tzinfo=UTC))  # three working days on: the snooze holds the reminder back
    world.run(datetime(2027, 2, 16, 15, tzinfo=UTC))
    sam_dms = app.slack.messages_in(app.slack.dm_channel(SAM))
    assert len(sam_dms) == reminders_before + 1 and "gentle reminder" in all_text(sam_dms[-1])

    olu_dm = _latest_touchpoint_dm(world, OLU)
    with freeze_time(datetime(2027, 2, 16, 10, tzinfo=UTC), tick=True):
        app.workspace.click(OLU, olu_dm.channel, olu_dm.ts, Action.SKIP)
        app.settle()
    assert "was skipped" in app.slack.responses[-1]["blocks"][0]["text"]["text"]
    olu_id = next(s.id for s in rows(app, Stakeholder) if s.user_id == OLU)
    [olu_february] = [t for t in world.touchpoints() if t.stakeholder_id == olu_id and t.period == "2027-02"]
    assert olu_february.status == TouchpointStatus.SKIPPED
    # A stale copy of the DM (another device) still shows the button: the skipped check-in takes no answer.
    with freeze_time(datetime(2027, 2, 16, 10, 5, tzinfo=UTC), tick=True):
        views_before = len(app.slack.views_for(OLU))
        app.workspace.click(OLU, olu_dm.channel, olu_dm.ts, Action.OPEN_ANSWER)
        app.settle()
    assert "monthly check-in is skipped" in app.slack.responses[-1]["text"]
    assert len(app.slack.views_for(OLU)) == views_before


def test_im_away_pauses_everything_until_then_and_it_resumes_by_itself(started):
    app, world = started
    world.run(datetime(2027, 2, 9, 15, tzinfo=UTC))
    dm = _latest_touchpoint_dm(world, SAM)
    with freeze_time(datetime(2027, 2, 9, 16, tzinfo=UTC), tick=True):
        app.workspace.click(SAM, dm.channel, dm.ts, Action.AWAY, day="2027-04-20")
        app.settle()
    assert (
        "no touchpoints for you until after Tuesday 20 April 2027"
        in app.slack.responses[-1]["blocks"][1]["text"]["text"]
    )
    world.run(datetime(2027, 2, 9, 16, 1, tzinfo=UTC))  # re-plans Sam around the pause
    sams = [t for t in world.touchpoints() if t.status == TouchpointStatus.PENDING and t.kind != TouchpointKind.KICKOFF]
    sam_id = next(s.id for s in rows(app, Stakeholder) if s.user_id == SAM)
    [next_for_sam] = [t for t in sams if t.stakeholder_id == sam_id]
    # March's check-in (9 March) falls in the pause: it moves to Wednesday 21 April, 10:00 in New York.
    assert (next_for_sam.period, next_for_sam.due_at) == ("2027-03", datetime(2027, 4, 21, 14, tzinfo=UTC))


def test_ld_pauses_a_stakeholder_with_a_command(started):
    app, world = started
    with freeze_time(datetime(2027, 1, 20, tzinfo=UTC), tick=True):
        reply = app.workspace.slash(LENA, f"pause <@{OLU}|olu> until 2027-03-31").json()
        # February's check-in (dropped, to be planned afresh) and the reminder of the first DM Olu has not answered
        assert "until after Wednesday 31 March 2027" in reply["text"] and "2 coming touchpoints moved" in reply["text"]
        assert "Say who and until when" in app.workspace.slash(LENA, "pause olu").json()["text"]
        assert "already passed" in app.workspace.slash(LENA, f"pause <@{OLU}> 2026-12-01").json()["text"]
        assert "only the L&amp;D team" in app.workspace.slash(CHRIS, f"pause <@{OLU}> 2027-03-01").json()["text"]
    world.run(datetime(2027, 1, 20, 0, 1, tzinfo=UTC))
    olu_id = next(s.id for s in rows(app, Stakeholder) if s.user_id == OLU)
    [pending] = [t for t in world.touchpoints() if t.stakeholder_id == olu_id and t.status == TouchpointStatus.PENDING]
    assert pending.due_at == datetime(2027, 4, 1, 9, tzinfo=UTC)  # Feb and Mar fall in the pause; 1 April, 10:00 BST
    [kickoff] = [t for t in world.touchpoints() if t.stakeholder_id == olu_id and t.kind == TouchpointKind.KICKOFF]
    assert kickoff.status == TouchpointStatus.SENT and kickoff.reminded_at is None
    assert kickoff.remind_at == datetime(2027, 4, 1, 9, tzinfo=UTC) and kickoff.expires_at > kickoff.remind_at


def test_the_schedule_modal_changes_the_cadence_and_upcoming_shows_it(started):
    app, world = started
    with freeze_time(datetime(2027, 1, 20, tzinfo=UTC), tick=True):
        app.workspace.slash(LENA, "schedule sales onboarding REFRESH")
        view = app.slack.wait_for(
            lambda: [v for v in app.slack.views_for(LENA) if v.get("callback_id") == "initiative_schedule"]
        )[0]
        bad = app.workspace.submit(
            LENA, view, {Block.WORKING_DAYS: [], Block.MISSED_AFTER: "2", Block.QUIET_RANGES: "xmas"}
        )
        assert set(bad.json()["errors"]) == {Block.WORKING_DAYS, Block.MISSED_AFTER, Block.QUIET_RANGES}
        good = app.workspace.submit(LENA, view, {Block.NTH: "1", Block.WEEKDAY: "0", Block.SEND_TIME: "14:30"})
        assert good.json()["response_action"] == "update"
        assert "can't find an initiative called “Nope”" in app.workspace.slash(LENA, "schedule Nope").json()["text"]
    world.run(datetime(2027, 1, 20, 0, 1, tzinfo=UTC))
    with freeze_time(datetime(2027, 1, 20, 0, 2, tzinfo=UTC), tick=True):
        upcoming = app.workspace.slash(LENA, "upcoming").json()
    text = str(upcoming["blocks"])
    # First Monday of February 2027 is the 1st: 14:30 in New York (19:30 UTC) and in London.
    assert "Mon 01 Feb 14:30 in America/New_York" in text and "Mon 01 Feb 14:30 in Europe/London" in text


def test_a_new_time_zone_in_slack_moves_their_coming_touchpoints_to_the_new_local_hour(started):
    app, world = started
    sam = {
        "id": SAM,
        "team_id": "T0SIMULATED",
        "name": "sam",
        "tz": "Europe/Berlin",
        "deleted": False,
        "profile": {"display_name": "Sam"},
    }
    with freeze_time(datetime(2027, 1, 20, tzinfo=UTC), tick=True):
        assert app.workspace.event({"type": "user_change", "user": sam}, event_id="EvMOVED").status == 200
    world.run(datetime(2027, 1, 20, 0, 1, tzinfo=UTC))
    sam_id = next(s.id for s in rows(app, Stakeholder) if s.user_id == SAM)
    [pending] = [t for t in world.touchpoints() if t.stakeholder_id == sam_id and t.status == TouchpointStatus.PENDING]
    assert pending.due_at == datetime(2027, 2, 9, 9, tzinfo=UTC)  # 10:00 in Berlin, no longer 10:00 in New York
