"""One conversation per person per cycle, across the day: a stakeholder's check-ins (or reviews) due the same local
day at different send hours go in one DM when the first of them is due, never into a day they are away, and a
sender that dies after Slack took that DM leaves it recorded once, not sent twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import update
from sqlmodel import col

from bot.blocks import touchpoints as tb
from bot.services import open_touchpoints, touchpoints
from bot.usecases import touchpoint_dms
from storage.models import Stakeholder, Touchpoint, TouchpointKind, TouchpointStatus
from tests.conftest import SAM, TEAM
from tests.flows import all_text
from tests.scheduling_world import World
from tests.slack_contract import assert_valid_message
from tests.test_bundles import _as_checkins, _tick

NEW_YORK = "America/New_York"
# Tuesday 9 February 2027 in New York (UTC-5): 09:00, 13:00 and 23:30 there; 00:30 on Wednesday there.
NINE = datetime(2027, 2, 9, 14, tzinfo=UTC)
ONE_PM = datetime(2027, 2, 9, 18, tzinfo=UTC)
LATE_EVENING = datetime(2027, 2, 10, 4, 30, tzinfo=UTC)  # already Wednesday in UTC, still Tuesday in New York
AFTER_MIDNIGHT = datetime(2027, 2, 10, 5, 30, tzinfo=UTC)  # Wednesday in New York too
OPENED = datetime(2027, 1, 5, 15, tzinfo=UTC)


def _seed(world: World, due: list[datetime], kinds: list[str] | None = None) -> list[int]:
    """Sam (New York) on one initiative per entry of `due`, each with a check-in (or `kinds`) due then."""
    ids = [world.open(OPENED, {SAM: NEW_YORK}, name=f"Initiative {n}", send=False)[0] for n in range(len(due))]
    with world.db.session() as session:
        for n, (touchpoint_id, at) in enumerate(zip(ids, due, strict=True)):
            kind = kinds[n] if kinds else TouchpointKind.CHECKIN
            session.execute(
                update(Touchpoint)
                .where(col(Touchpoint.id) == touchpoint_id)
                .values(kind=kind, period="2027-02", due_at=at)
            )
    return ids


def _by_id(world: World) -> dict[int, Touchpoint]:
    return {t.id: t for t in world.touchpoints() if t.id is not None}


def test_check_ins_due_later_the_same_local_day_go_with_the_first_in_one_dm(slack, db):
    world = World.make(slack, db)
    first, afternoon, evening, tomorrow = _seed(world, [NINE, ONE_PM, LATE_EVENING, AFTER_MIDNIGHT])
    report = world.run(NINE)
    assert report.sent == 3
    [dm] = world.touchpoint_dms(SAM)
    assert sorted(dm.metadata["event_payload"]["touchpoints"]) == [first, afternoon, evening]
    assert_valid_message(dm.text, dm.blocks)
    rows = _by_id(world)
    assert {rows[t].status for t in (first, afternoon, evening)} == {TouchpointStatus.SENT}
    assert {(rows[t].message_ts, rows[t].sent_at) for t in (first, afternoon, evening)} == {(dm.ts, NINE)}
    assert rows[afternoon].due_at == NINE  # sent early, at the first one's hour
    assert len({rows[t].remind_at for t in (first, afternoon, evening)}) == 1  # one reminder for the bundle
    # Wednesday in New York is another day: its check-in waits for its own time, and nothing goes twice.
    assert rows[tomorrow].status == TouchpointStatus.PENDING and rows[tomorrow].due_at == AFTER_MIDNIGHT
    for at in (ONE_PM, LATE_EVENING):
        assert world.run(at).sent == 0
    assert world.run(AFTER_MIDNIGHT).sent == 1
    assert len(world.touchpoint_dms(SAM)) == 2


def test_only_the_same_kind_is_pulled_forward(slack, db):
    world = World.make(slack, db)
    _checkin, review = _seed(world, [NINE, ONE_PM], [TouchpointKind.CHECKIN, TouchpointKind.REVIEW])
    assert world.run(NINE).sent == 1
    assert _by_id(world)[review].status == TouchpointStatus.PENDING
    assert world.run(ONE_PM).sent == 1
    assert len(world.touchpoint_dms(SAM)) == 2


def test_nothing_is_pulled_into_a_day_the_person_is_away(slack, db):
    """Decision: a person away today gets nothing today; their later check-ins are not pulled forward (nor held
    early): each waits for its own time and is then held to after the pause, like any other."""
    world = World.make(slack, db)
    first, afternoon = _seed(world, [NINE, ONE_PM])
    with world.db.session() as session:  # a pause not applied ahead (the pass holds whatever reaches it)
        session.execute(update(Stakeholder).values(paused_until=NINE.date()))
    assert world.run(NINE).sent == 0
    rows = _by_id(world)
    assert rows[afternoon].status == TouchpointStatus.PENDING and rows[afternoon].due_at == ONE_PM
    assert rows[first].status == TouchpointStatus.PENDING and rows[first].due_at > ONE_PM
    assert world.run(ONE_PM).sent == 0 and not world.touchpoint_dms(SAM)


def test_one_held_back_to_today_by_a_pause_comes_with_the_first_since_the_pause_is_over(slack, db):
    """Decision: a check-in a pause moved to this day was promised this day, not this hour; once the pause is over
    it may come at the first one's hour, in the same DM."""
    world = World.make(slack, db)
    first, held = _seed(world, [NINE, ONE_PM])
    with world.db.session() as session:
        session.execute(update(Stakeholder).values(paused_until=NINE.date() - timedelta(days=1)))
    assert world.run(NINE).sent == 2
    [dm] = world.touchpoint_dms(SAM)
    assert sorted(dm.metadata["event_payload"]["touchpoints"]) == [first, held]


