"""Priority shifts end to end: detected from answered check-ins and reviews, summarised once per initiative and day
in the summary channel, followed up by an L&D member, listed with `/touchpoint shifts`; posted exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlmodel import select

from bot.blocks.shifts import shift_summary
from bot.ids import Action, Block
from bot.services import shifts
from bot.services.initiatives import InitiativeInfo
from bot.services.shift_rules import STRONG, Detected
from bot.services.shifts import PersonShifts, ShiftLine, SummaryView
from storage.models import Initiative, PostStatus, Question, Shift, ShiftRule, ShiftSummary, Stakeholder, saved_id
from storage.repositories import stakeholders as stakeholder_rows
from tests.conftest import CHECK_INS_OUT, CHRIS, LD_CHANNEL, LENA, OLU, SAM
from tests.flows import all_text, open_form, rows, submit_form
from tests.scheduling_world import World
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_message
from tests.test_exactly_once import _tick

UTC = UTC
START = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in London and New York, so first DMs go at once
NOON = datetime(2027, 3, 10, 12, tzinfo=UTC)  # a Wednesday: the same day for every shift below, and no digest due
# Shifts for the real `touchpoint tick` processes, which run on the real clock: recorded on its day.
TODAY = datetime.now(UTC)


def _check_in(
    app, world, user_id, at, *, shifted="No", matters="New reps closing their first deal sooner", on_track="4"
):
    view = open_form(app, user_id, world.touchpoint_dms(user_id)[-1], at)
    reply = submit_form(
        app,
        user_id,
        view,
        {
            Block.PRIORITIES_SHIFTED: shifted,
            Block.MATTERS_MOST: matters,
            Block.ON_TRACK: on_track,
        },
        at,
    )
    assert reply.status == 200 and reply.body == "", reply


def _summaries(slack):
    return [m for m in slack.messages_in(LD_CHANNEL) if (m.metadata or {}).get("event_type") == "shift_summary_posted"]


def test_a_shift_is_told_to_the_summary_channel_with_before_after_and_a_follow_up_button(checked_in):
    app, world = checked_in
    _check_in(
        app,
        world,
        SAM,
        CHECK_INS_OUT + timedelta(minutes=10),
        shifted="Significantly",
        matters="Keeping our biggest customers from churning to a competitor",
        on_track="2",
    )
    assert _summaries(app.slack) == [], "summaries are posted by the scheduling pass, not the web process"
    world.run(CHECK_INS_OUT + timedelta(minutes=11))

    [summary] = _summaries(app.slack)
    text = all_text(summary)
    assert "Priority shifts in Sales onboarding refresh" in text and f"<@{SAM}>" in text
    assert "Said their priorities shifted* · strong" in text and "Keeping our biggest customers" in text
    assert "On-track rating dropped* · moderate: first rating → *2* of 5" in text
    # What matters most now is about something new: the changed wording is there, before and after.
    assert "What matters most to them is new" in text
    assert "was: “New reps close a deal in their first month”" in text
    assert "now: “Keeping our biggest customers from churning to a competitor”" in text
    assert "new: customers, churning, competitor" in text
    [button] = [b["accessory"] for b in summary.blocks if b.get("accessory")]
    assert button["action_id"] == Action.FOLLOW_UP
    stored = rows(app, Shift)
    assert {s.rule for s in stored} == {ShiftRule.SAID_SHIFTED, ShiftRule.RATING_DROP, ShiftRule.NEW_FOCUS}
    assert all(s.evidence and s.stakeholder_id and s.touchpoint_id for s in stored)
    world.run(CHECK_INS_OUT + timedelta(minutes=12))
    assert len(_summaries(app.slack)) == 1 and summary.edits == 0, "a pass with nothing new posts and edits nothing"
    assert_everything_sent_is_valid(app.slack)


def test_shifts_of_one_initiative_on_one_day_share_one_message(checked_in):
    app, world = checked_in
    _check_in(app, world, SAM, CHECK_INS_OUT + timedelta(minutes=10), shifted="Somewhat")
    world.run(CHECK_INS_OUT + timedelta(minutes=11))
    _check_in(app, world, OLU, CHECK_INS_OUT + timedelta(hours=2), on_track="1")
    world.run(CHECK_INS_OUT + timedelta(hours=2, minutes=1))

    [summary] = _summaries(app.slack)
    assert summary.edits == 1  # updated in place with Olu's shift
    text = all_text(summary)
    assert f"<@{SAM}>" in text and f"<@{OLU}>" in text and "2 shifts from 2 stakeholders" in text
    assert len([b for b in summary.blocks if b.get("accessory")]) == 2
    [row] = rows(app, ShiftSummary)
    assert (row.status, row.revision, row.posted_revision) == (PostStatus.POSTED, 2, 2)


def test_a_check_in_that_changes_nothing_records_no_shift(checked_in):
    app, world = checked_in
    _check_in(app, world, SAM, CHECK_INS_OUT + timedelta(minutes=10))
    world.run(CHECK_INS_OUT + timedelta(minutes=11))
    assert rows(app, Shift) == [] and _summaries(app.slack) == []


def test_an_ld_member_takes_the_follow_up_and_everyone_sees_it(checked_in):
    app, world = checked_in
    _check_in(app, world, SAM, CHECK_INS_OUT + timedelta(minutes=10), shifted="Significantly")
    _check_in(app, world, OLU, CHECK_INS_OUT + timedelta(minutes=20), on_track="2")
    world.run(CHECK_INS_OUT + timedelta(minutes=21))
    [summary] = _summaries(app.slack)

    refused = app.workspace.click(CHRIS, LD_CHANNEL, summary.ts, Action.FOLLOW_UP)
    app.settle()
    assert refused.status == 200
    assert "Only L&amp;D members" in app.slack.responses[-1]["text"]
    assert all(s.followed_up_by is None for s in rows(app, Shift)) and summary.edits == 0

    app.workspace.click(LENA, LD_CHANNEL, summary.ts, Action.FOLLOW_UP)  # the first button: Sam's
    app.settle()
    user_of = {p.id: p.user_id for p in rows(app, Stakeholder)}
    assert {(user_of[s.stakeholder_id], s.followed_up_by) for s in rows(app, Shift)} == {(SAM, LENA), (OLU, None)}
    text = all_text(app.slack.message(LD_CHANNEL, summary.ts))
    assert f"✅ <@{LENA}> is following up" in text
    blocks = app.slack.message(LD_CHANNEL, summary.ts).blocks
    buttons = [b for b in blocks if (b.get("accessory") or {}).get("action_id") == Action.FOLLOW_UP]
    assert len(buttons) == 1 and f"<@{OLU}>" in buttons[0]["text"]["text"]  # Olu's is still to take
    [taken] = [b for b in blocks if (b.get("accessory") or {}).get("action_id") == Action.RECORD_OUTCOME]
    assert f"<@{SAM}>" in taken["text"]["text"] and taken["accessory"]["text"]["text"] == "Record outcome"
    assert_everything_sent_is_valid(app.slack)


def test_shifts_lists_the_recent_shifts_for_ld_members(checked_in):
    app, world = checked_in
    _check_in(app, world, SAM, CHECK_INS_OUT + timedelta(minutes=10), shifted="Significantly")
    with freeze_time(CHECK_INS_OUT + timedelta(hours=1), tick=True):
        reply = app.workspace.slash(LENA, "shifts sales ONBOARDING refresh")
        listing = str(reply.json())
        assert "Priority shifts in *Sales onboarding refresh* in the last 30 days" in listing
        assert "Said their priorities shifted" in listing and "no follow-up yet" in listing
        assert "I can't find an initiative called" in str(app.workspace.slash(LENA, "shifts Nothing like it").json())
        assert "only the L&amp;D team" in str(app.workspace.slash(CHRIS, "shifts").json())
    with freeze_time(CHECK_INS_OUT + timedelta(days=40), tick=True):
        assert "No priority shifts in the last 30 days" in str(app.workspace.slash(LENA, "shifts").json())


# Posting exactly once, with the services and real processes


def _pending_summaries(world, count: int, at: datetime = NOON) -> None:
    """`count` initiatives, each with one shift of `at`'s day waiting for its summary."""
    people = {f"U0S{n:03d}": "Europe/London" for n in range(count)}
    for n, user_id in enumerate(people):
        [touchpoint_id] = world.open(START, {user_id: "Europe/London"}, name=f"Initiative {n}")  # first DM out
        with world.db.session() as session:
            initiative = session.get_one(Initiative, n + 1)
            stakeholder = stakeholder_rows.stakeholder_by_user(session, initiative.team_id, user_id)
            assert stakeholder is not None
            shifts.record(
                session,
                team_id=initiative.team_id,
                initiative=InitiativeInfo.of(initiative),
                stakeholder_id=saved_id(stakeholder),
                touchpoint_id=touchpoint_id,
                now=at,
                tz="UTC",
                detected=[
                    Detected(
                        ShiftRule.SAID_SHIFTED,
                        Question.PRIORITIES_SHIFTED,
                        "No",
                        "Significantly",
                        "answered “Significantly”",
                        STRONG,
                    )
                ],
            )


