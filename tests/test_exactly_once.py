"""Exactly once, with real processes: `touchpoint tick` killed mid fan-out, and two passes running at once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.ids import MessageEvent
from bot.services.touchpoints import CLAIM_BATCH
from storage.models import TouchpointKind, TouchpointStatus
from tests.conftest import LD_CHANNEL
from tests.scheduling_world import World
from tests.web_process import env


def _tick(slack, db, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "tick"],
        env=env(slack, db, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kickoff_dms(world, people) -> dict[str, int]:
    return {u: len(world.touchpoint_dms(u)) for u in people}


def test_a_pass_killed_half_way_through_a_fan_out_sends_every_dm_exactly_once(slack, db):
    world = World.make(slack, db)
    people = {f"U0K{n:02d}": "Europe/London" for n in range(12)}
    opened = datetime.now(UTC) - timedelta(minutes=1)
    world.make_due(world.open(opened, people, send=False), opened)
    slack.slow("chat.postMessage", 0.3)  # Slack takes the message at once but answers slowly: the kill lands there

    killed = _tick(slack, db)
    slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= 4, timeout=30)
    killed.kill()
    killed.wait(timeout=10)
    statuses = Counter(t.status for t in world.touchpoints())
    assert statuses[TouchpointStatus.SENDING] >= 1 and statuses[TouchpointStatus.SENT] >= 3, statuses

    slack.slow("chat.postMessage", 0)
    finished = _tick(slack, db, TOUCHPOINT_SENDING_LEASE_SECONDS="0")  # the dead pass's claims are stale at once
    _out, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err
    assert _kickoff_dms(world, people) == dict.fromkeys(people, 1)
    assert {t.status for t in world.touchpoints() if t.kind == TouchpointKind.KICKOFF} == {TouchpointStatus.SENT}
    assert slack.calls_to("conversations.history"), "the interrupted DM was looked for before anything was resent"


def _is_touchpoint_dm(call) -> bool:
    event_type = (call.args.get("metadata") or {}).get("event_type")
    return call.args["channel"] != LD_CHANNEL and event_type != MessageEvent.PLANNING_ASKED


COUNT = 3 * CLAIM_BATCH  # several batches, so that both passes claim some


def test_two_passes_at_once_send_each_touchpoint_once(slack, db):
    world = World.make(slack, db)
    people = {f"U0C{n:04d}": "Europe/London" for n in range(COUNT)}
    names = list(people)
    opened = datetime.now(UTC) - timedelta(minutes=1)
    for k in range(0, COUNT, 25):  # 25 stakeholders is the most one initiative takes
        world.make_due(
            world.open(opened, {u: people[u] for u in names[k : k + 25]}, name=f"Initiative {k}", send=False), opened
        )
    slack.slow("chat.postMessage", 0.01)  # slow enough that the two processes overlap for seconds
    passes = [_tick(slack, db) for _ in range(2)]
    reports = [p.communicate(timeout=120) for p in passes]
    assert [p.returncode for p in passes] == [0, 0], reports
    sent_by = [int(out.split("sent ")[1].split(",")[0]) for out, _ in reports]
    assert sum(sent_by) == COUNT and min(sent_by) > 0, sent_by  # both passes did part of the work
    assert _kickoff_dms(world, people) == dict.fromkeys(people, 1)
    # Only the touchpoints' DMs: on a Monday morning the same pass also posts the week's digest in the L&D channel,
    # and in the weeks before a financial year it asks these (high-influence) stakeholders about the next one.
    assert len([c for c in slack.calls_to("chat.postMessage") if _is_touchpoint_dm(c)]) == COUNT
