"""The business calendar: before each financial year, each high-influence stakeholder gets one planning touchpoint
("What will matter most to your team next year?", "When would a rollout hurt?"), once per person and year, sent by
the scheduling pass exactly once; their busy weeks become quiet periods for them and a warning in the schedule
modal."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col, select

from bot.blocks import business_calendar as blocks
from bot.blocks import digest as digest_blocks
from bot.exports import workbook
from bot.ids import Action, Block, MessageEvent
from bot.services import business_calendar, digest, exporting
from bot.services.business_calendar import PlanningView, describe_range, year_start_after
from schedules.touchpoint_pass import run_pass
from storage.models import (
    Initiative,
    InitiativeStakeholder,
    PlanningAnswer,
    PlanningAsk,
    PostStatus,
    Schedule,
    Stakeholder,
    TeamSettings,
    Touchpoint,
    saved_id,
)
from storage.repositories import outbox
from tests.conftest import LD_CHANNEL, LENA, MEI, OLU, SAM, TEAM
from tests.flows import all_text, open_initiative
from tests.scheduling_world import World
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_view

OPENED = datetime(2027, 10, 5, 15, tzinfo=UTC)  # a Tuesday, working hours in London and New York
WINDOW_OPENS = datetime(2027, 11, 8, 15, tzinfo=UTC)  # Monday: the first working day of the eight weeks before 2028
YEAR_2028 = date(2028, 1, 1)


def _rows(world: World, model) -> list:
    with world.db.reading() as session:
        return list(session.exec(select(model).order_by(col(model.id))).all())


def _planning_dms(slack, user_id: str) -> list:
    return [
        m
        for m in slack.messages_in(slack.dm_channel(user_id))
        if (m.metadata or {}).get("event_type") == MessageEvent.PLANNING_ASKED
    ]


def _set_fiscal_year(world: World, initiative_name: str, month: int) -> None:
    with world.db.session() as session:
        [initiative] = session.exec(select(Initiative).where(col(Initiative.name) == initiative_name)).all()
        session.add(Schedule(team_id=TEAM, initiative_id=saved_id(initiative), fiscal_year_start=month))


def _person(world: World, user_id: str) -> Stakeholder:
    return next(s for s in _rows(world, Stakeholder) if s.user_id == user_id)


@pytest.fixture
def world(slack, db) -> World:
    """Sam (New York) and Olu (London), high influence (the default), on two initiatives whose years start in
    January."""
    w = World.make(slack, db)
    people = {SAM: "America/New_York", OLU: "Europe/London"}
    w.open(OPENED, people, name="Sales onboarding refresh")
    w.open(OPENED, people, name="Leadership programme")
    return w


def test_year_start_after_reads_the_first_day_as_started():
    assert year_start_after(1, date(2027, 12, 31)) == date(2028, 1, 1)
    assert year_start_after(1, date(2028, 1, 1)) == date(2029, 1, 1)
    assert year_start_after(4, date(2027, 11, 8)) == date(2028, 4, 1)
    assert year_start_after(7, date(2027, 6, 30)) == date(2027, 7, 1)
    assert describe_range(date(2028, 3, 3), date(2028, 3, 14)) == "3-14 March 2028"
    assert describe_range(date(2028, 2, 28), date(2028, 3, 3)) == "28 February-3 March 2028"


def test_one_dm_per_person_and_year_naming_all_their_initiatives_sent_once(world, slack):
    world.run(WINDOW_OPENS - timedelta(days=3))  # 5 November: the eight weeks have not begun
    assert not _rows(world, PlanningAsk)
    report = world.run(WINDOW_OPENS)
    assert report.planning == 2
    for user_id in (SAM, OLU):
        [dm] = _planning_dms(slack, user_id)
        text = all_text(dm)
        assert "What will matter most to your team next year?" in text
        assert "When would a rollout hurt (your busiest weeks)?" in text
        assert "*Sales onboarding refresh*" in text and "*Leadership programme*" in text
        assert "1 January 2028 to 31 December 2028" in text
    world.run(WINDOW_OPENS + timedelta(minutes=1))
    world.run(WINDOW_OPENS + timedelta(days=20))
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]
    asks = _rows(world, PlanningAsk)
    assert [(a.year_start, a.status, a.attempts) for a in asks] == [(YEAR_2028, PostStatus.POSTED, 1)] * 2
    assert_everything_sent_is_valid(slack)


def test_the_next_years_window_asks_again_though_last_years_ask_is_kept(world, slack):
    world.run(WINDOW_OPENS)
    world.run(WINDOW_OPENS + timedelta(days=30))  # every pass of the window finds this year's ask queued
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]
    a_year_on = datetime(2028, 11, 6, 15, tzinfo=UTC)  # Monday: the first working day of the eight weeks before 2029
    report = world.run(a_year_on)
    assert report.planning == 2 and [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [2, 2]
    assert "1 January 2029 to 31 December 2029" in all_text(_planning_dms(slack, SAM)[-1])
    assert sorted(a.year_start for a in _rows(world, PlanningAsk)) == [YEAR_2028, YEAR_2028] + [date(2029, 1, 1)] * 2


def test_different_financial_years_get_one_each_before_their_own_year(world, slack):
    _set_fiscal_year(world, "Leadership programme", 4)
    world.run(WINDOW_OPENS)
    [dm] = _planning_dms(slack, OLU)
    assert "*Sales onboarding refresh*" in all_text(dm) and "Leadership programme" not in all_text(dm)
    april = datetime(2028, 2, 7, 15, tzinfo=UTC)  # Monday after 5 February, eight weeks before 1 April 2028
    world.run(april - timedelta(days=3))
    assert len(_planning_dms(slack, OLU)) == 1
    world.run(april)
    second = _planning_dms(slack, OLU)[1]
    assert "*Leadership programme*" in all_text(second) and "1 April 2028 to 31 March 2029" in all_text(second)
    assert sorted(a.year_start for a in _rows(world, PlanningAsk) if a.stakeholder_id == _person(world, OLU).id) == [
        YEAR_2028,
        date(2028, 4, 1),
    ]


def test_the_window_opens_in_the_persons_own_zone_and_waits_for_their_working_hours(slack, db):
    world = World.make(slack, db)
    world.open(OPENED, {MEI: "Asia/Tokyo", OLU: "Europe/London"}, name="Service excellence")
    _set_fiscal_year(world, "Service excellence", 4)
    # 5 February 2028 (a Saturday) is eight weeks before 1 April: it has begun in Tokyo, not in London.
    at = datetime(2028, 2, 4, 15, 30, tzinfo=UTC)  # 00:30 on Saturday in Tokyo
    world.run(at)
    [ask] = _rows(world, PlanningAsk)
    assert ask.stakeholder_id == _person(world, MEI).id
    assert ask.due_at == datetime(2028, 2, 7, 1, tzinfo=UTC)  # Monday 10:00 in Tokyo, the schedule's send time
    assert not _planning_dms(slack, MEI)
    world.run(ask.due_at - timedelta(seconds=1))
    assert not _planning_dms(slack, MEI)
    world.run(ask.due_at)
    assert len(_planning_dms(slack, MEI)) == 1


def test_an_ask_outside_working_hours_waits_for_the_schedules_own_send_time_and_days(slack, db):
    world = World.make(slack, db)
    world.open(OPENED, {MEI: "Asia/Tokyo"}, name="Service excellence")
    with world.db.session() as session:
        [initiative] = session.exec(select(Initiative).where(col(Initiative.name) == "Service excellence")).all()
        session.add(
            Schedule(
                team_id=TEAM,
                initiative_id=saved_id(initiative),
                fiscal_year_start=4,
                send_time="14:30",
                working_days="1,2,3,4",  # Tuesday to Friday
            )
        )
    world.run(datetime(2028, 2, 4, 15, 30, tzinfo=UTC))  # 00:30 on Saturday 5 February in Tokyo: the window is open
    [ask] = _rows(world, PlanningAsk)
    assert ask.due_at == datetime(2028, 2, 8, 5, 30, tzinfo=UTC)  # Tuesday 14:30 in Tokyo, not Monday 10:00


def test_the_teams_setting_moves_the_window(world, slack):
    with world.db.session() as session:
        session.add(
            TeamSettings(team_id=TEAM, ld_channel_id=LD_CHANNEL, admin_user_ids=LENA, updated_by=LENA, planning_weeks=2)
        )
    world.run(WINDOW_OPENS)
    assert not _rows(world, PlanningAsk)
    world.run(datetime(2027, 12, 20, 15, tzinfo=UTC))  # within two weeks of 2028
    assert len(_planning_dms(slack, SAM)) == 1


def test_a_clock_down_for_weeks_sends_it_once_before_the_year_and_never_after(world, slack):
    world.run(datetime(2027, 12, 30, 15, tzinfo=UTC))  # nothing ran since October: still before the year
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]

    late = World.make(slack, world.db)
    with world.db.session() as session:
        session.execute(
            update(PlanningAsk).values(status=PostStatus.PENDING, due_at=datetime(2027, 12, 31, tzinfo=UTC))
        )
    late.run(datetime(2028, 1, 3, 15, tzinfo=UTC))  # the year started while it waited
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]
    assert {(a.status, a.last_error) for a in _rows(world, PlanningAsk)} == {
        ("skipped", "the financial year had started")
    }
    assert all(a.year_start == YEAR_2028 for a in _rows(world, PlanningAsk))  # next year's is not due yet


def test_low_influence_removed_and_closed_get_none_and_a_pause_holds_it(world, slack):
    with world.db.session() as session:
        olu = session.exec(select(Stakeholder).where(col(Stakeholder.user_id) == OLU)).one()
        session.execute(
            update(InitiativeStakeholder)
            .where(col(InitiativeStakeholder.stakeholder_id) == olu.id)
            .values(influence="low")
        )
        sam = session.exec(select(Stakeholder).where(col(Stakeholder.user_id) == SAM)).one()
        sam.paused_until = date(2027, 11, 19)
        session.add(sam)
    world.run(WINDOW_OPENS)
    assert not _planning_dms(slack, OLU) and not _planning_dms(slack, SAM)
    [ask] = _rows(world, PlanningAsk)
    assert ask.due_at == datetime(2027, 11, 22, 15, tzinfo=UTC)  # Monday after the pause, 10:00 in New York
    world.run(ask.due_at)
    assert len(_planning_dms(slack, SAM)) == 1


def test_an_initiative_closed_before_the_send_skips_it(world, slack):
    world.run(WINDOW_OPENS - timedelta(days=3))
    with world.db.session() as session:
        session.execute(update(Initiative).values(active=False))
    world.run(WINDOW_OPENS)
    assert not _planning_dms(slack, SAM) and not _rows(world, PlanningAsk)
    with world.db.session() as session:
        session.execute(update(Initiative).values(active=True))
    with freeze_time(WINDOW_OPENS):
        with world.db.session() as session:
            business_calendar.queue(session, WINDOW_OPENS, "UTC")
        with world.db.session() as session:
            session.execute(update(Initiative).values(active=False))
    world.run(WINDOW_OPENS + timedelta(minutes=1))
    assert not _planning_dms(slack, SAM)
    assert {a.status for a in _rows(world, PlanningAsk)} == {"skipped"}


def test_two_passes_at_once_send_each_exactly_once(world, slack):
    world.run(WINDOW_OPENS - timedelta(days=3))
    barrier, errors = threading.Barrier(3), []

    def one_pass() -> None:
        try:
            barrier.wait()
            run_pass(world.outbound, world.settings)
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    with freeze_time(WINDOW_OPENS):
        threads = [threading.Thread(target=one_pass) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]


def test_a_sender_killed_after_slack_took_the_dm_is_recorded_not_sent_again(world, slack):
    """A pass that claimed and posted, then died before recording: the next pass after the lease finds the DM by its
    metadata."""
    with freeze_time(WINDOW_OPENS):
        with world.db.session() as session:
            business_calendar.queue(session, WINDOW_OPENS, "UTC")
        with world.db.session() as session:
            claimed = business_calendar.claim(session, WINDOW_OPENS, "UTC")
        sam = next(v for v in claimed if v.user_id == SAM)
        message = blocks.planning_message(sam)
        world.outbound.slack.post_with_channel(
            SAM,
            message.text,
            message.blocks,
            metadata={"event_type": MessageEvent.PLANNING_ASKED, "event_payload": {"ask": sam.ask_id}},
        )
    world.run(WINDOW_OPENS + timedelta(minutes=1))  # within the lease: nothing
    assert len(_planning_dms(slack, SAM)) == 1 and not _planning_dms(slack, OLU)
    report = world.run(WINDOW_OPENS + timedelta(minutes=10))
    assert report.planning == 2
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]
    assert {a.status for a in _rows(world, PlanningAsk)} == {PostStatus.POSTED}


def test_a_passing_slack_failure_is_tried_again_after_the_lease(world, slack):
    slack.fail("chat.postMessage", "internal_error", times=2)
    world.run(WINDOW_OPENS)
    assert not _planning_dms(slack, SAM)
    with world.db.reading() as session:
        assert outbox.depth(session, WINDOW_OPENS)["planning_asks"] == 2  # waiting, in the metrics
    world.run(WINDOW_OPENS + timedelta(minutes=10))
    assert [len(_planning_dms(slack, u)) for u in (SAM, OLU)] == [1, 1]
    with world.db.reading() as session:
        assert outbox.depth(session, WINDOW_OPENS + timedelta(minutes=10))["planning_asks"] == 0


# Answering, from the DM


@pytest.fixture
def asked(server, slack, world):
    world.run(WINDOW_OPENS)
    with freeze_time(WINDOW_OPENS + timedelta(hours=1), tick=True):
        app = server.start()
    [dm] = _planning_dms(slack, SAM)
    return app, dm


def _open(app, dm, user_id=SAM) -> dict:
    before = len(app.slack.views_for(user_id))
    with freeze_time(WINDOW_OPENS + timedelta(hours=1), tick=True):
        reply = app.workspace.click(user_id, dm.channel, dm.ts, Action.PLANNING_ANSWER)
        app.settle()
    assert reply.status == 200
    return app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]


def _submit(app, view, values, at=WINDOW_OPENS + timedelta(hours=1)):
    with freeze_time(at, tick=True):
        reply = app.workspace.submit(SAM, view, values)
        app.settle()
    return reply


FROM_1, TO_1 = f"{Block.PLANNING_BUSY_FROM_PREFIX}1", f"{Block.PLANNING_BUSY_TO_PREFIX}1"
FROM_2, TO_2 = f"{Block.PLANNING_BUSY_FROM_PREFIX}2", f"{Block.PLANNING_BUSY_TO_PREFIX}2"
FROM_3, TO_3 = f"{Block.PLANNING_BUSY_FROM_PREFIX}3", f"{Block.PLANNING_BUSY_TO_PREFIX}3"


def test_the_modal_refuses_what_cannot_be_used_with_messages_to_act_on(asked):
    app, dm = asked
    view = _open(app, dm)
    assert_valid_view(view)
    reply = _submit(
        app,
        view,
        {
            Block.PLANNING_MATTERS: "  ",
            FROM_1: "2028-03-14",
            TO_1: "2028-03-03",
            FROM_2: "2027-12-01",
            TO_2: "2027-12-10",
            FROM_3: "2028-06-01",
        },
    )
    errors = reply.json()["errors"]
    assert errors[Block.PLANNING_MATTERS].startswith("Say in a few words")
    assert "comes before the first" in errors[TO_1]
    assert "within the coming year: 1 January-31 December 2028" in errors[FROM_2]
    assert "both the first and the last day" in errors[TO_3]
    assert not _rows_app(app, PlanningAnswer)


def _rows_app(app, model) -> list:
    with app.db.reading() as session:
        return list(session.exec(select(model).order_by(col(model.id))).all())


def test_an_answer_is_stored_with_history_its_dm_updated_and_only_its_stakeholder_may_answer(asked, slack):
    app, dm = asked
    before = len(app.slack.views_for(OLU))
    with freeze_time(WINDOW_OPENS + timedelta(hours=1), tick=True):
        app.workspace.click(OLU, dm.channel, dm.ts, Action.PLANNING_ANSWER)
        app.settle()
    assert len(app.slack.views_for(OLU)) == before
    assert "Only the stakeholder this planning question was sent to" in str(app.slack.responses[-1])

    view = _open(app, dm)
    reply = _submit(
        app,
        view,
        {
            Block.PLANNING_MATTERS: "Launching in <!channel> Germany",
            Block.PLANNING_BUSY_TEXT: "Quarter ends, and the March launch",
            FROM_1: "2028-03-03",
            TO_1: "2028-03-14",
        },
    )
    assert reply.status == 200 and "Busiest weeks: 3-14 March 2028" in reply.body
    updated = app.slack.message(dm.channel, dm.ts)
    text = all_text(updated)
    assert "Launching in &lt;!channel&gt; Germany" in text and "3-14 March 2028" in text
    assert "<!channel>" not in text
    [ask] = [a for a in _rows_app(app, PlanningAsk) if a.message_ts == dm.ts]
    assert ask.busy_ranges == "2028-03-03..2028-03-14" and ask.answered_at is not None

    again = _open(app, app.slack.message(dm.channel, dm.ts))
    inputs = {b["block_id"]: b["element"] for b in again["blocks"] if b["type"] == "input"}
    assert inputs[Block.PLANNING_MATTERS]["initial_value"] == "Launching in <!channel> Germany"
    assert inputs[FROM_1]["initial_date"] == "2028-03-03"
    _submit(app, again, {Block.PLANNING_MATTERS: "Germany, then Austria", FROM_1: None, TO_1: None})
    answers = _rows_app(app, PlanningAnswer)
    assert [(a.matters_most, a.busy_ranges) for a in answers] == [
        ("Launching in <!channel> Germany", "2028-03-03..2028-03-14"),
        ("Germany, then Austria", ""),
    ]
    assert_everything_sent_is_valid(slack)


def test_busy_weeks_are_quiet_periods_and_a_warning_in_the_schedule_modal(asked, world):
    app, dm = asked
    view = _open(app, dm)
    # January 2028's review falls on its 2nd Tuesday, 11 January; Sam is busy 3-14 January.
    _submit(app, view, {Block.PLANNING_MATTERS: "Renewals", FROM_1: "2028-01-03", TO_1: "2028-01-14"})
    world.run_until(WINDOW_OPENS + timedelta(hours=2), datetime(2028, 1, 20, tzinfo=UTC), check_early=False)
    sam = _person(world, SAM)
    [january] = [t for t in _rows(world, Touchpoint) if t.stakeholder_id == sam.id and t.period == "2028-01"][:1]
    # Moved past the busy weeks: Saturday, Sunday, then Martin Luther King Day (a holiday in New York).
    assert january.due_at.astimezone(UTC).date() == date(2028, 1, 18)
    olu = _person(world, OLU)
    [olus] = [t for t in _rows(world, Touchpoint) if t.stakeholder_id == olu.id and t.period == "2028-01"][:1]
    assert olus.due_at.date() == date(2028, 1, 11)  # quiet for Sam alone

    before = len(app.slack.views_for(LENA))
    with freeze_time(WINDOW_OPENS + timedelta(hours=3), tick=True):
        assert app.workspace.slash(LENA, "schedule Sales onboarding refresh").status == 200
        app.settle()
    modal = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])[0]
    assert_valid_view(modal)
    assert "⚠️ Person U0SAM said 3-14 January 2028 is their busiest time" in str(modal["blocks"])


def test_every_builder_output_is_valid_block_kit():
    view = PlanningView(
        1,
        TEAM,
        SAM,
        None,
        YEAR_2028,
        tuple(f"Initiative {n}" for n in range(40)),
        WINDOW_OPENS,
        answered_at=WINDOW_OPENS,
        matters_most="x" * 3000,
        busy_text="y" * 3000,
        busy_ranges=((date(2028, 1, 3), date(2028, 1, 14)),) * 3,
    )
    message = blocks.planning_message(view)
    for block in message.blocks:
        block.validate_json()
    blocks.planning_modal(view).validate_json()


def test_answers_show_in_the_workbook_the_digest_and_the_ld_home(asked, slack):
    app, dm = asked
    view = _open(app, dm)
    at = WINDOW_OPENS + timedelta(hours=1)
    _submit(
        app,
        view,
        {
            Block.PLANNING_MATTERS: "Renewals & <b>retention</b>",
            Block.PLANNING_BUSY_TEXT: "Year end",
            FROM_1: "2028-03-03",
            TO_1: "2028-03-14",
            FROM_2: "2028-01-03",
            TO_2: "2028-01-07",
        },
    )
    out = io.BytesIO()
    with app.db.reading() as session:
        workbook.write(exporting.collect(session, exporting.Scope(TEAM), at, "Europe/London"), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Business calendar"]
    [header, row] = list(sheet.iter_rows(values_only=True))
    assert header[:7] == (
        "Stakeholder",
        "Slack user ID",
        "Financial year from",
        "Initiatives",
        "What matters most next year",
        "Busiest weeks",
        "Busiest weeks, in their words",
    )
    assert row[1] == SAM and row[2].date() == YEAR_2028
    assert row[3] == "Sales onboarding refresh, Leadership programme"
    assert row[4:7] == ("Renewals & <b>retention</b>", "2028-01-03 to 2028-01-07; 2028-03-03 to 2028-03-14", "Year end")

    with app.db.reading() as session:
        picture = digest.build(session, TEAM, at + timedelta(days=6), "2027-11-15")
        later = digest.build(session, TEAM, at + timedelta(days=8), "2027-11-22")
    assert [a.user_id for a in picture.planning] == [SAM] and not later.planning  # this week's only
    text = " ".join(all_text_of(m.blocks) for m in digest_blocks.digest_messages(picture))
    assert "*New planning answers for next year*" in text
    assert "Renewals &amp; &lt;b&gt;retention&lt;/b&gt;" in text and "3-7 January 2028, 3-14 March 2028" in text

    with freeze_time(at + timedelta(hours=1), tick=True):
        app.workspace.open_home(LENA, event_id="EvPlanningHome")
        app.settle()
    home = app.slack.home_of(LENA)
    assert_valid_view(home)
    assert "New planning answers for next year" in str(home) and "3-14 March 2028" in str(home)


def all_text_of(blocks) -> str:
    return " ".join(str(b.to_dict()) for b in blocks)


def test_the_weeks_before_setting_is_validated_in_the_team_settings_modal(app):
    assert app.workspace.open_home(LENA, event_id="EvSettingsHome").status == 200
    app.settle()
    before = len(app.slack.views_for(LENA))
    assert app.workspace.click_home(LENA, Action.HOME_TEAM_SETTINGS).status == 200
    app.settle()
    view = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])[0]
    assert_valid_view(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs[Block.PLANNING_WEEKS]["initial_value"] == "8"
    for bad in ("0", "27", "six", ""):
        reply = app.workspace.submit(LENA, view, {Block.PLANNING_WEEKS: bad})
        assert "whole number from 1 to 26" in reply.json()["errors"][Block.PLANNING_WEEKS]
    reply = app.workspace.submit(LENA, view, {Block.PLANNING_WEEKS: "6"})
    assert reply.status == 200 and "errors" not in reply.body
    with app.db.reading() as session:
        [saved] = session.exec(select(TeamSettings)).all()
    assert saved.planning_weeks == 6


def test_opening_an_initiative_for_someone_in_their_busiest_weeks_warns_the_ld_member(asked, slack):
    app, dm = asked
    view = _open(app, dm)
    _submit(app, view, {Block.PLANNING_MATTERS: "Renewals", FROM_1: "2028-01-03", TO_1: "2028-01-14"})

    def opened_note(name: str, at: datetime) -> str:
        with freeze_time(at, tick=True):
            open_initiative(app, LENA, name=name, stakeholders=[SAM, MEI])
        return next(
            all_text(m) for m in slack.messages_in(slack.dm_channel(LENA)) if f"*{name}* is open" in all_text(m)
        )

    busy = opened_note("Renewals playbook", datetime(2028, 1, 5, 15, tzinfo=UTC))
    assert "⚠️ Sam said 3-14 January 2028 is their busiest time" in busy  # a warning: it is still open
    assert busy.count("busiest time") == 1  # Mei said nothing of hers
    calm = opened_note("Negotiation skills", datetime(2028, 1, 18, 15, tzinfo=UTC))
    assert "busiest time" not in calm


def test_a_pause_taken_after_it_was_queued_holds_it_to_the_day_after(world, slack):
    with world.db.session() as session:
        business_calendar.queue(session, WINDOW_OPENS - timedelta(hours=1), "UTC")  # 10:00 in London: due at once
    with world.db.session() as session:
        olu = session.exec(select(Stakeholder).where(col(Stakeholder.user_id) == OLU)).one()
        olu.paused_until = date(2027, 11, 12)
        session.add(olu)
    world.run(WINDOW_OPENS)
    assert not _planning_dms(slack, OLU) and len(_planning_dms(slack, SAM)) == 1
    [held] = [a for a in _rows(world, PlanningAsk) if a.stakeholder_id == _person(world, OLU).id]
    assert (held.status, held.attempts) == (PostStatus.PENDING, 0)
    assert held.due_at == datetime(2027, 11, 15, 10, tzinfo=UTC)  # Monday after the pause, 10:00 in London
    world.run(held.due_at)
    assert len(_planning_dms(slack, OLU)) == 1