def test_a_summary_is_never_posted_twice_when_its_poster_dies_after_slack_took_it(slack, db):
    world = World.make(slack, db)
    _pending_summaries(world, 6, TODAY)
    slack.slow("chat.postMessage", 0.4)  # Slack keeps each message at once but answers late: the kill lands there
    killed = _tick(slack, db)
    slack.wait_for(lambda: len(_summaries(slack)) >= 2, timeout=30)
    killed.kill()
    killed.wait(timeout=10)
    statuses = [s.status for s in _rows(db, ShiftSummary)]
    assert PostStatus.SENDING in statuses, statuses

    slack.slow("chat.postMessage", 0)
    finished = _tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")
    _out, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err
    posted = [m.metadata["event_payload"]["summary"] for m in _summaries(slack)]
    assert sorted(posted) == list(range(1, 7)), posted  # each exactly once
    assert {s.status for s in _rows(db, ShiftSummary)} == {PostStatus.POSTED}
    assert slack.calls_to("conversations.history"), "the interrupted summary was looked for before posting again"


def test_two_schedulers_at_once_post_each_summary_once(slack, db):
    world = World.make(slack, db)
    _pending_summaries(world, 3 * shifts.SUMMARY_BATCH, TODAY)
    slack.slow("chat.postMessage", 0.01)
    passes = [_tick(slack, db) for _ in range(2)]
    reports = [p.communicate(timeout=180) for p in passes]
    assert [p.returncode for p in passes] == [0, 0], reports
    posted = [m.metadata["event_payload"]["summary"] for m in _summaries(slack)]
    assert sorted(posted) == list(range(1, 3 * shifts.SUMMARY_BATCH + 1))


