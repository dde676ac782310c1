"""A touchpoint claimed for sending whose initiative closes, or whose stakeholder is removed, before its DM is
recorded does not go out as if nothing happened: the sender checks again just before it posts, and the
transaction that records the post checks once more (a close that lands while Slack takes the DM leaves that DM
saying it is closed, with no buttons)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from bot.blocks import touchpoints as tb
from bot.services import changes, touchpoints
from bot.services.initiatives import NewInitiative
from bot.usecases import initiative_changes, touchpoint_dms
from storage.models import TouchpointStatus, saved_id
from tests.conftest import LD_CHANNEL, LENA, OLU, SAM, TEAM
from tests.flows import all_text
from tests.scheduling_world import World
from tests.slack_contract import assert_valid_message
from tests.test_bundles import _as_checkins

OPENED = datetime(2027, 1, 5, 15, tzinfo=UTC)  # Tue: working hours in London and New York
NAME = "Sales onboarding refresh"


def _claimed(world: World, people: dict[str, str], names: list[str]) -> list[touchpoints.Outgoing]:
    """Kickoffs of these initiatives, claimed by a sender that has not posted them yet."""
    ids = [t for name in names for t in world.open(OPENED, people, name=name, send=False)]
    with freeze_time(OPENED), world.db.session() as session:
        items = touchpoints.claim(session, ids, OPENED, "UTC")
    assert {i.status for i in items} == {TouchpointStatus.SENDING} and len(items) == len(ids)
    return items


def _close(world: World, name: str = NAME) -> None:
    with world.db.session() as session:
        changes.set_open(session, TEAM, LENA, name, False, OPENED, "UTC")


def _posts_to(world: World, user_id: str) -> list:
    return [
        c for c in world.slack.calls_to("chat.postMessage") if c.args.get("channel") in (user_id, _dm(world, user_id))
    ]


def _dm(world: World, user_id: str) -> str | None:
    try:
        return world.slack.dm_channel(user_id)
    except (KeyError, LookupError):
        return None


def test_an_initiative_closed_between_the_claim_and_the_send_sends_nothing(slack, db):
    world = World.make(slack, db)
    items = _claimed(world, {SAM: "America/New_York", OLU: "Europe/London"}, [NAME])
    _close(world)
    with freeze_time(OPENED):
        delivered = touchpoint_dms.deliver(world.outbound, items)
    assert delivered.sent == 0 and delivered.failures == {}  # dropped: neither sent nor failed
    assert not _posts_to(world, SAM) and not _posts_to(world, OLU)
    assert {t.status for t in world.touchpoints()} == {TouchpointStatus.CLOSED}
    # Nothing is left for a later pass or a recovery to send.
    report = world.run(OPENED + timedelta(days=1))
    assert report.sent == 0 and report.recovered == 0 and not _posts_to(world, SAM)


def test_a_stakeholder_removed_between_the_claim_and_the_send_is_not_asked_and_the_others_are(slack, db):
    world = World.make(slack, db)
    items = _claimed(world, {SAM: "America/New_York", OLU: "Europe/London"}, [NAME])
    initiative_id = items[0].initiative_id
    with world.db.session() as session:
        changes.edit(
            session,
            TEAM,
            LENA,
            initiative_id,
            NewInitiative(NAME, "Grow revenue per rep", "", (OLU,), LD_CHANNEL),
            True,
            {},
            OPENED,
            LD_CHANNEL,
            "UTC",
        )
    with freeze_time(OPENED):
        delivered = touchpoint_dms.deliver(world.outbound, items)
    assert not _posts_to(world, SAM) and len(_posts_to(world, OLU)) == 1
    assert delivered.sent == 1 and delivered.failures == {}  # the pass reports Olu's, not Sam's
    by_person = {i.user_id: i.touchpoint_id for i in items}
    statuses = {t.id: t.status for t in world.touchpoints()}
    assert statuses[by_person[SAM]] == TouchpointStatus.CLOSED
    assert statuses[by_person[OLU]] == TouchpointStatus.SENT


def test_a_close_while_slack_takes_the_dm_is_caught_where_the_send_is_recorded_and_the_dm_says_so(slack, db):
    world = World.make(slack, db)
    items = _claimed(world, {SAM: "America/New_York"}, [NAME])

    def close_as_slack_takes_it(args: dict) -> bool:
        _close(world)  # the L&D member closes it in the instant between the check and the record
        return False  # no fault: Slack takes the message

    slack.fail("chat.postMessage", "unused", times=1, when=close_as_slack_takes_it)
    with freeze_time(OPENED):
        touchpoint_dms.deliver(world.outbound, items)
    [touchpoint] = world.touchpoints()
    assert touchpoint.status == TouchpointStatus.CLOSED and touchpoint.message_ts
    dm = slack.message(touchpoint.channel_id, touchpoint.message_ts)
    assert "is closed: the L&D team has closed the initiative" in all_text(dm)
    assert not [b for b in dm.blocks if b["type"] == "actions"]
    assert_valid_message(dm.text, dm.blocks)
    # Closed, it is not reminded, expired or planned from.
    report = world.run(OPENED + timedelta(days=20))
    assert report.reminded == 0 and report.missed == 0 and report.sent == 0


def test_a_bundle_part_closed_while_slack_takes_it_is_shown_closed_and_the_rest_keeps_its_buttons(slack, db):
    world = World.make(slack, db)
    names = [NAME, "Leadership programme"]
    ids = [t for name in names for t in world.open(OPENED, {SAM: "America/New_York"}, name=name, send=False)]
    _as_checkins(world, ids, OPENED)
    with freeze_time(OPENED), world.db.session() as session:
        items, _ = touchpoints.claim_due(session, OPENED, timedelta(hours=6), "UTC")
    assert len(items) == 2

    def close_first(args: dict) -> bool:
        _close(world)
        return False

    slack.fail("chat.postMessage", "unused", times=1, when=close_first)
    with freeze_time(OPENED):
        touchpoint_dms.deliver(world.outbound, items)
    first, second = world.touchpoints()
    assert (first.status, second.status) == (TouchpointStatus.CLOSED, TouchpointStatus.SENT)
    assert first.message_ts == second.message_ts
    dm = slack.message(second.channel_id, second.message_ts)
    text = all_text(dm)
    assert f"{NAME}*: closed by the L&D team" in text
    assert [b["block_id"] for b in dm.blocks if b["type"] == "actions"] == [tb.actions_block_id(saved_id(second))]
    assert_valid_message(dm.text, dm.blocks)


def test_closing_one_initiative_of_a_sent_bundle_keeps_the_others_buttons_in_the_dm(slack, db):
    world = World.make(slack, db)
    names = [NAME, "Leadership programme"]
    ids = [t for name in names for t in world.open(OPENED, {SAM: "America/New_York"}, name=name, send=False)]
    _as_checkins(world, ids, OPENED)
    assert world.run(OPENED + timedelta(minutes=1)).sent == 2
    with world.db.session() as session:
        change = changes.set_open(session, TEAM, LENA, NAME, False, OPENED, "UTC")
    with freeze_time(OPENED + timedelta(minutes=2)):
        initiative_changes.announce(world.outbound, change, tell=False)
    first, second = world.touchpoints()
    assert (first.status, second.status) == (TouchpointStatus.CLOSED, TouchpointStatus.SENT)
    dm = slack.message(second.channel_id, second.message_ts)
    assert f"{NAME}*: closed by the L&D team" in all_text(dm)
    assert [b["block_id"] for b in dm.blocks if b["type"] == "actions"] == [tb.actions_block_id(saved_id(second))]
    assert_valid_message(dm.text, dm.blocks)


def test_a_dm_recorded_by_another_sender_meanwhile_keeps_that_record_and_is_not_shown_closed(slack, db):
    """A sender whose claim lapsed (paced for minutes, or a second clock recovered it) finds the touchpoint already
    recorded by the other: the other's DM stays the record, and the open touchpoint is not called closed."""
    from sqlalchemy import update
    from sqlmodel import col

    from storage.models import Touchpoint
    from storage.repositories import touchpoints as touchpoint_rows

    world = World.make(slack, db)
    [touchpoint_id] = world.open(datetime(2027, 1, 5, 11, tzinfo=UTC), {SAM: "Europe/London"}, send=False)
    now = datetime(2027, 1, 5, 11, 1, tzinfo=UTC)
    with world.db.session() as session:
        session.execute(update(Touchpoint).where(col(Touchpoint.id) == touchpoint_id).values(status="sending"))
        follow_ups = (now + timedelta(days=3), now + timedelta(days=10))
        assert touchpoint_rows.mark_touchpoint_sent(session, touchpoint_id, "D0SAM", "100.1", now, follow_ups) == "sent"
        other = (now, now)
        assert touchpoint_rows.mark_touchpoint_sent(session, touchpoint_id, "D0SAM", "100.2", now, other) == "taken"
    [row] = [t for t in world.touchpoints() if t.id == touchpoint_id]
    assert (row.status, row.message_ts) == (TouchpointStatus.SENT, "100.1")
    assert (row.remind_at, row.expires_at) == follow_ups  # recorded with the send, and only by it

    # Closed while Slack took the DM: where it is is recorded once, to be shown closed; a later sender is "taken".
    with world.db.session() as session:
        session.execute(
            update(Touchpoint)
            .where(col(Touchpoint.id) == touchpoint_id)
            .values(status=TouchpointStatus.CLOSED, message_ts=None, channel_id=None)
        )
        assert touchpoint_rows.mark_touchpoint_sent(session, touchpoint_id, "D0SAM", "200.1", now, other) == "closed"
        assert touchpoint_rows.mark_touchpoint_sent(session, touchpoint_id, "D0SAM", "200.2", now, other) == "taken"
    [row] = [t for t in world.touchpoints() if t.id == touchpoint_id]
    assert (row.status, row.message_ts) == (TouchpointStatus.CLOSED, "200.1")
