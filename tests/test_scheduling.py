"""The scheduling pass under frozen time: exact send instants for a year, reminders, misses, grace, and Slack failing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from storage.models import Stakeholder, TouchpointKind, TouchpointStatus
from tests.flows import all_text
from tests.scheduling_world import World

UTC = UTC
PEOPLE = {
    "U0LONDON": "Europe/London",
    "U0NEWYORK": "America/New_York",
    "U0TOKYO": "Asia/Tokyo",
    "U0SYDNEY": "Australia/Sydney",
}
DAYS_2027 = [12, 9, 9, 13, 11, 8, 13, 10, 14, 12, 9, 14]  # second Tuesdays
HOURS_UTC = {  # 10:00 local, month by month, worked out from each zone's 2027 daylight-saving dates
    "U0LONDON": [10, 10, 10, 9, 9, 9, 9, 9, 9, 9, 10, 10],
    "U0NEWYORK": [15, 15, 15, 14, 14, 14, 14, 14, 14, 14, 15, 15],
    "U0TOKYO": [1] * 12,
    "U0SYDNEY": [-1, -1, -1, 0, 0, 0, 0, 0, 0, -1, -1, -1],  # -1: 23:00 UTC the day before
}


def _expected(user_id: str) -> list[datetime]:
    return [
        datetime(2027, m + 1, d, tzinfo=UTC) + timedelta(hours=h)
        for m, (d, h) in enumerate(zip(DAYS_2027, HOURS_UTC[user_id], strict=False))
    ]


def test_a_simulated_year_sends_every_touchpoint_once_at_ten_local_across_dst(slack, db):
    world = World.make(slack, db)
    world.open(datetime(2026, 12, 1, 12, tzinfo=UTC), PEOPLE)
    world.run_until(datetime(2026, 12, 1, 12, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))

    by_user = {s.id: s.user_id for s in _rows(world, Stakeholder)}
    recurring = [t for t in world.touchpoints() if t.kind != TouchpointKind.KICKOFF and t.sent_at is not None]
    for user_id in PEOPLE:
        mine = sorted((t for t in recurring if by_user[t.stakeholder_id] == user_id), key=lambda t: t.due_at)
        assert [t.sent_at for t in mine] == _expected(user_id), user_id
        assert [t.sent_at for t in mine] == [t.due_at for t in mine]
        assert [t.kind for t in mine] == ["review", "checkin", "checkin"] * 4
        # One DM per touchpoint (and the kickoff), nothing twice.
        dms = world.touchpoint_dms(user_id)
        assert len(dms) == 13 and len({m.metadata["event_payload"]["touchpoint"] for m in dms}) == 13
    # Nobody answered: each got one reminder three working days on, then it closed as missed.
    assert Counter(t.status for t in recurring) == {TouchpointStatus.MISSED: 48}
    assert all(
        t.reminded_at is not None and t.expires_at is not None and t.reminded_at < t.expires_at for t in recurring
    )


OPENED = datetime(2027, 1, 5, 11, tzinfo=UTC)  # a Tuesday morning in London: first DMs go at once


def _rows(world, model):
    from sqlmodel import select

    with world.db.reading() as session:
        return list(session.execute(select(model)).scalars())


def test_what_fell_due_while_down_is_sent_once_within_the_grace_period_and_missed_after_it(slack, db):
    world = World.make(slack, db, grace=timedelta(hours=6))
    world.open(OPENED, {"U0LATE": "Europe/London"})
    world.run(OPENED + timedelta(minutes=1))  # plans the February check-in
    [_, checkin] = world.touchpoints()
    assert checkin.due_at == datetime(2027, 2, 9, 10, tzinfo=UTC)

    world.run(datetime(2027, 2, 9, 14, tzinfo=UTC))  # down from 09:00 until 14:00: four hours late, within grace
    world.run(datetime(2027, 2, 9, 14, 1, tzinfo=UTC))  # a second pass, as after a restart
    assert len(world.touchpoint_dms("U0LATE")) == 2
    assert world.touchpoints()[1].status == TouchpointStatus.SENT

    world.open(OPENED, {"U0DOWN": "Europe/London"}, name="Leadership")
    world.run(OPENED + timedelta(minutes=1))
    world.run(datetime(2027, 2, 9, 17, tzinfo=UTC))  # seven hours late: past the grace period
    missed = [t for t in world.touchpoints() if t.period == "2027-02" and t.status == TouchpointStatus.MISSED]
    assert len(missed) == 1 and "not running" in (missed[0].last_error or "")
    assert len(world.touchpoint_dms("U0DOWN")) == 1  # the kickoff only: never sent late in a burst
    world.run(datetime(2027, 2, 9, 17, 1, tzinfo=UTC))
    down = next(s.id for s in _rows(world, Stakeholder) if s.user_id == "U0DOWN")
    upcoming = [t for t in world.touchpoints() if t.status == TouchpointStatus.PENDING and t.stakeholder_id == down]
    assert [t.period for t in upcoming] == ["2027-03"]  # and the next one is planned as usual


def test_slack_failures_during_a_pass_retry_report_and_never_stop_it(slack, db):
    world = World.make(slack, db)
    people = {f"U0P{n}": "Europe/London" for n in range(6)}
    world.open(OPENED, people)
    world.run(OPENED + timedelta(minutes=1))
    slack.rate_limit("chat.postMessage", times=4, retry_after=1)  # a 429 storm
    slack.fail("chat.postMessage", "internal_error", status=500, times=2)
    slack.fail("chat.postMessage", "user_not_found", times=5, when=lambda a: a["channel"] in ("U0P3", "D0P3"))
    slack.fail("chat.postMessage", "msg_too_long", times=5, when=lambda a: a["channel"] in ("U0P5", "D0P5"))
    report = world.run(datetime(2027, 2, 9, 10, tzinfo=UTC))
    assert (report.sent, report.failed, report.errors) == (4, 2, [])
    assert sorted(world.waits.seconds) == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0]  # Retry-After each 429, backoff each 500
    for user_id in people:
        assert len(world.touchpoint_dms(user_id)) == (1 if user_id in ("U0P3", "U0P5") else 2)
    gone = next(s for s in _rows(world, Stakeholder) if s.user_id == "U0P3")
    assert gone.active is False
    [report_dm] = list(slack.messages_in(slack.dm_channel("U0LENA")))
    assert "U0P3" in all_text(report_dm) and "isn't in this workspace" in all_text(report_dm)
    assert "U0P5" in all_text(report_dm) and "msg_too_long" in all_text(report_dm)
    world.run(datetime(2027, 2, 9, 10, 1, tzinfo=UTC))
    assert not [t for t in world.touchpoints() if t.stakeholder_id == gone.id and t.status == TouchpointStatus.PENDING]
    # A check-in that could not be delivered for another reason is recorded as failed; March's still comes.
    failed = next(t for t in world.touchpoints() if t.status == TouchpointStatus.FAILED and t.stakeholder_id != gone.id)
    march = [t for t in world.touchpoints() if t.stakeholder_id == failed.stakeholder_id and t.period == "2027-03"]
    assert [t.status for t in march] == [TouchpointStatus.PENDING]
