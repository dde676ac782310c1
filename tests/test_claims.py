"""Claiming is atomic and bounded on both databases: a batch is at most its limit, and no row is claimed twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repositories import touchpoints as touchpoint_rows
from tests.scheduling_world import World


def test_a_claim_takes_at_most_its_limit_and_the_next_claim_takes_the_rest(slack, db):
    world = World.make(slack, db)
    people = {f"U0L{n:03d}": "Europe/London" for n in range(60)}
    names = list(people)
    opened = datetime(2027, 1, 4, tzinfo=UTC)
    for k in range(0, 60, 20):
        world.open(opened, {u: people[u] for u in names[k : k + 20]}, name=f"Initiative {k}", send=False)
    other = Database(db.url)  # a second claimer with its own connections
    now = opened + timedelta(hours=11)  # Monday 11:00 in London: every first DM is due
    batches = []
    for claimer in (db, other, db, other):
        with claimer.session() as session:
            batches.append(touchpoint_rows.claim_due(session, now, recurring_since=now - timedelta(hours=6), limit=25))
    other.dispose()
    assert [len(b) for b in batches] == [25, 25, 10, 0]
    claimed = [i for b in batches for i in b]
    assert len(claimed) == len(set(claimed)) == 60