def test_a_channel_the_app_cannot_post_in_fails_the_summary_and_tells_its_owner(slack, db):
    world = World.make(slack, db)
    _pending_summaries(world, 1)
    slack.fail("chat.postMessage", "channel_not_found", when=lambda args: args.get("channel") == LD_CHANNEL)
    world.run(NOON)
    [row] = _rows(db, ShiftSummary)
    assert (row.status, row.last_error) == (PostStatus.FAILED, "channel_not_found")
    told = slack.messages_in(slack.dm_channel(LENA))
    assert told and "couldn't post the summary" in all_text(told[-1])
    # Once the channel is fixed, the day's next shift brings the summary back, with every shift of the day.
    with world.db.session() as session:
        initiative = session.get_one(Initiative, 1)
        shifts.record(
            session,
            team_id=initiative.team_id,
            initiative=InitiativeInfo.of(initiative),
            stakeholder_id=1,
            touchpoint_id=1,
            now=NOON + timedelta(minutes=5),
            tz="UTC",
            detected=[Detected(ShiftRule.RATING_DROP, Question.ON_TRACK, "4", "2", "rated 2", 2)],
        )
    world.run(NOON + timedelta(minutes=6))
    [summary] = _summaries(slack)
    assert "2 shifts from 1 stakeholder" in all_text(summary)
    assert [s.status for s in _rows(db, ShiftSummary)] == [PostStatus.POSTED]


def test_a_passing_slack_failure_is_retried_after_the_lease(slack, db):
    world = World.make(slack, db)
    _pending_summaries(world, 1)
    slack.fail("chat.postMessage", "internal_error", status=500, times=4)  # one call and its three retries
    now = NOON
    world.run(now)
    assert [s.status for s in _rows(db, ShiftSummary)] == [PostStatus.SENDING]
    world.run(now + timedelta(minutes=6))
    assert [s.status for s in _rows(db, ShiftSummary)] == [PostStatus.POSTED] and len(_summaries(slack)) == 1


def test_shifts_on_another_day_get_a_message_of_their_own(slack, db):
    world = World.make(slack, db)
    _pending_summaries(world, 1)
    world.run(NOON)
    with world.db.session() as session:
        initiative = session.get_one(Initiative, 1)
        tomorrow = shifts.record(
            session,
            team_id=initiative.team_id,
            initiative=InitiativeInfo.of(initiative),
            stakeholder_id=1,
            touchpoint_id=1,
            now=NOON + timedelta(days=1),
            tz="UTC",
            detected=[Detected(ShiftRule.RATING_DROP, Question.ON_TRACK, "4", "2", "rated 2", 2)],
        )
    assert tomorrow == 2
    world.run(NOON + timedelta(days=1))
    assert len(_summaries(slack)) == 2


def _rows(db, model):
    with db.reading() as session:
        return list(session.exec(select(model)).all())


# Slack's limits, with the longest answers and the most stakeholders


def test_the_biggest_summary_fits_slacks_limits_without_losing_anyone():
    long = "word " * 600
    lines = tuple(ShiftLine(rule, Question.IMPACT, long, long + "x", "evidence " * 100, STRONG) for rule in ShiftRule)
    people = tuple(PersonShifts(n, f"U0P{n:03d}", "checkin", lines, None, None) for n in range(60))
    view = SummaryView(1, "T", "x" * 80, LENA, LD_CHANNEL, "2027-02-09", 3, None, None, 1, people)
    message = shift_summary(view)
    blocks = [b.to_dict() for b in message.blocks]
    assert_valid_message(message.text, blocks)
    shown = [p.user_id for p in people if any(p.user_id in b.get("text", {}).get("text", "") for b in blocks)]
    hidden = len(people) - len(shown)
    assert hidden > 0 and f"…and {hidden} more stakeholders" in str(blocks)  # said, not silently cut
