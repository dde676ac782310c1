"""One conversation per person per cycle: a stakeholder of several initiatives gets their check-ins (or reviews) due
the same day in one DM, each initiative with its own buttons, one reminder for what is still open, exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from slack_sdk.models.blocks import ActionsBlock, ButtonElement
from sqlalchemy import update
from sqlmodel import col

from bot.blocks import touchpoints as tb
from bot.ids import Action, Block
from bot.limits import ANSWER_MAX, NAME_MAX
from bot.services.touchpoints import Outgoing
from storage.models import Question, Stakeholder, Touchpoint, TouchpointKind, TouchpointStatus, saved_id
from tests.conftest import LENA, OLU, SAM
from tests.flows import all_text, notices_to, open_form, open_initiative, rows, submit_form
from tests.scheduling_world import World
from tests.slack_contract import assert_valid_message
from tests.web_process import env

START = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in London and New York, so first DMs go at once
FEBRUARY = datetime(2027, 2, 9, 15, tzinfo=UTC)  # 10:00 in New York: February's check-ins fall due
NAMES = ["Sales onboarding refresh", "Leadership programme", "Safety course"]
NASTY = "<!channel> & <@U0SAM> *bold*"


def _outgoing(n: int, **overrides) -> Outgoing:
    values: dict = dict(
        touchpoint_id=n,
        kind=TouchpointKind.CHECKIN,
        team_id="T1",
        initiative_id=n,
        initiative_name=f"{NASTY} {n}".ljust(NAME_MAX, "N"),
        business_goal="G",
        description="",
        opened_by=LENA,
        summary_channel_id="C0LD",
        stakeholder_id=1,
        user_id=SAM,
        dm_channel_id=None,
        current={Question.IMPACT: "I" * ANSWER_MAX, Question.TRACKING: "T" * ANSWER_MAX},
        status=TouchpointStatus.SENT,
    )
    return Outgoing(**{**values, **overrides})


@pytest.mark.parametrize("kind", [TouchpointKind.CHECKIN, TouchpointKind.REVIEW])
def test_a_full_bundle_and_its_reminder_are_valid_block_kit_with_every_state(kind):
    statuses = [TouchpointStatus.SENT, TouchpointStatus.ANSWERED, TouchpointStatus.SKIPPED, TouchpointStatus.MISSED]
    items = [_outgoing(n, kind=kind, status=statuses[n % 4]) for n in range(tb.BUNDLE_MAX)]
    for message in (tb.bundle_message(items), tb.bundle_reminder_message(items)):
        assert_valid_message(message.text, [b.to_dict() for b in message.blocks])
        assert "<!channel>" not in str([b.to_dict() for b in message.blocks]) and "<!channel>" not in message.text
    open_ones = tb.bundle_message([_outgoing(n, kind=kind) for n in range(tb.BUNDLE_MAX)])
    elements = [e for b in open_ones.blocks if isinstance(b, ActionsBlock) for e in b.elements]
    buttons = [e for e in elements if isinstance(e, ButtonElement)]
    assert [e.value for e in buttons if e.action_id == Action.OPEN_ANSWER] == [str(n) for n in range(tb.BUNDLE_MAX)]


def test_a_bundle_of_one_is_todays_dm():
    item = _outgoing(7)
    assert tb.dm_message([item]) == tb.touchpoint_message(item)
    assert tb.bundle_reminder_message([item]) == tb.reminder_message(item)


@pytest.fixture
def started(server, slack, db):
    """Three initiatives opened on 5 January 2027 with Sam (New York) on all three and Olu (London) on the first."""
    with freeze_time(START, tick=True):
        app = server.start()
        for n, name in enumerate(NAMES):
            open_initiative(app, LENA, name=name, stakeholders=[SAM, OLU] if n == 0 else [SAM])
    world = World.make(slack, db)
    world.run(START + timedelta(minutes=5))  # plans February's check-ins
    return app, world


def _checkins(world, user_id):
    return [m for m in world.touchpoint_dms(user_id) if "check-in" in all_text(m)]


def _actions(message) -> list[dict]:
    return [b for b in message.blocks if b["type"] == "actions"]


def _sam_february(app, world) -> list[Touchpoint]:
    sam = next(s.id for s in rows(app, Stakeholder) if s.user_id == SAM)
    return [t for t in world.touchpoints() if t.stakeholder_id == sam and t.kind == TouchpointKind.CHECKIN]


def test_a_person_on_three_initiatives_gets_one_check_in_dm_and_acts_on_each_from_it(started):
    app, world = started
    world.run(FEBRUARY)
    [bundle] = _checkins(world, SAM)
    touchpoints = _sam_february(app, world)
    assert len(touchpoints) == 3 and {t.status for t in touchpoints} == {TouchpointStatus.SENT}
    assert {(t.channel_id, t.message_ts) for t in touchpoints} == {(bundle.channel, bundle.ts)}
    assert sorted(bundle.metadata["event_payload"]["touchpoints"]) == [t.id for t in touchpoints]
    assert all(name in all_text(bundle) for name in NAMES)
    assert [a["block_id"] for a in _actions(bundle)] == [tb.actions_block_id(saved_id(t)) for t in touchpoints]
    # Olu, on one initiative, sees today's DM.
    [olu_dm] = _checkins(world, OLU)
    assert "Monthly check-in: Sales onboarding refresh" in all_text(olu_dm) and len(_actions(olu_dm)) == 1

    # Answering the second initiative: the DM is rebuilt, the other two keep their buttons.
    first, second, third = touchpoints
    with freeze_time(FEBRUARY + timedelta(minutes=5), tick=True):
        app.workspace.click(
            SAM, bundle.channel, bundle.ts, Action.OPEN_ANSWER, block_id=tb.actions_block_id(saved_id(second))
        )
        view = app.slack.wait_for(lambda: app.slack.views_for(SAM))[-1]
    assert f'"touchpoint": {second.id}' in view["private_metadata"]
    values = {Block.PRIORITIES_SHIFTED: "No", Block.MATTERS_MOST: "Fewer incidents", Block.ON_TRACK: "4"}
    assert submit_form(app, SAM, view, values, FEBRUARY + timedelta(minutes=6)).body == ""
    updated = app.slack.message(bundle.channel, bundle.ts)
    assert [a["block_id"] for a in _actions(updated)] == [tb.actions_block_id(saved_id(t)) for t in (first, third)]
    assert "Leadership programme*: answered" in all_text(updated)

    # Skipping the third: rebuilt again from every touchpoint's state, the first still open.
    with freeze_time(FEBRUARY + timedelta(minutes=10), tick=True):
        app.workspace.click(SAM, bundle.channel, bundle.ts, Action.SKIP, block_id=tb.actions_block_id(saved_id(third)))
        app.settle()
    shown = app.slack.responses[-1]
    assert [b["block_id"] for b in shown["blocks"] if b["type"] == "actions"] == [tb.actions_block_id(saved_id(first))]
    assert "answered" in str(shown["blocks"]) and "skipped" in str(shown["blocks"])
    assert {t.id: t.status for t in _sam_february(app, world)} == {
        first.id: TouchpointStatus.SENT,
        second.id: TouchpointStatus.ANSWERED,
        third.id: TouchpointStatus.SKIPPED,
    }


def test_one_reminder_for_what_is_still_open_and_the_bundle_closes_as_a_whole(started):
    app, world = started
    world.run(FEBRUARY)
    [bundle] = _checkins(world, SAM)
    first, second, third = _sam_february(app, world)
    assert len({t.remind_at for t in (first, second, third)}) == 1  # one reminder time for the bundle
    view = open_form(app, SAM, bundle, FEBRUARY + timedelta(minutes=5))  # the first initiative's Answer
    values = {Block.PRIORITIES_SHIFTED: "No", Block.MATTERS_MOST: "Faster ramp", Block.ON_TRACK: "4"}
    submit_form(app, SAM, view, values, FEBRUARY + timedelta(minutes=6))

    dm = app.slack.dm_channel(SAM)
    before = len(app.slack.messages_in(dm))
    world.run(first.remind_at)
    reminders = app.slack.messages_in(dm)[before:]
    assert len(reminders) == 1, [all_text(m) for m in reminders]
    [reminder] = reminders
    assert "2 initiatives are still open" in all_text(reminder) and NAMES[0] not in all_text(reminder)
    assert [a["block_id"] for a in _actions(reminder)] == [tb.actions_block_id(saved_id(t)) for t in (second, third)]

    assert second.expires_at is not None and third.expires_at is not None  # sent touchpoints close at a set time
    world.run(max(second.expires_at, third.expires_at))
    closed = app.slack.message(bundle.channel, bundle.ts)
    assert not _actions(closed) and all_text(closed).count("closed without an answer") == 2
    assert "answered" in all_text(closed)


def test_more_initiatives_than_one_dm_holds_go_in_a_second_dm(slack, db):
    world = World.make(slack, db)
    count = tb.BUNDLE_MAX + 2
    opened = datetime(2027, 1, 5, 15, tzinfo=UTC)
    ids = [t for n in range(count) for t in world.open(opened, {SAM: "America/New_York"}, name=f"I{n}", send=False)]
    _as_checkins(world, ids, opened)
    report = world.run(opened + timedelta(minutes=1))
    assert report.sent == count and report.failed == 0
    dms = world.touchpoint_dms(SAM)
    assert [len(m.metadata["event_payload"].get("touchpoints", [1])) for m in dms] == [tb.BUNDLE_MAX, 2]
    for m in dms:
        assert_valid_message(m.text, m.blocks)
    assert len({(t.channel_id, t.message_ts) for t in world.touchpoints()}) == 2


def _as_checkins(world, ids, at) -> None:
    """Seed: these touchpoints are February's check-ins, due at `at`, their stakeholders working then."""
    world.make_due(ids, at)
    with world.db.session() as session:
        session.execute(
            update(Touchpoint).where(col(Touchpoint.id).in_(ids)).values(kind=TouchpointKind.CHECKIN, period="2027-02")
        )


