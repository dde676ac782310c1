"""The stakeholder map decides who gets what: the pass plans check-ins and reviews, reviews only, or a monthly
status update (a DM with nothing to answer) per stakeholder, as their quadrant or their override says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import select

from bot.blocks import stakeholder_map as map_blocks
from bot.ids import Action
from bot.services.stakeholder_map import CadenceChoice, Quadrant
from storage.models import (
    Initiative,
    InitiativeStakeholder,
    MapMessage,
    MapMessageKind,
    PostStatus,
    Stakeholder,
    TouchpointKind,
    TouchpointStatus,
)
from tests.conftest import LENA, OLU, SAM
from tests.flows import all_text, answer, open_initiative, rows
from tests.scheduling_world import World

START = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in London and New York, so first DMs go at once
FEB_CHECK_INS = datetime(2027, 2, 9, 15, tzinfo=UTC)  # 10:00 in New York, 15:00 in London


def place(app, quadrants: dict[str, str], cadences: dict[str, str] | None = None) -> None:
    """Lena puts people on the map from her Home tab."""
    people = {s.id: s.user_id for s in rows(app, Stakeholder)}
    pairs = {people[p.stakeholder_id]: p.id or 0 for p in rows(app, InitiativeStakeholder)}
    [initiative] = rows(app, Initiative)
    assert app.workspace.open_home(LENA, event_id=f"EvPlace{len(app.slack.published)}").status == 200
    app.settle()
    before = len(app.slack.views_for(LENA))
    assert app.workspace.click_home(LENA, Action.HOME_MAP, value=str(initiative.id)).status == 200
    view = app.slack.wait_for(lambda: app.slack.views_for(LENA)[before:])[0]
    values = {map_blocks.quadrant_block(pairs[u]): q for u, q in quadrants.items()}
    values |= {map_blocks.cadence_block(pairs[u]): c for u, c in (cadences or {}).items()}
    reply = app.workspace.submit(LENA, view, values)
    assert reply.status == 200 and "Saved the stakeholder map" in reply.body, reply


@pytest.fixture
def mapped(server, slack, db):
    """Sam (New York) kept informed, Olu (London) kept satisfied, both kickoffs out, Sam's answered."""
    with freeze_time(START, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM, OLU])
        answer(app, SAM, "New reps close a deal in their first month", "Time to first deal in Salesforce")
    world = World.make(slack, db)
    world.run(START + timedelta(minutes=5))  # plans February's check-ins, before anyone is on the map
    with freeze_time(START + timedelta(minutes=10), tick=True):
        place(app, {SAM: Quadrant.KEEP_INFORMED, OLU: Quadrant.KEEP_SATISFIED})
    world.run(START + timedelta(minutes=15))  # plans again by the map
    return app, world


def _touchpoints(world, user_id: str):
    [person] = [s for s in world_rows(world, Stakeholder) if s.user_id == user_id]
    return [t for t in world.touchpoints() if t.stakeholder_id == person.id]


def world_rows(world, model) -> list:
    from sqlmodel import select

    with world.db.reading() as session:
        return list(session.exec(select(model)).all())


def _status_updates(world) -> list[MapMessage]:
    return [m for m in world_rows(world, MapMessage) if m.kind == MapMessageKind.STATUS]


def test_keep_satisfied_gets_the_quarterly_review_and_no_monthly_check_in(mapped):
    _app, world = mapped
    coming = [t for t in _touchpoints(world, OLU) if t.kind != TouchpointKind.KICKOFF]
    assert [(t.kind, t.period, t.status) for t in coming] == [
        (TouchpointKind.REVIEW, "2027-04", TouchpointStatus.PENDING)
    ]


