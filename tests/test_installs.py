"""Installs into many workspaces: two workspaces of the simulated Slack each install Touchpoint through the real
"Add to Slack" redirect (/slack/install, Slack's authorize page, /slack/oauth_redirect with its state checked,
oauth.v2.access), the installer becomes the team's first L&D member and is welcomed; then each team's requests run
with its own token, and nothing of one is seen by, sent to or counted for the other."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from html import unescape
from pathlib import Path
from urllib.parse import urlparse

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import select

from bot.app import NOT_INSTALLED, TouchpointApp, create_app
from bot.cli import _pass_runner
from bot.ids import BOT_SCOPES, Block
from bot.server import ServerThread
from bot.services import business_calendar as calendar_service
from bot.settings import Settings, SettingsError, load_settings
from bot.simulator import FakeSlackApi, Workspace
from bot.simulator.webapi import TOKEN
from bot.slack.workspaces import acting_for
from storage.db import Database
from storage.models import Initiative, InitiativeStakeholder, PlanningAsk, PostStatus, TeamState
from storage.repositories import calibration as calibration_rows
from storage.repositories import installs as install_rows
from storage.repositories import map_messages as map_rows
from storage.repositories import team_settings as team_rows
from tests import flows
from tests.conftest import LD_CHANNEL, LENA, SAM, SECRET, TEAM, WORKING_AFTERNOON, Running, Waits, make_settings
from tests.manifest_usage import SLACK_USAGE
from tests.test_workbook import _filled

REDIRECT = "https://touchpoint.example.com/slack/oauth_redirect"
ACME, GLOBEX = "T0ACME", "T0GLOBEX"
ADA, BEN = "U0ADA", "U0BEN"  # Acme: Ada installs, Ben is a stakeholder
CARA, DEV = "U0CARA", "U0DEV"  # Globex: Cara installs, Dev is a stakeholder


@dataclass
class Installed:
    touchpoint: TouchpointApp
    url: str
    slack: FakeSlackApi
    settings: Settings

    def workspace(self, team_id: str) -> Workspace:
        return Workspace(self.slack.workspace(team_id), self.url + "/slack/events", SECRET)

    @property
    def db(self) -> Database:
        return self.touchpoint.deps.db


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def install(url: str, slack: FakeSlackApi, team_id: str, user_id: str) -> str:
    """A person's browser through "Add to Slack": the app's install page (which sets the state cookie), Slack's
    authorize page (clicking Allow), and back to the app's redirect URL (sent to the app's server, as the TLS proxy
    in front of it would: the state cookie is Secure, so the browser's https is played by sending it by hand). The
    page the app ends on."""
    browser = urllib.request.build_opener(_NoRedirects)
    with browser.open(url + "/slack/install", timeout=10) as page:
        found = re.search(r'<a href="([^"]+)"', page.read().decode())
        assert found is not None, "the install page has no Add to Slack link"
        link = unescape(found[1])
        cookie = page.headers["Set-Cookie"].split(";")[0]
    assert "Secure" in page.headers["Set-Cookie"]
    assert link.startswith(slack.url.replace("/api/", "/oauth/v2/authorize?"))
    with pytest.raises(urllib.error.HTTPError) as allowed:
        browser.open(f"{link}&team={team_id}&user={user_id}", timeout=10)
    back = allowed.value.headers["Location"]
    assert allowed.value.code == 302 and back.startswith(REDIRECT + "?")
    request = urllib.request.Request(url + "/slack/oauth_redirect?" + urlparse(back).query, headers={"Cookie": cookie})
    with browser.open(request, timeout=10) as done:
        return done.read().decode()


@pytest.fixture
def two_teams(db) -> Iterator[Installed]:
    slack = FakeSlackApi(usage=SLACK_USAGE)
    acme, globex = slack.add_workspace(ACME, name="Acme"), slack.add_workspace(GLOBEX, name="Globex")
    for workspace, people in ((acme, (ADA, BEN)), (globex, (CARA, DEV))):
        for user_id in people:
            workspace.add_user(user_id, user_id.removeprefix("U0").title())
    acme.add_channel("C0ACMELD")
    globex.add_channel("C0GLOBEXLD")
    app = slack.cloud.app
    app.redirect_urls = (REDIRECT,)
    settings = load_settings(
        slack_client_id=app.client_id,
        slack_client_secret=app.client_secret,
        slack_redirect_uri=REDIRECT,
        slack_signing_secret=SECRET,
        slack_api_url="http://127.0.0.1:1/api/",  # replaced below, once the simulator has its port
        database_url=db.url,
    )
    with slack, freeze_time(WORKING_AFTERNOON, tick=True):
        settings = settings.model_copy(update={"slack_api_url": slack.url})
        touchpoint = create_app(settings, db=Database(db.url), retry_sleep=lambda _: None)
        server = ServerThread(touchpoint).start()
        app.events_url, app.signing_secret = server.url + "/slack/events", SECRET
        try:
            yield Installed(touchpoint, server.url, slack, settings)
        finally:
            touchpoint.deps.background.wait_idle(timeout=20)
            server.stop()
            touchpoint.close()


def test_each_workspace_installs_through_the_redirect_and_its_installer_is_its_first_ld_member(two_teams):
    for team_id, installer in ((ACME, ADA), (GLOBEX, CARA)):
        page = install(two_teams.url, two_teams.slack, team_id, installer)
        assert "Thank you!" in page or "installation" in page.lower()

    store = two_teams.touchpoint.deps.installs.store
    for team_id, installer, other in ((ACME, ADA, GLOBEX), (GLOBEX, CARA, ACME)):
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        assert bot is not None and bot.bot_token.startswith(f"xoxb-{team_id}-")
        with two_teams.db.reading() as session:
            status, kept = install_rows.status(session, team_id), team_rows.team_settings(session, team_id)
        assert status is not None and status.state == TeamState.ACTIVE
        assert kept is not None and kept.admin_user_ids == installer and kept.ld_channel_id == ""
        workspace = two_teams.slack.workspace(team_id)
        [welcome] = workspace.messages_in(workspace.dm_channel(installer))
        assert "first L&D member" in welcome.text and "Team settings" in welcome.text
        assert not any(m.channel == workspace.dm_channel(installer) for m in two_teams.slack.workspace(other).messages)


def test_a_state_that_was_never_issued_is_refused_and_installs_nothing(two_teams):
    code = two_teams.slack.cloud.authorize(ACME, ADA, REDIRECT)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{two_teams.url}/slack/oauth_redirect?code={code}&state=forged", timeout=10)
    assert refused.value.code == 400
    assert two_teams.touchpoint.deps.installs.store.find_bot(enterprise_id=None, team_id=ACME) is None
    assert two_teams.slack.calls_to("oauth.v2.access") == []  # the code was never exchanged


def test_each_teams_requests_run_with_its_own_token_and_touch_only_its_own_workspace(two_teams):
    for team_id, installer in ((ACME, ADA), (GLOBEX, CARA)):
        install(two_teams.url, two_teams.slack, team_id, installer)
    for team_id, installer, other in ((ACME, ADA, GLOBEX), (GLOBEX, CARA, ACME)):
        before = len(two_teams.slack.workspace(other).calls)
        reply = two_teams.workspace(team_id).slash(installer, "help")
        assert reply.status == 200
        reply = two_teams.workspace(team_id).open_home(installer, event_id=f"Ev{team_id}")
        assert reply.status == 200
        home = two_teams.slack.workspace(team_id).wait_for(
            lambda t=team_id, u=installer: two_teams.slack.workspace(t).home_of(u)
        )
        assert home is not None and "One step left" in json.dumps(home)  # no L&D channel chosen yet
        assert len(two_teams.slack.workspace(other).calls) == before  # nothing of this team reached the other
        assert two_teams.slack.workspace(other).home_of(installer) is None
    # The default workspace (not installed) saw only the two code exchanges, which need no token.
    assert [c.method for c in two_teams.slack.calls] == ["oauth.v2.access", "oauth.v2.access"]


def test_add_to_slack_asks_for_exactly_the_manifests_bot_scopes():
    manifest = json.loads((Path(__file__).parent.parent / "manifest.json").read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    assert REDIRECT in manifest["oauth_config"]["redirect_urls"]


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({}, {"SLACK_BOT_TOKEN"}),
        ({"slack_bot_token": "xoxb-1", "slack_client_id": "1.2"}, {"SLACK_CLIENT_ID"}),
        ({"slack_client_id": "1.2", "slack_redirect_uri": REDIRECT}, {"SLACK_CLIENT_SECRET"}),
        ({"slack_client_id": "1.2", "slack_client_secret": "s"}, {"SLACK_REDIRECT_URI"}),
        (
            {
                "slack_client_id": "1.2",
                "slack_client_secret": "s",
                "slack_redirect_uri": REDIRECT,
                "slack_app_token": "xapp-1",
            },
            {"SLACK_APP_TOKEN"},
        ),
        ({"slack_bot_token": "xoxb-1"}, {"LD_CHANNEL_ID", "LD_ADMIN_USER_IDS"}),
    ],
)
def test_settings_say_which_combination_is_wrong(given, named):
    with pytest.raises(SettingsError) as refused:
        load_settings(slack_signing_secret=SECRET, **given)
    assert {variable for variable, _ in refused.value.problems} == named


def test_installs_need_no_ld_channel_and_take_the_public_url_for_the_redirect():
    settings = load_settings(
        slack_client_id="1.2",
        slack_client_secret="s",
        touchpoint_public_url="https://touchpoint.example.com/",
        slack_signing_secret=SECRET,
    )
    assert settings.installs and settings.redirect_uri == REDIRECT and settings.touchpoint_keep_days == 30


TEAMS = ((ACME, ADA, BEN, "C0ACMELD"), (GLOBEX, CARA, DEV, "C0GLOBEXLD"))


def _installed_with_an_initiative_each(two_teams: Installed) -> None:
    for team_id, installer, stakeholder, channel in TEAMS:
        install(two_teams.url, two_teams.slack, team_id, installer)
        with two_teams.db.session() as session:  # the installer chose the team's L&D channel
            team_rows.save_team_settings(session, team_id, {"ld_channel_id": channel})
        two_teams.touchpoint.deps.ld_team.saved(team_id)
        slack = two_teams.slack.workspace(team_id)
        team = Running(two_teams.touchpoint, two_teams.url, two_teams.workspace(team_id), slack, Waits())
        flows.open_initiative(team, installer, name=f"{team_id} onboarding", stakeholders=[stakeholder])
        kickoff = slack.wait_for(partial(slack.messages_in, slack.dm_channel(stakeholder)))
        assert f"{team_id} onboarding" in flows.all_text(kickoff[0])


def _refreshes(slack: FakeSlackApi) -> list:
    return [c for c in slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]


def test_the_clock_sends_each_teams_work_with_its_own_token_refreshed_before_it_expires(two_teams):
    two_teams.slack.cloud.app.rotation = True
    _installed_with_an_initiative_each(two_teams)
    calls = {team_id: len(two_teams.slack.workspace(team_id).calls) for team_id, *_ in TEAMS}
    with freeze_time("2027-01-11 09:05:00", tick=True):  # a Monday's digest time, days after the tokens expired
        report = _pass_runner(two_teams.settings, two_teams.db)()
        assert report.digests == 2 and not report.errors
        assert len(_refreshes(two_teams.slack)) == 2  # each team's token refreshed once, before its first call
        for (team_id, _, _, channel), (other, *_) in zip(TEAMS, reversed(TEAMS), strict=True):
            workspace = two_teams.slack.workspace(team_id)
            [digest] = [m for m in workspace.messages_in(channel) if m.metadata]
            assert f"{team_id} onboarding" in flows.all_text(digest)
            assert f"{other} onboarding" not in flows.all_text(digest)
            assert two_teams.slack.workspace(other).messages_in(channel) == []
            assert len(workspace.calls) > calls[team_id]
        # The web process's own token for a team is refreshed too, before a request uses it.
        assert two_teams.workspace(ACME).slash(ADA, "help").status == 200
        assert len(_refreshes(two_teams.slack)) == 3


def test_an_uninstalled_team_gets_nothing_and_its_data_goes_after_the_time_kept(two_teams):
    _installed_with_an_initiative_each(two_teams)
    replies = two_teams.slack.uninstall(GLOBEX)
    assert [r.status for r in replies] == [200, 200]
    with two_teams.db.reading() as session:
        status = install_rows.status(session, GLOBEX)
    assert status is not None and status.state == TeamState.UNINSTALLED
    assert status.delete_after is not None and status.delete_after.date().isoformat() == "2027-02-04"  # 30 days
    assert two_teams.touchpoint.deps.installs.store.find_bot(enterprise_id=None, team_id=GLOBEX) is None

    globex = two_teams.slack.workspace(GLOBEX)
    before = len(globex.calls)
    refused = two_teams.workspace(GLOBEX).slash(CARA, "list")
    assert refused.status == 200
    assert globex.wait_for(lambda: globex.responses)[-1]["text"] == NOT_INSTALLED  # told, politely, in private
    with freeze_time("2027-01-11 09:05:00", tick=True):
        report = _pass_runner(two_teams.settings, two_teams.db)()
    assert report.digests == 1  # Acme's only
    assert len(globex.calls) == before  # nothing was sent to, or asked of, the uninstalled workspace

    with freeze_time("2027-02-04 15:01:00", tick=True):
        _pass_runner(two_teams.settings, two_teams.db)()
    with two_teams.db.reading() as session:
        teams = {i.team_id for i in session.exec(select(Initiative)).all()}
        status = install_rows.status(session, GLOBEX)
    assert teams == {ACME} and status is not None and status.state == TeamState.DELETED


def test_a_teams_pass_queues_planning_calibration_and_map_alerts_for_its_own_team_only_never_an_uninstalled_one(
    two_teams,
):
    _installed_with_an_initiative_each(two_teams)  # Ben (Acme) and Dev (Globex): high influence, years from January
    window = datetime(2027, 11, 8, 15, tzinfo=UTC)  # the first working day of the eight weeks before 2028
    with two_teams.db.session() as session, acting_for(ACME):
        assert calendar_service.queue(session, window, "UTC") == 1  # Acme's unit of work: Ben's, not Dev's
        assert {a.team_id for a in session.exec(select(PlanningAsk)).all()} == {ACME}
    with two_teams.db.session() as session:  # both stakeholders silent for two cycles: at risk on the map
        session.execute(update(InitiativeStakeholder).values(silent_cycles=2))
    with two_teams.db.reading() as session, acting_for(ACME):  # what else a pass queues: its own team's only
        assert {i.team_id for i, _ in calibration_rows.active_initiatives(session)} == {ACME}
        assert {p.team_id for p, _, _ in map_rows.at_risk(session, None, 10)} == {ACME}
    two_teams.slack.uninstall(GLOBEX)
    with two_teams.db.reading() as session:  # with no team in particular (one bot token): never an uninstalled one
        assert {i.team_id for i, _ in calibration_rows.active_initiatives(session)} == {ACME}
        assert {p.team_id for p, _, _ in map_rows.at_risk(session, None, 10)} == {ACME}
    with freeze_time(window.isoformat(), tick=True):
        report = _pass_runner(two_teams.settings, two_teams.db)()
    assert report.planning == 1
    with two_teams.db.reading() as session:
        assert [(a.team_id, a.status) for a in session.exec(select(PlanningAsk)).all()] == [(ACME, PostStatus.POSTED)]
    globex = two_teams.slack.workspace(GLOBEX)
    assert not [m for m in globex.messages_in(globex.dm_channel(DEV)) if "Next year is being planned" in m.text]


def test_reinstalling_before_the_data_goes_restores_the_team(two_teams):
    _installed_with_an_initiative_each(two_teams)
    two_teams.slack.uninstall(GLOBEX)
    install(two_teams.url, two_teams.slack, GLOBEX, CARA)
    with two_teams.db.reading() as session:
        status, kept = install_rows.status(session, GLOBEX), team_rows.team_settings(session, GLOBEX)
    assert status is not None and status.state == TeamState.ACTIVE and status.delete_after is None
    assert kept is not None and kept.ld_channel_id == "C0GLOBEXLD"  # the team's settings, as they were
    welcome = two_teams.slack.workspace(GLOBEX).messages_in(two_teams.slack.workspace(GLOBEX).dm_channel(CARA))[-1]
    assert "installed again" in welcome.text
    with freeze_time("2027-01-11 09:05:00", tick=True):
        assert _pass_runner(two_teams.settings, two_teams.db)().digests == 2


def test_an_ld_member_deletes_the_teams_data_now_after_confirming_and_the_other_team_keeps_its_own(two_teams):
    _installed_with_an_initiative_each(two_teams)
    acme, people = two_teams.slack.workspace(ACME), two_teams.workspace(ACME)
    refused = people.slash(BEN, "delete my data")  # a stakeholder, not an L&D member
    assert refused.status == 200 and "only the L&amp;D team" in refused.json()["text"] and acme.views_for(BEN) == []

    before = len(acme.views_for(ADA))
    assert people.slash(ADA, "delete my data").status == 200
    [modal] = acme.wait_for(lambda: acme.views_for(ADA)[before:])
    assert modal["callback_id"] == "team_data_delete"
    wrong = people.submit(ADA, modal, {Block.DELETE_CONFIRM: "delete"}).json()
    assert wrong["response_action"] == "errors" and "DELETE" in wrong["errors"][Block.DELETE_CONFIRM]
    with two_teams.db.reading() as session:
        assert {i.team_id for i in session.exec(select(Initiative)).all()} == {ACME, GLOBEX}

    done = people.submit(ADA, modal, {Block.DELETE_CONFIRM: "DELETE"}).json()
    assert done["response_action"] == "update"
    with two_teams.db.reading() as session:
        teams = {i.team_id for i in session.exec(select(Initiative)).all()}
        status, kept = install_rows.status(session, ACME), team_rows.team_settings(session, ACME)
    assert teams == {GLOBEX}
    assert status is not None and status.state == TeamState.ACTIVE  # still installed, starting afresh
    assert kept is not None and kept.admin_user_ids == ADA and kept.ld_channel_id == ""
    assert two_teams.touchpoint.deps.installs.store.find_bot(enterprise_id=None, team_id=ACME) is not None


def _settle(two_teams: Installed) -> None:
    assert two_teams.touchpoint.deps.interactive.wait_idle(timeout=20)
    assert two_teams.touchpoint.deps.background.wait_idle(timeout=20)


def test_each_teams_commands_export_and_import_touch_only_its_own_workspace(two_teams):
    """Both teams through the same steps; while one team takes them, the other workspace sees no call at all."""
    _installed_with_an_initiative_each(two_teams)
    for (team_id, installer, stakeholder, _), (other, _, other_stakeholder, _) in zip(
        TEAMS, reversed(TEAMS), strict=True
    ):
        mine, theirs, people = (
            two_teams.slack.workspace(team_id),
            two_teams.slack.workspace(other),
            two_teams.workspace(team_id),
        )
        before = len(theirs.calls)
        for text in ("list", "upcoming", "shifts", "alignment", "digest"):
            reply = people.slash(installer, text)
            assert reply.status == 200 and f"{other} onboarding" not in reply.body, text

        assert people.slash(installer, "export").status == 200
        _settle(two_teams)
        [shared] = [m for m in mine.messages_in(mine.dm_channel(installer)) if m.files]
        workbook = load_workbook(io.BytesIO(mine.files[shared.files[0]]["content"]))
        names = [row[0] for row in workbook["Initiatives"].iter_rows(min_row=2, values_only=True)]
        assert names == [f"{team_id} onboarding"]

        # A workbook naming the other workspace's stakeholder: that person is unknown here, as Slack says.
        plan = _filled([("Safety refresher", "Fewer injuries")], [("Safety refresher", other_stakeholder)])
        file_id, message = mine.share_file(installer, "plan.xlsx", plan, text="import")
        event = {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": message.channel,
            "user": installer,
            "text": "import",
            "ts": message.ts,
            "files": [{"id": file_id, "name": "plan.xlsx"}],
        }
        people.event(event, event_id=f"Ev{team_id}IMPORT1")
        _settle(two_teams)
        told = mine.messages_in(mine.dm_channel(installer))[-1]
        assert "refused and nothing was changed" in told.text and f"unknown user {other_stakeholder}" in told.text

        plan = _filled([("Safety refresher", "Fewer injuries")], [("Safety refresher", stakeholder)])
        file_id, message = mine.share_file(installer, "plan.xlsx", plan, text="import")
        people.event({**event, "files": [{"id": file_id}], "ts": message.ts}, event_id=f"Ev{team_id}IMPORT2")
        _settle(two_teams)
        assert "Imported plan.xlsx: 1 initiative" in mine.messages_in(mine.dm_channel(installer))[-1].text
        assert len(theirs.calls) == before  # nothing of this team's reached the other workspace

    with two_teams.db.reading() as session:
        rows = session.exec(select(Initiative)).all()
    assert sorted((i.team_id, i.name) for i in rows) == sorted(
        [
            (ACME, f"{ACME} onboarding"),
            (ACME, "Safety refresher"),
            (GLOBEX, f"{GLOBEX} onboarding"),
            (GLOBEX, "Safety refresher"),
        ]
    )


def test_with_one_bot_token_an_uninstalled_workspace_gets_nothing_until_its_token_works_again(app, slack):
    """SLACK_BOT_TOKEN mode: app_uninstalled stops the workspace's digests and claims; a process that starts with a
    token Slack accepts again (the app reinstalled) makes it active again, with its data."""
    flows.open_initiative(app, LENA, stakeholders=[SAM])
    settings = make_settings(slack, app.db)
    assert app.workspace.event({"type": "app_uninstalled"}, event_id="Ev0GONE").status == 200
    with app.db.reading() as session:
        status = install_rows.status(session, TEAM)
    assert status is not None and status.state == TeamState.UNINSTALLED
    slack.cloud.revoke(TEAM)  # as Slack does when the app is removed
    with freeze_time("2027-01-11 09:05:00", tick=True):
        assert _pass_runner(settings, app.db)().digests == 0
    assert {c.method for c in slack.calls[-1:]} == {"auth.test"}  # the token checked at start, then nothing tried

    slack.cloud.issue(TEAM, TOKEN)  # reinstalled: Slack accepts the token again
    with freeze_time("2027-01-11 09:06:00", tick=True):
        assert _pass_runner(settings, app.db)().digests == 1
    assert [m for m in slack.messages_in(LD_CHANNEL) if m.metadata]