def _tick(slack, db, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "tick"],
        env=env(slack, db, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_pass_killed_between_slack_taking_a_bundle_and_its_record_sends_it_once(slack, db):
    world = World.make(slack, db)
    people = {f"U0B{n:02d}": "Europe/London" for n in range(6)}
    opened = datetime.now(UTC) - timedelta(minutes=1)
    ids = [t for n in range(4) for t in world.open(opened, people, name=f"Initiative {n}", send=False)]
    _as_checkins(world, ids, opened)
    slack.slow("chat.postMessage", 0.5)  # Slack takes the message at once but answers slowly: the kill lands there

    killed = _tick(slack, db)
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 2, timeout=30)
    killed.kill()
    killed.wait(timeout=10)
    statuses = Counter(t.status for t in world.touchpoints())
    assert statuses[TouchpointStatus.SENDING] >= 4, statuses  # at least one bundle in Slack but not recorded

    slack.slow("chat.postMessage", 0)
    finished = _tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")  # the dead pass's claims are stale at once
    _out, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err
    assert {u: len(world.touchpoint_dms(u)) for u in people} == dict.fromkeys(people, 1)
    touchpoints = world.touchpoints()
    assert {t.status for t in touchpoints} == {TouchpointStatus.SENT}
    by_person: dict[int, set] = {}
    for t in touchpoints:
        by_person.setdefault(t.stakeholder_id, set()).add((t.channel_id, t.message_ts))
    assert all(len(messages) == 1 for messages in by_person.values()), by_person  # each bundle recorded whole
    assert slack.calls_to("conversations.history"), "the interrupted DM was looked for before anything was resent"


def test_a_bundle_slack_refuses_fails_every_touchpoint_in_it_and_each_owner_hears_of_it(slack, db):
    world = World.make(slack, db)
    opened = datetime(2027, 1, 5, 15, tzinfo=UTC)
    ids = [t for n in range(3) for t in world.open(opened, {SAM: "America/New_York"}, name=f"I{n}", send=False)]
    _as_checkins(world, ids, opened)
    to_sam = lambda args: args.get("channel") in (SAM, slack.dm_channel(SAM))  # noqa: E731
    slack.fail("chat.postMessage", "msg_too_long", times=99, when=to_sam)
    report = world.run(opened + timedelta(minutes=1))
    assert report.failed == 3 and report.sent == 0
    assert len([c for c in slack.calls_to("chat.postMessage") if to_sam(c.args)]) == 1  # one DM tried, not three
    assert {(t.status, t.last_error) for t in world.touchpoints()} == {(TouchpointStatus.FAILED, "msg_too_long")}
    reports = [all_text(m) for m in notices_to(slack, LENA)]
    assert all(any(f"*I{n}*" in r for r in reports) for n in range(3)), reports
