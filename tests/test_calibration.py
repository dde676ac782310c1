"""Calibration sessions: twice a year per initiative, on dates aligned with its financial year, the owner gets a
calibration pack in a DM (exactly once, late once after a long downtime, never for a closed initiative or while
they are away); they record the session in a modal; the record is in the workbook, the next review's form and the
L&D Home; a button sends each stakeholder what was agreed, once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import update
from sqlmodel import col, select

from bot.blocks import calibration as blocks
from bot.ids import Action, Block
from bot.services import calibration, calibration_sessions
from bot.services.calibration import (
    Adjustment,
    PackContent,
    PackDm,
    ShiftLine,
    StatementChange,
)
from bot.services.calibration_sessions import SessionForm
from bot.usecases import calibration as calibration_usecase
from bot.usecases.outbound import Outbound
from storage.db import Database
from storage.models import (
    CalibrationOutcome,
    CalibrationPack,
    CalibrationSession,
    Initiative,
    PostStatus,
    Schedule,
    Stakeholder,
)
from tests.conftest import LENA, OLU, SAM, TEAM
from tests.flows import all_text, open_form, rows
from tests.scheduling_world import World
from tests.slack_contract import assert_everything_sent_is_valid, assert_valid_message, assert_valid_view

UTC_ZONE = ZoneInfo("UTC")
JUNE_PACK = datetime(2027, 6, 1, 10, tzinfo=UTC)  # Tuesday 1 June 2027, 10:00: the 6th month of a January year


def _schedule(fiscal: int = 1, first: int = 6, second: int = 12, **values) -> Schedule:
    return Schedule(
        team_id="T",
        initiative_id=1,
        fiscal_year_start=fiscal,
        calibration_first=first,
        calibration_second=second,
        **values,
    )


# When the packs fall


@pytest.mark.parametrize(
    ("fiscal", "expected"),
    [
        (1, [date(2027, 6, 1), date(2027, 12, 1)]),  # a calendar year: before June and December end
        (4, [date(2027, 9, 1), date(2028, 3, 1)]),  # April (UK, India, Japan): September and March
        (7, [date(2027, 6, 1), date(2027, 12, 1)]),  # July (Australia): June ends its year, December its half
        (10, [date(2027, 9, 1), date(2028, 3, 1)]),  # October (US federal): September ends its year, March its half
    ],
)
def test_the_packs_fall_at_the_start_of_the_6th_and_12th_month_of_the_financial_year(fiscal, expected):
    now = datetime(2027, 5, 20, tzinfo=UTC)
    schedule = _schedule(fiscal, working_days="0,1,2,3,4,5,6")  # every day works: the month's 1st itself
    first = calibration.next_due(schedule, UTC_ZONE, now)
    second = calibration.next_due(schedule, UTC_ZONE, first.at)
    assert [first.day, second.day] == expected
    assert first.at == datetime.combine(expected[0], datetime.min.time().replace(hour=10), tzinfo=UTC)


def test_a_date_on_a_weekend_moves_to_the_first_working_day_at_the_send_time_in_the_teams_zone():
    schedule = _schedule(1, send_time="09:30")  # 1 Dec 2029 is a Saturday
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    due = calibration.next_due(schedule, tokyo, datetime(2029, 11, 1, tzinfo=UTC))
    assert due.day == date(2029, 12, 3) and due.at == datetime(2029, 12, 3, 0, 30, tzinfo=UTC)
    due = calibration.next_due(schedule, new_york, datetime(2029, 11, 1, tzinfo=UTC))
    assert due.at == datetime(2029, 12, 3, 14, 30, tzinfo=UTC)  # 09:30 EST, after summer time ended
    # Late in the evening of 31 May in New York it is already 1 June in UTC: the pack is not due yet there.
    june = calibration.last_due(schedule, new_york, datetime(2027, 6, 1, 3, tzinfo=UTC))
    assert june is not None and june.day == date(2026, 12, 1)


def test_a_leap_years_february_and_its_grace_count_its_29th_day():
    schedule = _schedule(9, working_days="0,1,2,3,4,5,6")  # a September year: its 6th month is February
    due = calibration.next_due(schedule, UTC_ZONE, datetime(2028, 1, 15, tzinfo=UTC))
    assert due.day == date(2028, 2, 1)
    assert calibration.next_due(schedule, UTC_ZONE, due.at).day == date(2028, 8, 1)
    before = calibration.previous_due(schedule, UTC_ZONE, due)
    assert before.day == date(2027, 8, 1)
    assert due.at + calibration.PACK_GRACE == datetime(2028, 3, 2, 10, tzinfo=UTC)  # 29 days of February, then 1


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("6", "6", "different month"),
        ("6", "7", "at least three months"),
        ("12", "1", "at least three months"),
        ("", "12", "month of the financial year of the first"),
    ],
)
def test_the_two_months_are_checked_with_a_message_that_says_what_to_choose(first, second, message):
    errors, _, _ = calibration.months_errors(first, second)
    assert message in " ".join(errors.values())


def test_months_three_apart_or_more_are_fine():
    assert calibration.months_errors("3", "9") == ({}, 3, 9)
    assert calibration.months_errors("11", "2") == ({}, 11, 2)


# The pack, sent by the pass


def _packs_to(slack, user_id: str) -> list:
    return [
        m
        for m in slack.messages_in(slack.dm_channel(user_id))
        if (m.metadata or {}).get("event_type") == "calibration_pack_sent"
    ]


@pytest.fixture
def opened(slack, db):
    world = World.make(slack, db)
    world.open(datetime(2027, 1, 5, 15, tzinfo=UTC), {SAM: "America/New_York", OLU: "Europe/London"})
    return world


def test_the_owner_gets_the_pack_once_on_its_date(opened, slack):
    opened.run(JUNE_PACK - timedelta(minutes=1))
    assert _packs_to(slack, LENA) == []
    opened.run(JUNE_PACK)
    opened.run(JUNE_PACK + timedelta(hours=1))
    [pack] = _packs_to(slack, LENA)
    text = all_text(pack)
    assert "Calibration pack: Sales onboarding refresh" in text and "1 Jun 2027" in text
    assert f"<@{SAM}>" in text  # not said yet: still listed, not dropped
    [row] = rows_of(opened.db, CalibrationPack)
    assert row.status == PostStatus.POSTED and row.message_ts == pack.ts and row.parts_posted == 1
    assert assert_everything_sent_is_valid(slack) > 0


def rows_of(db, model) -> list:
    with db.reading() as session:
        return list(session.exec(select(model).order_by(col(model.id))).all())


def test_a_clock_down_for_weeks_sends_the_pack_once_late_and_not_one_per_missed_date(opened, slack):
    opened.run(JUNE_PACK + timedelta(days=20))  # down since January: June's pack goes, 20 days late
    assert len(_packs_to(slack, LENA)) == 1
    opened.run(datetime(2028, 6, 15, tzinfo=UTC))  # down a year: December's and June's dates both missed
    assert [p.due_on for p in rows_of(opened.db, CalibrationPack)] == [date(2027, 6, 1), date(2028, 6, 1)]
    assert len(_packs_to(slack, LENA)) == 2  # the latest only
    opened.run(datetime(2029, 1, 5, tzinfo=UTC))  # 35 days after December's date: beyond the grace, not sent
    assert len(_packs_to(slack, LENA)) == 2


def test_a_closed_initiative_gets_no_pack_and_an_away_owner_gets_it_after_their_pause(opened, slack, db):
    with db.session() as session:  # Lena is away through 3 June
        session.add(Stakeholder(team_id="T0SIMULATED", user_id=LENA, paused_until=date(2027, 6, 3)))
    opened.run(JUNE_PACK)
    assert _packs_to(slack, LENA) == []
    [row] = rows_of(db, CalibrationPack)
    assert row.status == PostStatus.PENDING and row.due_at == datetime(2027, 6, 4, 9, tzinfo=UTC)
    opened.run(datetime(2027, 6, 4, 9, tzinfo=UTC))
    assert len(_packs_to(slack, LENA)) == 1

    with db.session() as session:
        session.execute(update(Initiative).values(active=False))
    opened.run(datetime(2027, 12, 1, 10, tzinfo=UTC))
    assert len(_packs_to(slack, LENA)) == 1 and len(rows_of(db, CalibrationPack)) == 1


def test_a_pack_slack_refuses_is_tried_again_by_the_next_pass(opened, slack):
    slack.fail("chat.postMessage", "internal_error", status=500, times=10, when=_is_pack)
    opened.run(JUNE_PACK)
    assert _packs_to(slack, LENA) == [] and rows_of(opened.db, CalibrationPack)[0].status == PostStatus.PENDING
    for minutes in range(1, 6):
        opened.run(JUNE_PACK + timedelta(minutes=minutes))
    assert len(_packs_to(slack, LENA)) == 1 and rows_of(opened.db, CalibrationPack)[0].status == PostStatus.POSTED


def _is_pack(args) -> bool:
    return "calibration_pack_sent" in str(args.get("metadata"))


def test_a_pass_killed_after_slack_took_the_pack_records_it_and_sends_it_no_second_time(opened, slack, db):
    opened.run(JUNE_PACK)
    [pack] = _packs_to(slack, LENA)
    with db.session() as session:  # as if the sender died between Slack's answer and its record
        session.execute(
            update(CalibrationPack).values(
                status=PostStatus.SENDING, parts_posted=0, message_ts=None, claimed_at=JUNE_PACK
            )
        )
    opened.run(JUNE_PACK + timedelta(minutes=2))  # within the lease: left to its sender
    opened.run(JUNE_PACK + timedelta(minutes=10))
    assert len(_packs_to(slack, LENA)) == 1
    [row] = rows_of(db, CalibrationPack)
    assert row.status == PostStatus.POSTED and row.message_ts == pack.ts


def test_two_passes_at_once_send_each_pack_once(slack, db):
    world = World.make(slack, db)
    for n in range(12):
        world.open(datetime(2027, 1, 5, 15, tzinfo=UTC), {SAM: "America/New_York"}, name=f"Initiative {n}", send=False)
    slack.slow("chat.postMessage", 0.02)  # slow enough that the two senders overlap
    others = [Database(db.url) for _ in range(2)]
    results: list[tuple[int, int]] = []

    def one_pass(database: Database) -> None:
        out = Outbound(database, world.outbound.slack, lambda: JUNE_PACK, "UTC")
        results.append(calibration_usecase.send_packs(out, timedelta(minutes=5)))

    threads = [threading.Thread(target=one_pass, args=(d,)) for d in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for d in others:
        d.dispose()
    assert sum(sent for sent, _ in results) == 12
    assert len(_packs_to(slack, LENA)) == 12
    assert len({m.metadata["event_payload"]["part"] for m in _packs_to(slack, LENA)}) == 12


# What the pack says, within Slack's limits


def _content(n: int) -> PackContent:
    long = "Reps close their first deal in the first month & keep <!channel> " * 40
    return PackContent(
        1,
        "Sales <onboarding>",
        "Grow revenue per rep",
        date(2027, 6, 1),
        date(2026, 12, 1),
        tuple(
            StatementChange(f"U{i:04d}", long, long + " more", date(2027, 1, 5), date(2027, 4, 5), 3) for i in range(n)
        ),
        ("U9999",),
        (),
        tuple(
            ShiftLine(f"U{i:04d}", "impact_revised", long, "", date(2027, 3, 1), "plan_adjusted", "talked")
            for i in range(n)
        ),
        tuple(Adjustment(f"U{i:04d}", long, date(2027, 3, 1)) for i in range(n)),
        None,
    )


@pytest.mark.parametrize("stakeholders", [1, 25, 120])
def test_a_long_pack_is_split_over_messages_each_within_slacks_limits_and_nothing_is_cut(stakeholders):
    dm = PackDm(1, "T", LENA, None, 1, 0, JUNE_PACK, _content(stakeholders))
    messages = blocks.pack_messages(dm)
    for message in messages:
        assert_valid_message(message.text, [b.to_dict() for b in message.blocks])
    text = " ".join(str(b.to_dict()) for m in messages for b in m.blocks)
    assert text.count("<@U") >= 3 * stakeholders  # every statement, shift and adjustment is there
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert (len(messages) > 1) == (stakeholders > 25)
    assert "has every word" in text  # the quotes shortened are said to be, never cut silently
    assert [b for b in messages[0].blocks if b.type == "actions"]  # the first part has the button


# Recording the session, and telling the stakeholders


def _record(app, view: dict, values: dict, at: datetime):
    with freeze_time(at, tick=True):
        reply = app.workspace.submit(LENA, view, values)
        app.settle()
    return reply


def _open_record(app, at: datetime) -> dict:
    [pack] = _packs_to(app.slack, LENA)
    before = len(app.slack.views_for(LENA))
    with freeze_time(at, tick=True):
        assert app.workspace.click(LENA, pack.channel, pack.ts, Action.RECORD_CALIBRATION).status == 200
        app.settle()
    [view] = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])
    assert_valid_view(view)
    return view


SESSION_AT = JUNE_PACK + timedelta(days=3)


def test_the_owner_records_the_session_validated_then_sends_the_outcome_once_to_each_stakeholder(checked_in):
    app, world = checked_in
    world.run(JUNE_PACK)
    view = _open_record(app, SESSION_AT)
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} >= {
        Block.CALIBRATION_DATE,
        Block.CALIBRATION_PEOPLE,
        Block.CALIBRATION_AGREED,
    }
    bad = _record(
        app,
        view,
        {Block.CALIBRATION_DATE: "2027-07-30", Block.CALIBRATION_PEOPLE: [], Block.CALIBRATION_AGREED: "  "},
        SESSION_AT,
    )
    assert "still to come" in bad.body and "who took part" in bad.body and "good" in bad.body
    assert rows(app, CalibrationSession) == []
    agreed = "New reps close a deal within 30 days <!channel>"
    reply = _record(
        app,
        view,
        {
            Block.CALIBRATION_DATE: "2027-06-03",
            Block.CALIBRATION_PEOPLE: [LENA, SAM, OLU],
            Block.CALIBRATION_AGREED: agreed,
            Block.CALIBRATION_CHANGES: "Drop the win-rate measure",
        },
        SESSION_AT,
    )
    assert reply.status == 200 and "update" in reply.body, reply
    [stored] = rows(app, CalibrationSession)
    assert stored.held_on == date(2027, 6, 3) and stored.participants == f"{LENA},{SAM},{OLU}"
    assert stored.agreed == agreed and stored.changes == "Drop the win-rate measure"
    [recorded] = [
        m for m in app.slack.messages_in(app.slack.dm_channel(LENA)) if "Recorded the calibration" in all_text(m)
    ]

    for _ in range(2):  # a second click (or a retried request) DMs nobody twice
        with freeze_time(SESSION_AT, tick=True):
            assert app.workspace.click(LENA, recorded.channel, recorded.ts, Action.CALIBRATION_OUTCOME).status == 200
            app.settle()
    outcomes = {o.to_user_id: o for o in rows(app, CalibrationOutcome)}
    assert set(outcomes) == {SAM, OLU} and {o.status for o in outcomes.values()} == {PostStatus.POSTED}
    for person in (SAM, OLU):
        [dm] = _outcomes_to(app.slack, person)
        assert "within 30 days" in all_text(dm) and "&lt;!channel&gt;" in str(dm.blocks)
    assert assert_everything_sent_is_valid(app.slack) > 0


def _outcomes_to(slack, user_id):
    return [
        m
        for m in slack.messages_in(slack.dm_channel(user_id))
        if (m.metadata or {}).get("event_type") == "calibration_outcome_sent"
    ]


def _recorded(app, held_on: date, agreed: str, at: datetime) -> int:
    [initiative] = rows(app, Initiative)
    with app.db.session() as session:
        form = SessionForm(held_on.isoformat(), (LENA, SAM), agreed, "")
        return calibration_sessions.record(session, TEAM, initiative.id, LENA, form, at).session_id


def test_the_next_quarterly_review_recalls_what_the_last_calibration_agreed(checked_in):
    app, world = checked_in
    _recorded(
        app, date(2027, 3, 2), "A first deal within 30 days for 8 reps in 10 <b>", datetime(2027, 3, 3, tzinfo=UTC)
    )
    world.run(datetime(2027, 3, 9, 15, tzinfo=UTC))
    review = datetime(2027, 4, 13, 14, tzinfo=UTC)  # April's review, 10:00 in New York
    world.run(review)
    dm = world.touchpoint_dms(SAM)[-1]
    assert "Quarterly review" in all_text(dm)
    view = open_form(app, SAM, dm, review + timedelta(minutes=10))
    text = str(view["blocks"])
    assert "At the last calibration (2 Mar 2027) you agreed:" in text and "8 reps in 10 &lt;b&gt;" in text
    check_in = open_form(app, OLU, world.touchpoint_dms(OLU)[0], review)  # February's check-in: no recall
    assert "At the last calibration" not in str(check_in["blocks"])


def test_the_ld_home_shows_the_next_and_last_calibration_and_records_and_sends_from_the_row(checked_in):
    app, _ = checked_in
    from tests.test_home import _elements, _opened

    def _text(view: dict) -> str:
        return str(view["blocks"])

    at = datetime(2027, 3, 1, 12, tzinfo=UTC)
    with freeze_time(at, tick=True):
        view = _opened(app, LENA, "EvCalib1")
    assert "Calibration: next 1 Jun 2027 · none held yet" in _text(view)
    assert _elements(view, Action.RECORD_CALIBRATION) and not _elements(view, Action.CALIBRATION_OUTCOME)
    before = len(app.slack.views_for(LENA))
    with freeze_time(at, tick=True):
        assert app.workspace.click_home(LENA, Action.RECORD_CALIBRATION).status == 200
        app.settle()
    [modal] = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])
    assert_valid_view(modal)
    values = {Block.CALIBRATION_DATE: "2027-02-26", Block.CALIBRATION_AGREED: "Quota in 4 months"}
    assert _record(app, modal, values, at).status == 200
    with freeze_time(at, tick=True):
        view = _opened(app, LENA, "EvCalib2")
    assert "Calibration: next 1 Jun 2027 · last held 26 Feb 2027" in _text(view)
    with freeze_time(at, tick=True):
        assert app.workspace.click_home(LENA, Action.CALIBRATION_OUTCOME).status == 200
        app.settle()
    assert [len(_outcomes_to(app.slack, p)) for p in (SAM, OLU)] == [1, 1]
    with freeze_time(at, tick=True):
        view = _opened(app, LENA, "EvCalib3")
    assert not _elements(view, Action.CALIBRATION_OUTCOME)  # sent: the row no longer offers it


def test_an_outcome_dm_slack_refuses_is_tried_again_by_the_pass_and_sent_once(checked_in):
    app, world = checked_in
    session_id = _recorded(app, date(2027, 2, 26), "Quota in 4 months", datetime(2027, 3, 1, tzinfo=UTC))
    app.slack.fail(
        "chat.postMessage", "internal_error", status=500, times=10, when=lambda a: "calibration_outcome" in str(a)
    )
    with app.db.session() as session:
        calibration_sessions.send_outcome(session, TEAM, session_id, LENA, datetime(2027, 3, 1, tzinfo=UTC))
    for minutes in range(0, 40, 5):
        world.run(datetime(2027, 3, 1, 0, minutes, tzinfo=UTC))
    assert [len(_outcomes_to(app.slack, p)) for p in (SAM, OLU)] == [1, 1]
    assert {o.status for o in rows(app, CalibrationOutcome)} == {PostStatus.POSTED}


def test_a_pack_sent_over_two_weeks_ago_with_no_session_recorded_is_an_attention_item(opened, db):
    from bot.blocks.digest import attention_line
    from bot.services import digest

    opened.run(JUNE_PACK)

    def items(at: datetime) -> list[str]:
        with db.reading() as session:
            found = digest.build(session, TEAM, at, "2027-06-14").attention
        return [attention_line(a) for a in found if a.reason == "calibration_unrecorded"]

    assert items(JUNE_PACK + timedelta(days=13)) == []
    [line] = items(JUNE_PACK + timedelta(days=15))
    assert f"went to <@{LENA}> 15 days ago" in line and "Sales onboarding refresh" in line
    with db.session() as session:
        [initiative] = session.exec(select(Initiative)).all()
        form = SessionForm("2027-06-14", (LENA,), "Quota in 4 months", "")
        calibration_sessions.record(session, TEAM, initiative.id, LENA, form, JUNE_PACK + timedelta(days=14))
    assert items(JUNE_PACK + timedelta(days=15)) == []


def test_the_workbook_has_a_calibration_sheet_with_every_session_and_none_in_a_stakeholders_own(checked_in):
    import io

    from openpyxl import load_workbook

    from bot.exports import workbook
    from bot.services import exporting

    app, _ = checked_in
    _recorded(app, date(2027, 2, 26), 'Quota in 4 months =HYPERLINK("x")', datetime(2027, 3, 1, tzinfo=UTC))
    now = datetime(2027, 3, 2, tzinfo=UTC)
    for scope, expected in (
        (exporting.Scope(TEAM), 1),
        (exporting.Scope(TEAM, stakeholder_id=rows(app, Stakeholder)[0].id), 0),
    ):
        out = io.BytesIO()
        with app.db.reading() as session:  # the sheets stream their rows: written while the session is open
            workbook.write(exporting.collect(session, scope, now, "Europe/London"), out)
        sheet = load_workbook(io.BytesIO(out.getvalue()))["Calibration"]
        found = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(found) == expected
    assert found == [] and sheet.cell(1, 4).value == "What “good” looks like"
    with app.db.reading() as session:
        data = exporting.collect(session, exporting.Scope(TEAM), now, "Europe/London")
        [row] = list(next(s for s in data.sheets if s.title == "Calibration").rows)
    assert row[:4] == ("Sales onboarding refresh", date(2027, 2, 26), f"{LENA}, {SAM}", row[3])
    assert row[3].startswith("Quota in 4 months")


def test_the_schedule_modal_sets_the_calibration_months_checked_with_an_actionable_message(checked_in):
    app, world = checked_in
    at = datetime(2027, 3, 1, 12, tzinfo=UTC)
    with freeze_time(at, tick=True):
        app.workspace.slash(LENA, "schedule Sales onboarding refresh")
        view = app.slack.wait_for(
            lambda: [v for v in app.slack.views_for(LENA) if v.get("callback_id") == "initiative_schedule"]
        )[-1]
        assert_valid_view(view)
        bad = app.workspace.submit(LENA, view, {Block.CALIBRATION_FIRST: "4", Block.CALIBRATION_SECOND: "5"})
        assert set(bad.json()["errors"]) == {Block.CALIBRATION_SECOND}
        assert "at least three months" in bad.json()["errors"][Block.CALIBRATION_SECOND]
        good = app.workspace.submit(LENA, view, {Block.CALIBRATION_FIRST: "4", Block.CALIBRATION_SECOND: "10"})
        assert good.json()["response_action"] == "update"
    [schedule] = rows(app, Schedule)
    assert (schedule.calibration_first, schedule.calibration_second) == (4, 10)
    world.run(datetime(2027, 4, 1, 10, tzinfo=UTC))  # a January year's 4th month: April
    assert len(_packs_to(app.slack, LENA)) == 1
    world.run(datetime(2027, 6, 1, 10, tzinfo=UTC))  # no longer June
    assert len(_packs_to(app.slack, LENA)) == 1


def test_a_measure_behind_its_line_is_flagged_in_the_pack_as_the_digest_flags_it():
    from bot.services.calibration import MeasureLine
    from bot.services.measures import MeasureRow, behind

    row = MeasureRow(
        7, "Time to first deal", SAM, "Salesforce", "days", "lower", 48.0, date(2027, 1, 5), 30.0, date(2027, 7, 5),
        46.0, date(2027, 5, 1), confirmed_on=date(2027, 1, 5),
    )  # fmt: skip
    late = behind(1, row)
    assert late is not None
    content = dataclasses.replace(_content(0), measures=(MeasureLine(row, late), MeasureLine(row, None)))
    [message] = blocks.pack_messages(PackDm(1, "T", LENA, None, 1, 0, JUNE_PACK, content))
    text = str([b.to_dict() for b in message.blocks])
    assert "*behind the line*: 46 days where it says" in text and "on or ahead of the line" in text


def test_a_long_pack_interrupted_between_its_parts_goes_on_from_the_part_slack_has_not_got(opened, slack, db):
    with db.session() as session:
        [initiative] = session.exec(select(Initiative)).all()
        session.add(
            CalibrationPack(
                team_id=TEAM, initiative_id=initiative.id, due_on=JUNE_PACK.date(), to_user_id=LENA, due_at=JUNE_PACK
            )
        )
    [row] = rows_of(db, CalibrationPack)
    content = _content(120)  # several messages long
    parts = len(blocks.pack_messages(PackDm(row.id, TEAM, LENA, None, 1, 0, JUNE_PACK, content)))
    assert parts > 2
    down = [True]  # Slack refuses the second part while this holds
    second = (row.id, 1)
    slack.fail(
        "chat.postMessage",
        "internal_error",
        status=500,
        times=99,
        when=lambda a: down[0] and f"{second[0]}.{second[1]}" in str(a.get("metadata")),
    )
    dm = PackDm(row.id, TEAM, LENA, None, 1, 0, JUNE_PACK, content)
    send = calibration_usecase._send_pack  # the pass's step for one claimed pack
    assert not send(opened.outbound, dm)  # part 1 went, part 2 did not
    [row] = rows_of(db, CalibrationPack)
    assert (row.status, row.parts_posted) == (PostStatus.PENDING, 1)
    down[0] = False
    retry = dataclasses.replace(dm, attempts=2, parts_posted=1, channel_id=row.channel_id)
    assert send(opened.outbound, retry)
    sent = [m.metadata["event_payload"]["part"] for m in _packs_to(slack, LENA)]
    assert sorted(sent) == sorted(f"{row.id}.{n}" for n in range(parts))  # each part once
