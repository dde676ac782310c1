"""Promises kept on any day: first DMs at a sensible hour with a reminder and a close, pauses that hold everything,
inactive initiatives that send nothing, and what fell due while nothing ran."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import select

from bot.errors import FormInvalid, UserError
from bot.ids import Block
from bot.services import cadence, calendar, pauses, touchpoints
from bot.services.cadence import ScheduleForm
from storage.models import Initiative, Stakeholder, TouchpointKind, TouchpointStatus
from storage.repositories import initiatives as initiative_rows
from storage.repositories import stakeholders as stakeholder_rows
from tests.conftest import LENA, OLU, SAM, TEAM
from tests.flows import all_text, answer, kickoff_dm, open_initiative, rows
from tests.scheduling_world import World

UTC = UTC


def _about(moment: datetime, expected: datetime) -> bool:
    """The same instant, give or take the seconds a test takes under a ticking frozen clock."""
    return abs(moment - expected) < timedelta(seconds=30)


def _kickoffs(world):
    return [t for t in world.touchpoints() if t.kind == TouchpointKind.KICKOFF]


def test_a_first_dm_waits_for_the_stakeholders_working_hours_and_the_opener_is_told_when(server, slack, db):
    opened = datetime(2027, 3, 13, 3, tzinfo=UTC)  # Friday 22:00 in New York, Saturday 03:00 in London
    with freeze_time(opened, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM, OLU])
    assert not slack.messages_in(slack.dm_channel(SAM)) and not slack.messages_in(slack.dm_channel(OLU))
    [notice] = slack.messages_in(slack.dm_channel(LENA))
    # Monday 10:00 in each zone (New York is on daylight time from 14 March, London not until 28 March).
    assert f"<@{SAM}>: Mon 15 Mar at 10:00 their time (America/New_York)" in all_text(notice)
    assert f"<@{OLU}>: Mon 15 Mar at 10:00 their time (Europe/London)" in all_text(notice)
    by_user = {t.stakeholder_id: t for t in _kickoffs(World.make(slack, db))}
    ids = {s.user_id: s.id for s in rows(app, Stakeholder)}
    assert by_user[ids[SAM]].due_at == datetime(2027, 3, 15, 14, tzinfo=UTC)
    assert by_user[ids[OLU]].due_at == datetime(2027, 3, 15, 10, tzinfo=UTC)

    world = World.make(slack, db)
    world.run(datetime(2027, 3, 15, 9, 59, tzinfo=UTC))  # nothing before its time
    assert not slack.messages_in(slack.dm_channel(OLU))
    world.run(datetime(2027, 3, 15, 10, tzinfo=UTC))
    world.run(datetime(2027, 3, 15, 14, tzinfo=UTC))
    assert len(world.touchpoint_dms(OLU)) == 1 and len(world.touchpoint_dms(SAM)) == 1


def test_a_first_dm_during_working_hours_goes_at_once_then_is_reminded_once_and_closes(server, slack, db):
    opened = datetime(2027, 3, 16, 15, tzinfo=UTC)  # Tuesday: 11:00 in New York, 15:00 in London
    with freeze_time(opened, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM])
    kickoff_dm(app, SAM)
    [notice] = slack.messages_in(slack.dm_channel(LENA))
    assert f"<@{SAM}>: now" in all_text(notice)
    [kickoff] = _kickoffs(World.make(slack, db))
    # One reminder three working days on, closed as missed ten working days on, at the hour it was sent.
    assert _about(kickoff.remind_at, datetime(2027, 3, 19, 15, tzinfo=UTC))
    assert _about(kickoff.expires_at, datetime(2027, 3, 30, 15, tzinfo=UTC))

    world = World.make(slack, db)
    world.run(kickoff.remind_at)
    world.run(kickoff.remind_at + timedelta(hours=1))
    reminders = [m for m in slack.messages_in(slack.dm_channel(SAM)) if "gentle reminder" in all_text(m)]
    assert len(reminders) == 1 and "the two questions about" in all_text(reminders[0])
    assert "Skip" not in all_text(reminders[0])  # the first two questions cannot be skipped
    world.run(kickoff.expires_at)
    [kickoff] = _kickoffs(world)
    assert kickoff.status == TouchpointStatus.MISSED
    assert "closed without an answer" in all_text(slack.messages_in(slack.dm_channel(SAM))[0])  # its DM says so


def test_a_paused_person_named_in_a_new_initiative_gets_nothing_until_the_pause_ends(server, slack, db):
    start = datetime(2027, 3, 16, 15, tzinfo=UTC)
    with freeze_time(start, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM], name="Leadership programme")
        answer(app, SAM, "Managers who coach", "Engagement survey")
        reply = app.workspace.slash(LENA, f"pause <@{SAM}> until 2027-04-09").json()
        assert "until after Friday 9 April 2027" in reply["text"]
        open_initiative(app, LENA, stakeholders=[SAM, OLU], name="Sales onboarding refresh")
    world_dms = World.make(slack, db).touchpoint_dms(SAM)
    assert len(world_dms) == 1, world_dms  # the first initiative's only
    assert len(World.make(slack, db).touchpoint_dms(OLU)) == 1
    notice = slack.messages_in(slack.dm_channel(LENA))[-1]
    assert f"<@{SAM}>: Mon 12 Apr at 10:00 their time (America/New_York)" in all_text(notice)

    world = World.make(slack, db)
    passes = world.run_until(start + timedelta(minutes=1), datetime(2027, 4, 12, 13, 59, tzinfo=UTC))
    assert passes > 1
    sams = [m for m in slack.messages_in(slack.dm_channel(SAM)) if m.ts > world_dms[0].ts]
    assert sams == [], [all_text(m) for m in sams]  # no first DM, check-in, review or reminder in the pause
    world.run(datetime(2027, 4, 12, 14, tzinfo=UTC))  # Monday 12 April, 10:00 in New York
    assert len(world.touchpoint_dms(SAM)) >= 2


def test_reminders_wait_for_the_end_of_a_pause_and_the_touchpoint_stays_open_after_it(server, slack, db):
    start = datetime(2027, 3, 16, 15, tzinfo=UTC)
    with freeze_time(start, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[OLU])
        reply = app.workspace.slash(LENA, f"pause <@{OLU}> until 2027-03-26").json()
        assert "1 coming touchpoint moved" in reply["text"]  # the reminder of the first DM
    world = World.make(slack, db)
    [kickoff] = _kickoffs(world)
    assert kickoff.remind_at == datetime(2027, 3, 29, 9, tzinfo=UTC)  # Monday after the pause, 10:00 BST
    assert kickoff.expires_at > kickoff.remind_at
    world.run_until(start + timedelta(minutes=1), datetime(2027, 3, 29, 8, 59, tzinfo=UTC))
    assert not [m for m in slack.messages_in(slack.dm_channel(OLU)) if "gentle reminder" in all_text(m)]
    world.run(kickoff.remind_at)
    assert [m for m in slack.messages_in(slack.dm_channel(OLU)) if "gentle reminder" in all_text(m)]
    assert _kickoffs(world)[0].status == TouchpointStatus.SENT


def test_a_pause_set_without_moving_anything_still_holds_sends_and_reminders(slack, db):
    """However a pause got into the database (an import, an older version), the pass itself holds what is due."""
    world = World.make(slack, db)
    opened = datetime(2027, 3, 16, 11, tzinfo=UTC)
    world.open(opened, {"U0AWAY": "Europe/London"}, send=False)
    with db.session() as session:  # paused directly, as a row: nothing was moved ahead
        stakeholder_rows.pause_users(session, TEAM, ["U0AWAY"], datetime(2027, 3, 19).date(), opened)
    world.run(opened + timedelta(minutes=1))
    assert world.touchpoint_dms("U0AWAY") == []
    [kickoff] = _kickoffs(world)
    assert kickoff.status == TouchpointStatus.PENDING and kickoff.due_at == datetime(2027, 3, 22, 10, tzinfo=UTC)
    world.run(kickoff.due_at)
    assert len(world.touchpoint_dms("U0AWAY")) == 1


def test_an_import_with_paused_people_and_inactive_initiatives_sends_them_nothing(slack, db):
    world = World.make(slack, db)
    opened = datetime(2027, 3, 16, 11, tzinfo=UTC)
    world.open(opened, {"U0INACT": "Europe/London"}, name="Closed programme", send=False)
    world.open(opened, {"U0PAUSE": "Europe/London", "U0HERE": "Europe/London"}, name="Open programme", send=False)
    with db.session() as session:  # what an import does with "Active: no" and "Paused until"
        closed = next(i for i in session.execute(select(Initiative)).scalars() if i.name == "Closed programme")
        initiative_rows.deactivate_initiatives(session, [closed.id])
        pauses.pause_many(session, TEAM, ["U0PAUSE"], datetime(2027, 4, 30).date(), opened, "UTC")
    world.run_until(opened + timedelta(minutes=1), datetime(2027, 4, 30, tzinfo=UTC))
    assert world.touchpoint_dms("U0INACT") == [] and world.touchpoint_dms("U0PAUSE") == []
    assert slack.messages_in(slack.dm_channel("U0INACT")) == [] and slack.messages_in(slack.dm_channel("U0PAUSE")) == []
    assert len(world.touchpoint_dms("U0HERE")) >= 2  # the first DM and April's review
    # Monday 3 May is a bank holiday in England: Tuesday 4 May, 10:00 BST, is the first working day after the pause.
    world.run(datetime(2027, 5, 3, 9, tzinfo=UTC))
    assert world.touchpoint_dms("U0PAUSE") == []
    world.run(datetime(2027, 5, 4, 9, tzinfo=UTC))
    assert len(world.touchpoint_dms("U0PAUSE")) == 1 and world.touchpoint_dms("U0INACT") == []


def test_after_weeks_down_the_old_check_in_closes_unreminded_and_only_what_is_current_goes_out(slack, db):
    world = World.make(slack, db)
    opened = datetime(2027, 1, 5, 11, tzinfo=UTC)
    world.open(opened, {"U0DOWN": "Europe/London"})
    world.run(opened + timedelta(minutes=1))  # plans February's check-in
    world.run(datetime(2027, 2, 9, 10, tzinfo=UTC))  # sent on 9 February; reminder due 12 Feb, closes 23 Feb
    assert len(world.touchpoint_dms("U0DOWN")) == 2
    # The clock is down from 9 February until the morning of 13 April, the day of the quarter's review.
    world.run(datetime(2027, 4, 13, 9, tzinfo=UTC))
    texts = [all_text(m) for m in slack.messages_in(slack.dm_channel("U0DOWN"))]
    assert not [t for t in texts if "gentle reminder" in t], texts  # never reminded of last month's check-in
    february = next(t for t in world.touchpoints() if t.period == "2027-02")
    assert february.status == TouchpointStatus.MISSED and february.reminded_at is None
    assert len(world.touchpoint_dms("U0DOWN")) == 3  # and the review, which is current, goes out
    assert next(t for t in world.touchpoints() if t.period == "2027-04").kind == TouchpointKind.REVIEW


def test_a_pass_run_hours_late_plans_and_sends_what_fell_due_in_the_same_run(slack, db):
    world = World.make(slack, db, grace=timedelta(hours=6))
    opened = datetime(2027, 1, 5, 11, tzinfo=UTC)
    world.open(opened, {"U0CRON": "Europe/London"})  # sent by the web process; no pass has planned anything since
    report = world.run(datetime(2027, 2, 9, 13, tzinfo=UTC))  # a cron three hours after February's 10:00
    assert (report.planned, report.sent) == (1, 1)
    [checkin] = [t for t in world.touchpoints() if t.kind == TouchpointKind.CHECKIN]
    assert checkin.period == "2027-02" and checkin.status == TouchpointStatus.SENT
    assert checkin.due_at == datetime(2027, 2, 9, 10, tzinfo=UTC)
    world.run(datetime(2027, 2, 9, 13, 1, tzinfo=UTC))
    assert len(world.touchpoint_dms("U0CRON")) == 2  # once


def test_a_first_dm_found_late_by_a_pass_waits_for_the_next_working_morning(slack, db):
    world = World.make(slack, db)
    opened = datetime(2027, 3, 16, 1, tzinfo=UTC)  # Tuesday 10:00 in Tokyo: the first DM is due at once
    world.open(opened, {"U0TOKYO": "Asia/Tokyo"}, send=False)
    world.run(datetime(2027, 3, 16, 15, tzinfo=UTC))  # the first pass since then: midnight in Tokyo
    assert world.touchpoint_dms("U0TOKYO") == []
    [kickoff] = _kickoffs(world)
    assert kickoff.status == TouchpointStatus.PENDING and kickoff.due_at == datetime(2027, 3, 17, 1, tzinfo=UTC)
    world.run(kickoff.due_at)
    assert len(world.touchpoint_dms("U0TOKYO")) == 1


def test_a_dead_senders_touchpoints_are_recovered_through_the_pause_and_the_grace_period(slack, db):
    world = World.make(slack, db, lease=timedelta(minutes=5))
    opened = datetime(2027, 1, 5, 11, tzinfo=UTC)
    world.open(opened, {"U0KICK": "Europe/London"}, send=False)
    with db.session() as session:  # a sender dies after claiming the first DM, before Slack had it
        assert touchpoints.claim_due(session, opened, timedelta(hours=6), "UTC")[1] == 1
    world.open(opened, {"U0FEB": "Europe/London"}, name="Leadership")
    world.run(opened + timedelta(minutes=1))  # plans U0FEB's February check-in
    with db.session() as session:  # and another after claiming that check-in
        assert touchpoints.claim_due(session, datetime(2027, 2, 9, 10, tzinfo=UTC), timedelta(hours=6), "UTC")[1] == 1
        pauses.pause(session, TEAM, "U0KICK", datetime(2027, 1, 29).date(), opened, "UTC")
    world.run(opened + timedelta(hours=1))  # the lease has passed: the first DM is not sent into the pause
    assert world.touchpoint_dms("U0KICK") == []
    kickoff = next(t for t in _kickoffs(world) if t.status != TouchpointStatus.SENT)
    assert kickoff.status == TouchpointStatus.PENDING and kickoff.due_at == datetime(2027, 2, 1, 10, tzinfo=UTC)
    world.run(datetime(2027, 4, 13, 9, tzinfo=UTC))  # down for two months: February's is past its grace period
    february = next(t for t in world.touchpoints() if t.period == "2027-02")
    assert february.status == TouchpointStatus.MISSED
    assert len(world.touchpoint_dms("U0FEB")) == 2  # the first DM, then April's review; never February's
    assert len(world.touchpoint_dms("U0KICK")) == 1  # the first DM, by the first pass after the pause


def test_a_reminder_already_sent_is_not_sent_again_after_a_pause(slack, db):
    world = World.make(slack, db)
    opened = datetime(2027, 1, 5, 11, tzinfo=UTC)
    world.open(opened, {"U0ONCE": "Europe/London"})
    world.run(opened + timedelta(minutes=1))
    world.run(datetime(2027, 2, 9, 10, tzinfo=UTC))  # February's check-in
    world.run(datetime(2027, 2, 12, 10, tzinfo=UTC))  # and its reminder
    february = next(t for t in world.touchpoints() if t.period == "2027-02")
    assert february.reminded_at is not None
    with db.session() as session:
        pauses.pause(session, TEAM, "U0ONCE", datetime(2027, 2, 23).date(), datetime(2027, 2, 15, tzinfo=UTC), "UTC")
    february = next(t for t in world.touchpoints() if t.period == "2027-02")
    assert february.reminded_at is not None and february.expires_at == datetime(2027, 2, 26, 10, tzinfo=UTC)

    def reminders():
        return [m for m in slack.messages_in(slack.dm_channel("U0ONCE")) if "gentle reminder" in all_text(m)]

    world.run_until(datetime(2027, 2, 15, tzinfo=UTC), datetime(2027, 2, 27, tzinfo=UTC))
    assert len(reminders()) == 1
    assert next(t for t in world.touchpoints() if t.period == "2027-02").status == TouchpointStatus.MISSED


def test_a_schedule_that_leaves_no_day_open_is_refused_in_the_form():
    form = ScheduleForm(
        True,
        True,
        "weekday",
        "2",
        "1",
        "10:00",
        "1",
        ("0", "1", "2", "3", "4"),
        "0",
        "2027-01-01..2028-12-31",
        "3",
        "10",
    )
    with pytest.raises(FormInvalid) as refused:
        cadence.parse(form, TEAM, 1, datetime(2027, 3, 1, tzinfo=UTC))
    assert "no day in the next year is open" in refused.value.errors[Block.QUIET_RANGES]


def test_away_until_today_is_accepted_late_in_the_evening_west_of_utc():
    evening_in_honolulu = datetime(2027, 3, 2, 6, tzinfo=UTC)  # 20:00 on 1 March in Honolulu
    assert calendar.parse_day("2027-03-01", evening_in_honolulu) == datetime(2027, 3, 1).date()
    with pytest.raises(UserError, match="already passed"):
        calendar.parse_day("2027-02-28", evening_in_honolulu)
