"""Scale-out on PostgreSQL, proven with real processes: two web processes (`python -m bot`) and two clock processes
(`touchpoint clock`) on one database, the simulated Slack sending signed requests to both web processes. Over two
simulated days (the data's clock moved, the processes' left real), every DM, answer summary and digest goes out
exactly once: with one bot token, and in installs mode for two workspaces installed through the OAuth redirect, each
team's work with its own token, to its own people and channels only."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.ids import Block, MessageEvent
from bot.simulator import Workspace
from storage.models import (
    DigestPost,
    DigestSettings,
    Stakeholder,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    saved_id,
)
from storage.repositories import team_settings as team_rows
from tests.conftest import LD_CHANNEL, LENA, SECRET, TEAM
from tests.flows import all_text
from tests.scheduling_world import World, noon_zone
from tests.test_installs import ACME, ADA, CARA, GLOBEX, REDIRECT, install
from tests.web_process import WebProcess, env, installs_env
from tests.web_process import _free_port as free_port

pytestmark = pytest.mark.postgres

PEOPLE = [f"U0S{n:03d}" for n in range(24)]


def _clock(environment: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "clock"],
        env={**environment, "TOUCHPOINT_PASS_SECONDS": "5", "TOUCHPOINT_METRICS_PORT": str(port)},
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


def _two_more_passes(slack, ports: list[int]) -> None:
    """A few more passes of every clock, in case anything were to go out twice."""
    passes = [_passes(port) for port in ports]
    slack.wait_for(lambda: all(_passes(p) >= n + 2 for p, n in zip(ports, passes, strict=True)), timeout=60)


def _stop(clocks: list[subprocess.Popen], webs: list[WebProcess]) -> list[tuple[int, str]]:
    """Every process asked to stop: each one's exit code and what it wrote to stderr."""
    for clock in clocks:
        clock.terminate()
    for web in webs:
        web.process.terminate()
    processes = clocks + [w.process for w in webs]
    codes = [p.wait(timeout=30) for p in processes]
    return [(code, p.stderr.read() if p.stderr else "") for code, p in zip(codes, processes, strict=True)]


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
    clocks = [_clock(env(slack, db), port) for port in ports]
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
        _two_more_passes(slack, ports)
    finally:
        stopped = _stop(clocks, webs)
    assert all(code == 0 for code, _ in stopped), stopped  # each stopped cleanly

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


TEAMS = {ACME: (ADA, "C0ACMELD"), GLOBEX: (CARA, "C0GLOBEXLD")}
STAKEHOLDERS = {team_id: [f"U0{team_id[2]}{n:02d}" for n in range(12)] for team_id in TEAMS}


def _install_teams(slack) -> None:
    """Both workspaces, each with its installer, twelve stakeholders where it is now the middle of the day, and its
    L&D channel; the app registered with the redirect URL."""
    zone = noon_zone(datetime.now(UTC))
    for team_id, (installer, channel) in TEAMS.items():
        workspace = slack.add_workspace(team_id, name=team_id.removeprefix("T0").title())
        workspace.add_user(installer, installer.removeprefix("U0").title(), tz=zone)
        for user_id in STAKEHOLDERS[team_id]:
            workspace.add_user(user_id, f"Person {user_id}", tz=zone)
        workspace.add_channel(channel)
    slack.cloud.app.redirect_urls = (REDIRECT,)


