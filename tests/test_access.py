"""Who may manage initiatives is decided inside a listener's 3 seconds, whatever Slack does meanwhile."""

from __future__ import annotations

import threading
import time

from bot.access import LdTeam, UserGroup
from bot.services.team_settings import TeamDefaults
from tests.conftest import CHRIS, LD_CHANNEL, TEAM

GROUP = "S0LDTEAM"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _with_group(server, slack, clock: Clock):
    slack.usergroups[GROUP] = [CHRIS]
    server.settings = {"ld_usergroup_id": GROUP}
    app = server.start()
    deps = app.touchpoint.deps
    defaults = TeamDefaults(LD_CHANNEL, deps.settings.ld_admin_user_ids, GROUP)
    deps.ld_team = LdTeam(deps.db, defaults, deps.slack_now, monotonic=clock)
    return app


def _allowed(reply) -> bool:
    return "only the L&amp;D team" not in reply.body and "No initiatives yet" in reply.body


def test_a_rate_limited_user_group_read_still_acknowledges_at_once_with_the_members_last_read(server, slack):
    clock = Clock()
    app = _with_group(server, slack, clock)
    assert _allowed(app.workspace.slash(CHRIS, "list"))
    clock.now += UserGroup.TTL_SECONDS + 1  # the members read are stale: the next check reads them again
    slack.fail("usergroups.users.list", "ratelimited", times=100, status=429, retry_after=30)
    before = len(slack.calls_to("usergroups.users.list"))

    reply = app.workspace.slash(CHRIS, "list")
    assert reply.status == 200 and reply.seconds < 1.5, reply.seconds
    assert _allowed(reply)  # the members last read still count
    assert len(slack.calls_to("usergroups.users.list")) == before + 1  # asked once, not waited out 30 times

    again = app.workspace.slash(CHRIS, "list")  # within RETRY_SECONDS: Slack is not asked again
    assert _allowed(again) and len(slack.calls_to("usergroups.users.list")) == before + 1


def test_with_no_members_read_yet_a_rate_limit_refuses_quickly_rather_than_waiting(server, slack):
    app = _with_group(server, slack, Clock())
    slack.fail("usergroups.users.list", "ratelimited", times=100, status=429, retry_after=30)
    reply = app.workspace.slash(CHRIS, "list")
    assert reply.status == 200 and reply.seconds < 1.5, reply.seconds
    assert "only the L&amp;D team" in reply.body


def test_others_use_the_last_members_while_one_reads_them_slowly(server, slack):
    clock = Clock()
    app = _with_group(server, slack, clock)
    team = app.touchpoint.deps.ld_team
    assert team.is_member(TEAM, CHRIS)
    clock.now += UserGroup.TTL_SECONDS + 1
    slack.slow("usergroups.users.list", 1.0)
    reads = len(slack.calls_to("usergroups.users.list"))
    reader = threading.Thread(target=team.is_member, args=(TEAM, CHRIS))
    reader.start()
    slack.wait_for(lambda: len(slack.calls_to("usergroups.users.list")) > reads)

    started = time.perf_counter()
    assert team.is_member(TEAM, CHRIS)  # not blocked behind the reader's lock, and no second read
    assert time.perf_counter() - started < 0.5
    reader.join(timeout=10)
    assert not reader.is_alive() and len(slack.calls_to("usergroups.users.list")) == reads + 1
