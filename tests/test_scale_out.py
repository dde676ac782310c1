"""Scale-out on PostgreSQL, proven with real processes: two web processes (`python -m bot`) and two clock processes
(`touchpoint clock`) on one database, the simulated Slack sending signed requests to both web processes. Over two
simulated days (the data's clock moved, the processes' left real), every DM, answer summary and digest goes out
exactly once."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.ids import MessageEvent
from storage.models import (
    DigestPost,
    DigestSettings,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    saved_id,
)
from tests.conftest import LD_CHANNEL, LENA, TEAM
from tests.scheduling_world import World
from tests.web_process import WebProcess, env
from tests.web_process import _free_port as free_port

pytestmark = pytest.mark.postgres

PEOPLE = [f"U0S{n:03d}" for n in range(24)]


def _clock(slack, db, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "clock"],
        env=env(slack, db, TOUCHPOINT_PASS_SECONDS="5", TOUCHPOINT_METRICS_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _passes(port: int) -> int:
    """How many passes a clock process has finished, from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            text = reply.read().decode()
    except OSError:
        return 0
    line = next((x for x in text.splitlines() if x.startswith("touchpoint_pass_duration_seconds_count")), "")
    return int(float(line.split()[-1])) if line else 0


def _tagged(slack, channel: str, event: MessageEvent) -> list:
    return [m for m in slack.messages_in(channel) if (m.metadata or {}).get("event_type") == event]


def _dms_by_touchpoint(slack) -> Counter:
    return Counter(
        m.metadata["event_payload"]["touchpoint"]
        for m in slack.messages
        if m.channel.startswith("D") and (m.metadata or {}).get("event_type") == MessageEvent.TOUCHPOINT_SENT
    )


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_two_web_and_two_clock_processes_send_everything_exactly_once(slack, db, tmp_path):
    world = World.make(slack, db)
    opened = datetime.now(UTC) - timedelta(minutes=1)
    kickoffs: list[int] = []
    for k in range(0, len(PEOPLE), 6):  # four initiatives of six stakeholders
        group = dict.fromkeys(PEOPLE[k : k + 6], "UTC")
        ids = world.open(opened, group, name=f"Initiative {k}", send=False)
        world.make_due(ids, opened)
        kickoffs += ids
    webs = [WebProcess(slack, db, tmp_path) for n in range(2)]
    ports = [free_port() for _ in range(2)]
    clocks = [_clock(slack, db, port) for port in ports]
    try:
        # Day 1: the kickoffs go out, once each, whichever clock claims them.
        slack.wait_for(lambda: len(_dms_by_touchpoint(slack)) == len(kickoffs), timeout=90)
        # Two thirds answer, alternately through each web process; each answer's summary is posted once.
        answering = {t.id: t for t in world.touchpoints() if t.id in kickoffs}
        with db.reading() as session:
            user_of = {s.id: s.user_id for s in session.exec(select(Stakeholder))}
        answered = []
        for n, (touchpoint_id, touchpoint) in enumerate(sorted(answering.items())):
            if n % 3 == 2:
                continue
            user_id = user_of[touchpoint.stakeholder_id]
            reply = webs[n % 2].submit_answer(user_id, touchpoint_id, f"Shorter ramp-up, answer {n}")
            assert reply.status == 200, reply.body
            answered.append(touchpoint_id)
        slack.wait_for(lambda: len(_tagged(slack, LD_CHANNEL, MessageEvent.ANSWER_SUMMARY_POSTED)) >= len(answered))
        # The week's digest falls due: both clocks see it, one posts it.
        now = datetime.now(UTC) - timedelta(minutes=2)
        with db.session() as session:
            session.add(
                DigestSettings(team_id=TEAM, weekday=now.weekday(), send_time=now.strftime("%H:%M"), updated_by=LENA)
            )
        slack.wait_for(lambda: _tagged(slack, LD_CHANNEL, MessageEvent.DIGEST_POSTED), timeout=60)

        # Day 2 (the data's clock moved on): the unanswered are reminded, the answered get their first check-in.
        unanswered = [t for t in kickoffs if t not in answered]
        with db.session() as session:
            session.execute(
                update(Touchpoint).where(col(Touchpoint.id).in_(unanswered)).values(remind_at=datetime.now(UTC))
            )
        due = datetime.now(UTC) - timedelta(minutes=1)
        with db.session() as session:
            rows = [
                Touchpoint(
                    team_id=TEAM,
                    initiative_id=answering[t].initiative_id,
                    stakeholder_id=answering[t].stakeholder_id,
                    kind=TouchpointKind.CHECKIN,
                    period=due.strftime("%Y-%m"),
                    status=TouchpointStatus.PENDING,
                    due_at=due,
                    attempts=0,
                )
                for t in answered
            ]
            session.add_all(rows)
            session.flush()
            checkins = [saved_id(r) for r in rows]
        slack.wait_for(lambda: len(_dms_by_touchpoint(slack)) == len(kickoffs) + len(checkins), timeout=90)
        slack.wait_for(lambda: all(t.reminded_at for t in world.touchpoints() if t.id in unanswered), timeout=60)
        # A few more passes of both clocks, in case anything were to go out twice.
        passes = [_passes(port) for port in ports]
        slack.wait_for(lambda: all(_passes(p) >= n + 2 for p, n in zip(ports, passes, strict=True)), timeout=60)
    finally:
        for clock in clocks:
            clock.terminate()
        for web in webs:
            web.process.terminate()
        codes = [p.wait(timeout=30) for p in clocks + [w.process for w in webs]]
    assert codes == [0, 0, 0, 0], [p.stderr.read() for p in clocks + [w.process for w in webs] if p.stderr]

    assert set(_dms_by_touchpoint(slack).values()) == {1}  # every kickoff and check-in once
    assert set(_dms_by_touchpoint(slack)) == set(kickoffs) | set(checkins)
    summaries = Counter(
        m.metadata["event_payload"]["answer_post"]
        for m in _tagged(slack, LD_CHANNEL, MessageEvent.ANSWER_SUMMARY_POSTED)
    )
    assert len(summaries) == len(answered) and set(summaries.values()) == {1}
    # Each week's digest once (today's, and last Monday's too when this runs within a day or so of it), each part once.
    parts = Counter(
        m.metadata["event_payload"]["digest_part"] for m in _tagged(slack, LD_CHANNEL, MessageEvent.DIGEST_POSTED)
    )
    with db.reading() as session:
        weeks = [d.week for d in session.exec(select(DigestPost))]
    assert set(parts.values()) == {1} and len([p for p in parts if p.endswith(":0")]) == len(weeks) >= 1
    reminders = Counter(
        m.channel
        for m in slack.messages
        # Reminders carry no metadata of their own (a planning touchpoint, due in December before a January year,
        # does, and is not one).
        if m.channel.startswith("D") and not (m.metadata or {}).get("event_type")
    )
    assert len(reminders) == len(unanswered) and set(reminders.values()) == {1}