def _open_initiative(web: WebProcess, slack, team_id: str, name: str, stakeholders: list[str]) -> None:
    """The team's installer opens an initiative through this web process: `/touchpoint new`, the modal submitted."""
    installer, _ = TEAMS[team_id]
    workspace = slack.workspace(team_id)
    people = Workspace(workspace, web.url + "/slack/events", SECRET)
    before = len(workspace.views_for(installer))
    assert people.slash(installer, "new").status == 200
    view = workspace.wait_for(lambda: workspace.views_for(installer)[before:])[0]
    values: dict[str, Any] = {Block.NAME: name, Block.GOAL: "Grow revenue per rep", Block.STAKEHOLDERS: stakeholders}
    reply = people.submit(installer, view, values)
    assert reply.status == 200 and "errors" not in reply.body, reply.body


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_two_workspaces_installed_through_oauth_get_everything_exactly_once_and_only_their_own(slack, db, tmp_path):
    """Installs mode: two web and two clock processes, two workspaces installed through the real redirect; each
    team's DMs, summaries, reminders and digests go out once, with its own token, to its own people and channels."""
    _install_teams(slack)
    environment = installs_env(slack, db, REDIRECT)
    webs = [WebProcess(slack, db, tmp_path, environment) for _ in range(2)]
    ports = [free_port() for _ in range(2)]
    clocks = [_clock(environment, port) for port in ports]
    world = World.make(slack, db)
    kickoffs: dict[str, list[int]] = {}
    answered: dict[str, list[int]] = {}
    checkins: dict[str, list[int]] = {}
    try:
        for n, (team_id, (installer, channel)) in enumerate(TEAMS.items()):
            page = install(webs[n].url, slack, team_id, installer)  # each through a different web process
            assert "Thank you!" in page or "installation" in page.lower()
            with db.session() as session:  # the installer chose the team's L&D channel
                team_rows.save_team_settings(session, team_id, {"ld_channel_id": channel})
        # Each team opens two initiatives of six stakeholders, one through each web process.
        for team_id in TEAMS:
            for k, web in enumerate(webs):
                _open_initiative(
                    web, slack, team_id, f"{team_id} initiative {k}", STAKEHOLDERS[team_id][6 * k : 6 * k + 6]
                )
        for team_id in TEAMS:
            with db.reading() as session:
                ids = list(session.exec(select(Touchpoint.id).where(Touchpoint.team_id == team_id)))
            kickoffs[team_id] = [i for i in ids if i is not None]
            assert len(kickoffs[team_id]) == 12
            # Any kickoff not sent at once (it is not a working day where the people are) falls due now, for the clocks.
            world.make_due(kickoffs[team_id], datetime.now(UTC) - timedelta(minutes=1), team_id)
        for team_id in TEAMS:
            workspace = slack.workspace(team_id)
            workspace.wait_for(
                lambda w=workspace, t=team_id: len(_dms_by_touchpoint(w)) == len(kickoffs[t]), timeout=90
            )

        # Two thirds of each team answer, alternately through each web process.
        with db.reading() as session:
            user_of = {s.id: s.user_id for s in session.exec(select(Stakeholder))}
            stakeholder_of = {t.id: t.stakeholder_id for t in session.exec(select(Touchpoint))}
        for team_id in TEAMS:
            people = [Workspace(slack.workspace(team_id), web.url + "/slack/events", SECRET) for web in webs]
            answered[team_id] = []
            for n, touchpoint_id in enumerate(sorted(kickoffs[team_id])):
                if n % 3 == 2:
                    continue
                user_id = user_of[stakeholder_of[touchpoint_id]]
                reply = webs[n % 2].submit_answer(
                    user_id, touchpoint_id, f"{team_id} answer {n}", workspace=people[n % 2]
                )
                assert reply.status == 200, reply.body
                answered[team_id].append(touchpoint_id)
        for team_id, (_, channel) in TEAMS.items():
            workspace = slack.workspace(team_id)
            workspace.wait_for(
                lambda w=workspace, c=channel, t=team_id: (
                    len(_tagged(w, c, MessageEvent.ANSWER_SUMMARY_POSTED)) >= len(answered[t])
                )
            )
        # Each team's weekly digest falls due.
        now = datetime.now(UTC) - timedelta(minutes=2)
        with db.session() as session:
            session.add_all(
                DigestSettings(team_id=t, weekday=now.weekday(), send_time=now.strftime("%H:%M"), updated_by=i)
                for t, (i, _) in TEAMS.items()
            )
        for team_id, (_, channel) in TEAMS.items():
            workspace = slack.workspace(team_id)
            workspace.wait_for(lambda w=workspace, c=channel: _tagged(w, c, MessageEvent.DIGEST_POSTED), timeout=60)

        # Day 2: the unanswered are reminded, the answered get their first check-in.
        due = datetime.now(UTC) - timedelta(minutes=1)
        unanswered_ids: set[int] = set()
        for team_id in TEAMS:
            unanswered = [t for t in kickoffs[team_id] if t not in answered[team_id]]
            unanswered_ids.update(unanswered)
            with db.session() as session:
                session.execute(
                    update(Touchpoint).where(col(Touchpoint.id).in_(unanswered)).values(remind_at=datetime.now(UTC))
                )
                rows = [
                    Touchpoint(
                        team_id=team_id,
                        initiative_id=session.get_one(Touchpoint, t).initiative_id,
                        stakeholder_id=stakeholder_of[t],
                        kind=TouchpointKind.CHECKIN,
                        period=due.strftime("%Y-%m"),
                        status=TouchpointStatus.PENDING,
                        due_at=due,
                        attempts=0,
                    )
                    for t in answered[team_id]
                ]
                session.add_all(rows)
                session.flush()
                checkins[team_id] = [saved_id(r) for r in rows]
        for team_id in TEAMS:
            workspace = slack.workspace(team_id)
            expected = len(kickoffs[team_id]) + len(checkins[team_id])
            workspace.wait_for(lambda w=workspace, n=expected: len(_dms_by_touchpoint(w)) == n, timeout=90)
        slack.wait_for(
            lambda: all(t.reminded_at for t in world.touchpoints() if t.id in unanswered_ids),
            timeout=60,
        )
        _two_more_passes(slack, ports)
    finally:
        stopped = _stop(clocks, webs)
    assert all(code == 0 for code, _ in stopped), stopped  # each stopped cleanly

    # Every call with a token was made with a token of the workspace it reached: the default workspace (which an
    # unknown, revoked or expired token reaches) saw only the two code exchanges, which take no token.
    assert [c.method for c in slack.calls] == ["oauth.v2.access", "oauth.v2.access"]
    for team_id, (installer, channel) in TEAMS.items():
        workspace, other = slack.workspace(team_id), slack.workspace(next(t for t in TEAMS if t != team_id))
        sent = _dms_by_touchpoint(workspace)
        assert set(sent.values()) == {1} and set(sent) == set(kickoffs[team_id]) | set(checkins[team_id])
        summaries = Counter(
            m.metadata["event_payload"]["answer_post"]
            for m in _tagged(workspace, channel, MessageEvent.ANSWER_SUMMARY_POSTED)
        )
        assert len(summaries) == len(answered[team_id]) and set(summaries.values()) == {1}
        parts = Counter(
            m.metadata["event_payload"]["digest_part"] for m in _tagged(workspace, channel, MessageEvent.DIGEST_POSTED)
        )
        with db.reading() as session:
            weeks = [d.week for d in session.exec(select(DigestPost).where(DigestPost.team_id == team_id))]
        assert set(parts.values()) == {1} and len([p for p in parts if p.endswith(":0")]) == len(weeks) >= 1
        reminders = Counter(
            m.channel
            for m in workspace.messages
            if m.channel.startswith("D") and not (m.metadata or {}).get("event_type")
        )
        unanswered_dms = {workspace.dm_channel(user_of[stakeholder_of[t]]) for t in kickoffs[team_id]} - {
            workspace.dm_channel(user_of[stakeholder_of[t]]) for t in answered[team_id]
        }
        assert set(reminders) - {workspace.dm_channel(installer)} == unanswered_dms
        assert all(reminders[c] == 1 for c in unanswered_dms)
        # Only its own people and channels; nothing of the other team.
        own = {channel} | {workspace.dm_channel(u) for u in [installer, *STAKEHOLDERS[team_id]]}
        assert {m.channel for m in workspace.messages} <= own
        assert not any(f"{other.team_id} initiative" in all_text(m) for m in workspace.messages)