def test_keep_informed_gets_a_monthly_status_update_with_nothing_to_answer_exactly_once(mapped, slack):
    _app, world = mapped
    assert [t.kind for t in _touchpoints(world, SAM)] == [TouchpointKind.KICKOFF]  # no check-in, no review
    [planned] = _status_updates(world)
    assert (planned.key, planned.status, planned.to_user_id) == ("2027-02", PostStatus.PENDING, SAM)
    before = len(slack.messages_in(slack.dm_channel(SAM)))
    world.run(FEB_CHECK_INS - timedelta(seconds=1))
    assert len(slack.messages_in(slack.dm_channel(SAM))) == before  # not before its time
    report = world.run(FEB_CHECK_INS)
    assert report.map_messages == 1
    [dm] = slack.messages_in(slack.dm_channel(SAM))[before:]
    text = all_text(dm)
    assert "Where Sales onboarding refresh stands this month" in text and "nothing to answer" in text
    assert "New reps close a deal in their first month" in text  # what stakeholders said
    assert not [b for b in dm.blocks if b["type"] == "actions"]  # no questions, no buttons
    world.run(FEB_CHECK_INS + timedelta(minutes=1))
    world.run(FEB_CHECK_INS + timedelta(minutes=2))
    assert len(slack.messages_in(slack.dm_channel(SAM))) == before + 1  # once
    updates = _status_updates(world)
    assert [(m.key, m.status) for m in updates] == [("2027-02", PostStatus.POSTED), ("2027-03", PostStatus.PENDING)]


def test_an_override_beats_the_quadrant_and_switching_back_plans_check_ins_again(mapped):
    app, world = mapped
    with freeze_time(START + timedelta(minutes=20), tick=True):
        place(app, {SAM: Quadrant.KEEP_INFORMED}, {SAM: CadenceChoice.CHECKINS_AND_REVIEWS})
    world.run(START + timedelta(minutes=25))
    assert [(t.kind, t.period) for t in _touchpoints(world, SAM)][1:] == [(TouchpointKind.CHECKIN, "2027-02")]
    assert not _status_updates(world)  # the planned status update was dropped


def test_a_status_update_slack_refuses_is_tried_again_by_the_next_pass(mapped, slack):
    _app, world = mapped
    to_sam = lambda args: args.get("channel") in (SAM, slack.dm_channel(SAM))  # noqa: E731
    slack.fail("chat.postMessage", "internal_error", times=1, when=to_sam)
    report = world.run(FEB_CHECK_INS)
    assert report.map_messages == 0 and report.failed == 1
    [update] = _status_updates(world)
    assert (update.status, update.attempts, update.last_error) == (PostStatus.PENDING, 1, "internal_error")
    assert world.run(FEB_CHECK_INS + timedelta(minutes=1)).map_messages == 1
    assert _status_updates(world)[0].status == PostStatus.POSTED


def test_upcoming_lists_the_status_updates_with_the_touchpoints(mapped):
    app, world = mapped
    [status] = [m for m in _status_updates(world) if m.status == PostStatus.PENDING]
    with freeze_time(START + timedelta(minutes=20), tick=True):
        listed = app.workspace.slash(LENA, "upcoming").json()
    lines = [line for line in listed["text"].splitlines() if line.startswith("•")]
    assert [("monthly status update" in line, SAM in line, "quarterly review" in line) for line in lines] == [
        (True, True, False),  # Sam's February status update comes first, soonest first whatever it is
        (False, False, True),  # then Olu's April review
    ], lines
    [sam] = [s for s in world_rows(world, Stakeholder) if s.user_id == SAM]
    assert status.stakeholder_id == sam.id


def test_a_status_update_whose_sender_died_after_slack_took_it_is_recorded_not_sent_again(mapped, slack):
    _app, world = mapped
    assert world.run(FEB_CHECK_INS).map_messages == 1
    [dm] = [m for m in slack.messages_in(slack.dm_channel(SAM)) if "stands this month" in all_text(m)]
    # As a sender that died between Slack's answer and its record leaves it: still claimed, from a minute ago.
    with world.db.session() as session:
        [row] = [m for m in session.exec(select(MapMessage)).all() if m.key == "2027-02"]
        row.status, row.claimed_at, row.sent_at = PostStatus.SENDING, FEB_CHECK_INS, None
        session.add(row)
    world.run(FEB_CHECK_INS + timedelta(minutes=10))  # the lease (5 minutes) has passed: the pass takes it over
    again = [m for m in slack.messages_in(slack.dm_channel(SAM)) if "stands this month" in all_text(m)]
    assert [m.ts for m in again] == [dm.ts]  # found by its metadata, not sent twice
    assert ("2027-02", PostStatus.POSTED) in [(m.key, m.status) for m in _status_updates(world)]