def test_a_snoozed_one_of_the_bundle_is_not_reminded_with_the_others(slack, db):
    world = World.make(slack, db)
    first, afternoon = _seed(world, [NINE, ONE_PM])
    world.run(NINE)
    with freeze_time(NINE + timedelta(hours=1)), world.db.session() as session:
        _, until = open_touchpoints.snooze(session, TEAM, afternoon, SAM, 7, NINE + timedelta(hours=1), "UTC")
    remind_at = _by_id(world)[first].remind_at
    assert remind_at is not None and until > remind_at
    dm = slack.dm_channel(SAM)
    before = len(slack.messages_in(dm))
    assert world.run(remind_at).reminded == 1
    [reminder] = slack.messages_in(dm)[before:]
    assert "Initiative 0" in all_text(reminder) and "Initiative 1" not in all_text(reminder)
    assert [b["block_id"] for b in reminder.blocks if b["type"] == "actions"] == [tb.actions_block_id(first)]


def test_a_sender_that_dies_after_slack_took_a_day_bundle_leaves_it_recorded_once(slack, db):
    world = World.make(slack, db, lease=timedelta(0))
    ids = _seed(world, [NINE, ONE_PM, LATE_EVENING])
    with freeze_time(NINE), world.db.session() as session:
        items, _ = touchpoints.claim_due(session, NINE, timedelta(hours=6), "UTC")
    assert sorted(i.touchpoint_id for i in items) == ids
    with freeze_time(NINE):
        touchpoint_dms._post(world.outbound, items)  # Slack has the DM; the sender dies before recording it
    assert {t.status for t in world.touchpoints()} == {TouchpointStatus.SENDING}

    report = world.run(NINE + timedelta(minutes=1))
    assert report.recovered == 3 and report.sent == 0
    [dm] = world.touchpoint_dms(SAM)
    rows = world.touchpoints()
    assert {t.status for t in rows} == {TouchpointStatus.SENT} and {t.message_ts for t in rows} == {dm.ts}
    for at in (ONE_PM, LATE_EVENING):
        world.run(at)
    assert len(world.touchpoint_dms(SAM)) == 1


def test_a_pass_killed_after_slack_took_day_bundles_and_run_again_sends_each_person_one_dm(slack, db):
    """Real `touchpoint tick` processes on the real clock: each person's check-ins due now and three hours from now
    (the same local day: they are where it is about noon) go in one DM; a pass killed while Slack answers slowly,
    then a second pass, leave exactly one DM per person with every touchpoint recorded in it."""
    world = World.make(slack, db)
    people = {f"U0D{n:02d}": "Europe/London" for n in range(6)}
    opened = datetime.now(UTC) - timedelta(minutes=1)
    ids = [t for n in range(4) for t in world.open(opened, people, name=f"Initiative {n}", send=False)]
    _as_checkins(world, ids, opened)
    later = ids[len(ids) // 2 :]  # initiatives 2 and 3: due three hours from now, the same local day
    with world.db.session() as session:
        session.execute(
            update(Touchpoint).where(col(Touchpoint.id).in_(later)).values(due_at=opened + timedelta(hours=3))
        )
    slack.slow("chat.postMessage", 0.5)

    killed = _tick(slack, db)
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 2, timeout=30)
    killed.kill()
    killed.wait(timeout=10)
    statuses = Counter(t.status for t in world.touchpoints())
    assert statuses[TouchpointStatus.SENDING] >= 4, statuses

    slack.slow("chat.postMessage", 0)
    finished = _tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")
    _out, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err
    assert {u: len(world.touchpoint_dms(u)) for u in people} == dict.fromkeys(people, 1)
    touchpoints_now = world.touchpoints()
    assert {t.status for t in touchpoints_now} == {TouchpointStatus.SENT}
    by_person: dict[int, set] = {}
    for t in touchpoints_now:
        by_person.setdefault(t.stakeholder_id, set()).add(t.message_ts)
    assert all(len(messages) == 1 for messages in by_person.values()), by_person
    assert all(len(m.metadata["event_payload"]["touchpoints"]) == 4 for u in people for m in world.touchpoint_dms(u))
