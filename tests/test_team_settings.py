"""Team settings: the L&D channel, the L&D members and the digest, stored per team and edited from the L&D Home.

The environment gives a team its first values; once an L&D member saves the Team settings modal, the database's are
the team's (who may manage initiatives, where new initiatives post, where the digest goes) and the change is on
record."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from slack_sdk.models.views import View

from bot.access import LdTeam
from bot.errors import FormInvalid
from bot.ids import Action, Block, Callback
from bot.services import digest, team_settings
from bot.services.team_settings import TeamDefaults, TeamForm
from storage.models import DigestSettings, Initiative, TeamSettings, TeamSettingsChange
from storage.repositories import team_settings as team_rows
from tests.conftest import CHRIS, LD_CHANNEL, LENA, OLU, PRIYA, SAM, TEAM
from tests.flows import open_initiative, rows

NEW_LD = "C0NEWLD"
SECRET_ROOM = "G0SECRET"  # a private channel Touchpoint was not invited to
GROUP = "S0TRAINERS"
NOW = datetime(2027, 1, 5, 15, tzinfo=UTC)
DEFAULTS = TeamDefaults(LD_CHANNEL, (LENA, PRIYA), None)


def _valid(view: dict) -> None:
    View(**view).validate_json()  # raises on anything Slack would refuse


def _settings_modal(app, user_id: str, event_id: str) -> dict:
    """Open the Home, press Team settings, return the modal Slack was asked to open."""
    assert app.workspace.open_home(user_id, event_id=event_id).status == 200
    app.settle()
    before = len(app.slack.views_for(user_id))
    reply = app.workspace.click_home(user_id, Action.HOME_TEAM_SETTINGS)
    assert reply.status == 200, reply
    view = app.slack.wait_for(lambda: app.slack.views_for(user_id)[before:])[0]
    assert view["callback_id"] == Callback.TEAM_SETTINGS
    _valid(view)
    return view


def _initial(view: dict) -> dict:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def _refused(reply) -> bool:
    return "only the L&amp;D team" in reply.body


def test_a_team_that_never_saved_has_the_environments_values_and_nothing_is_copied(app):
    assert _refused(app.workspace.slash(CHRIS, "list"))
    assert not _refused(app.workspace.slash(PRIYA, "list"))
    team = app.touchpoint.deps.ld_team.settings(TEAM)
    assert (team.ld_channel_id, team.admin_user_ids, team.usergroup_id) == (LD_CHANNEL, (LENA, PRIYA), None)
    assert team.updated_by is None
    assert rows(app, TeamSettings) == []  # the environment is not written to the database on start


def test_an_ld_member_edits_the_team_settings_from_the_home_and_they_take_effect_at_once(app, slack):
    slack.add_channel(NEW_LD)
    view = _settings_modal(app, LENA, "EvTeam01")
    initial = _initial(view)
    assert initial[Block.LD_CHANNEL]["initial_conversation"] == LD_CHANNEL
    assert initial[Block.LD_MEMBERS]["initial_users"] == [LENA, PRIYA]
    assert initial[Block.DIGEST_WEEKDAY]["initial_option"]["value"] == "0"
    assert initial[Block.DIGEST_CHANNEL]["initial_channel"] == LD_CHANNEL
    assert not _refused(app.workspace.slash(PRIYA, "list"))  # Priya's membership is cached now

    saved = app.workspace.submit(
        LENA,
        view,
        {
            Block.LD_CHANNEL: NEW_LD,
            Block.LD_MEMBERS: [LENA, OLU, OLU],
            Block.DIGEST_WEEKDAY: "2",
            Block.DIGEST_TIME: "14:30",
            Block.DIGEST_CHANNEL: NEW_LD,
        },
    )
    assert saved.status == 200
    body = saved.json()
    assert body["response_action"] == "update", body
    assert f"The L&D channel is <#{NEW_LD}>" in json.dumps(body)
    assert "every Wednesday at 14:30" in json.dumps(body)
    app.settle()

    # Who is an L&D member changed for this process at once (the cache was dropped on save).
    assert not _refused(app.workspace.slash(OLU, "list"))
    assert _refused(app.workspace.slash(PRIYA, "list"))
    # New initiatives default to the team's channel now.
    before = len(slack.views_for(LENA))
    app.workspace.slash(LENA, "new")
    modal = slack.wait_for(lambda: slack.views_for(LENA)[before:])[0]
    assert _initial(modal)[Block.CHANNEL]["initial_conversation"] == NEW_LD
    open_initiative(app, OLU, stakeholders=[SAM])
    assert [i.summary_channel_id for i in rows(app, Initiative)] == [NEW_LD]

    [stored] = rows(app, TeamSettings)
    assert (stored.ld_channel_id, stored.admin_user_ids, stored.updated_by) == (NEW_LD, f"{LENA},{OLU}", LENA)
    [digest_row] = rows(app, DigestSettings)
    assert (digest_row.weekday, digest_row.send_time, digest_row.channel_id) == (2, "14:30", NEW_LD)
    [change] = rows(app, TeamSettingsChange)
    assert change.changed_by == LENA and change.changed_at is not None
    assert json.loads(change.changes) == {
        "ld_channel_id": [LD_CHANNEL, NEW_LD],
        "admin_user_ids": [[LENA, PRIYA], [LENA, OLU]],
        "digest_weekday": [0, 2],
        "digest_send_time": ["09:00", "14:30"],
        "digest_channel_id": [None, NEW_LD],
    }
    # The saver's Home was refreshed with what was saved.
    assert f"<#{NEW_LD}>" in json.dumps(slack.home_of(LENA)["blocks"][0])


def test_a_user_group_can_name_the_members(app, slack):
    slack.usergroups[GROUP] = [CHRIS]
    view = _settings_modal(app, LENA, "EvTeam02")
    reply = app.workspace.submit(LENA, view, {Block.LD_MEMBERS: [], Block.LD_USERGROUP: GROUP})
    assert reply.json()["response_action"] == "update", reply.json()
    app.settle()
    assert not _refused(app.workspace.slash(CHRIS, "list"))
    assert _refused(app.workspace.slash(LENA, "list"))  # no longer named, and not in the group
    [stored] = rows(app, TeamSettings)
    assert (stored.admin_user_ids, stored.usergroup_id) == ("", GROUP)


def test_settings_that_would_lock_everyone_out_or_cannot_work_are_refused_with_what_to_do(app, slack):
    slack.add_channel(SECRET_ROOM, bot_is_member=False, private=True)
    view = _settings_modal(app, LENA, "EvTeam03")

    nobody = app.workspace.submit(LENA, view, {Block.LD_MEMBERS: [], Block.LD_USERGROUP: ""}).json()
    assert nobody["response_action"] == "errors"
    assert "nobody could manage Touchpoint" in nobody["errors"][Block.LD_MEMBERS]

    hidden = app.workspace.submit(LENA, view, {Block.LD_CHANNEL: SECRET_ROOM, Block.DIGEST_CHANNEL: SECRET_ROOM})
    errors = hidden.json()["errors"]
    assert "/invite @Touchpoint" in errors[Block.LD_CHANNEL] and "/invite @Touchpoint" in errors[Block.DIGEST_CHANNEL]

    slack.add_channel("G0JOINED", private=True)  # a private channel Touchpoint was invited to is fine
    unknown = app.workspace.submit(LENA, view, {Block.LD_CHANNEL: "G0JOINED", Block.LD_USERGROUP: "S0NOSUCH"}).json()
    assert set(unknown["errors"]) == {Block.LD_USERGROUP}
    assert "No user group" in unknown["errors"][Block.LD_USERGROUP]
    malformed = app.workspace.submit(LENA, view, {Block.LD_USERGROUP: "trainers"}).json()
    assert "S0123456789" in malformed["errors"][Block.LD_USERGROUP]

    slack.fail("conversations.info", "ratelimited", status=429, retry_after=30, times=2)
    busy = app.workspace.submit(LENA, view, {})
    assert busy.seconds < 1.5 and "Try saving again" in busy.json()["errors"][Block.LD_CHANNEL]

    assert rows(app, TeamSettings) == [] and rows(app, TeamSettingsChange) == []
    assert not _refused(app.workspace.slash(PRIYA, "list"))


def test_only_ld_members_open_or_save_the_team_settings(app, slack):
    view = _settings_modal(app, LENA, "EvTeam04")
    assert app.workspace.open_home(CHRIS, event_id="EvTeam05").status == 200
    app.settle()
    shown = json.dumps(slack.home_of(CHRIS))
    assert Action.HOME_TEAM_SETTINGS not in shown  # no Team settings button on a non-member's Home

    submitted = app.workspace.submit(CHRIS, view, {Block.LD_MEMBERS: [CHRIS]})
    assert "only the L&amp;D team can change the team settings" in submitted.body
    assert rows(app, TeamSettings) == []
    assert _refused(app.workspace.slash(CHRIS, "list"))


def test_the_team_settings_are_read_from_the_database_at_most_once_per_ttl_and_again_after_a_save(db, slack):
    from bot.simulator.webapi import TOKEN
    from bot.slack.gateway import SlackGateway, make_client

    clock = [1_000.0]
    team = LdTeam(db, DEFAULTS, SlackGateway(make_client(TOKEN, slack.url)), monotonic=lambda: clock[0])
    assert team.is_member(TEAM, PRIYA) and not team.is_member(TEAM, OLU)
    with db.session() as session:  # another process saves: this one keeps its copy until it expires
        team_rows.save_team_settings(
            session, TEAM, {"ld_channel_id": NEW_LD, "admin_user_ids": OLU, "updated_by": LENA, "updated_at": NOW}
        )
    assert team.is_member(TEAM, PRIYA) and team.ld_channel(TEAM) == LD_CHANNEL
    clock[0] += LdTeam.SETTINGS_TTL_SECONDS + 1
    assert team.is_member(TEAM, OLU) and not team.is_member(TEAM, PRIYA) and team.ld_channel(TEAM) == NEW_LD

    with db.session() as session:
        team_rows.save_team_settings(session, TEAM, {"admin_user_ids": PRIYA})
    team.saved(TEAM)  # a save in this process: read again at once
    assert team.is_member(TEAM, PRIYA) and not team.is_member(TEAM, OLU)
    assert team.ld_user_ids("T0OTHER") == (LENA, PRIYA)  # each team its own: another has the environment's


def test_the_digest_goes_to_the_teams_ld_channel_when_it_chose_no_digest_channel(db):
    form = TeamForm(NEW_LD, (LENA,), "", "0", "09:00", NEW_LD)
    with db.session() as session:
        session.add(
            Initiative(
                team_id=TEAM,
                name="Safety",
                name_key="safety",
                business_goal="Fewer incidents",
                created_by=LENA,
                summary_channel_id=NEW_LD,
            )
        )
        team_settings.save(session, TEAM, LENA, form, DEFAULTS, NOW)
        row = session.get(DigestSettings, 1)
        assert row is not None
        row.channel_id = None  # as a team that saved its channel before choosing a digest channel
        session.add(row)
    monday = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
    with db.reading() as session:
        assert digest.due(session, monday, "UTC", LD_CHANNEL) == [(TEAM, "2027-01-04", NEW_LD)]
        assert team_settings.ld_channel(session, TEAM, LD_CHANNEL) == NEW_LD
        assert team_settings.ld_channel(session, "T0OTHER", LD_CHANNEL) == LD_CHANNEL


def test_the_service_validates_without_slack_and_saving_the_same_values_records_no_change(db):
    with db.session() as session, pytest.raises(FormInvalid) as caught:
        team_settings.save(session, TEAM, LENA, TeamForm("", (), "x", "9", "", ""), DEFAULTS, NOW)
    assert set(caught.value.errors) == {
        Block.LD_CHANNEL,
        Block.LD_MEMBERS,
        Block.LD_USERGROUP,
        Block.DIGEST_WEEKDAY,
        Block.DIGEST_TIME,
        Block.DIGEST_CHANNEL,
    } - {Block.LD_MEMBERS}  # a (malformed) user group was given: the members' check is the group's
    same = TeamForm(LD_CHANNEL, (LENA, PRIYA), "", "0", "09:00", LD_CHANNEL)
    with db.session() as session:
        team_settings.save(session, TEAM, LENA, same, DEFAULTS, NOW)
        team_settings.save(session, TEAM, PRIYA, same, DEFAULTS, NOW)
        history = team_settings.history(session, TEAM)
    assert history == []  # the digest channel shown is the L&D channel it follows: left, it follows it still


def _changes_sheet(app, user_id: str, what: str = "") -> list[list]:
    before = [m.ts for m in app.slack.messages_in(app.slack.dm_channel(user_id)) if m.files]
    app.workspace.slash(user_id, f"export {what}".strip())
    app.settle()
    [message] = [m for m in app.slack.messages_in(app.slack.dm_channel(user_id)) if m.files and m.ts not in before]
    sheet = load_workbook(io.BytesIO(app.slack.files[message.files[0]]["content"]))["Changes"]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_team_and_digest_settings_saves_are_on_the_change_record_and_the_workbooks_changes_sheet(app, slack):
    slack.add_channel(NEW_LD)
    open_initiative(app, LENA, stakeholders=[SAM])
    view = _settings_modal(app, LENA, "EvTeam09")
    app.workspace.submit(LENA, view, {Block.LD_CHANNEL: NEW_LD, Block.LD_MEMBERS: [LENA, OLU]})
    app.settle()
    with app.db.reading() as session:  # the digest, which followed the L&D channel, moves with it
        assert digest.due(session, datetime(2027, 1, 11, 9, 30, tzinfo=UTC), "UTC", LD_CHANNEL) == [
            (TEAM, "2027-01-11", NEW_LD)
        ]
    app.workspace.slash(OLU, "digest settings")
    digest_view = slack.wait_for(
        lambda: [v for v in slack.views_for(OLU) if v["callback_id"] == Callback.DIGEST_SETTINGS]
    )[0]
    app.workspace.submit(
        OLU, digest_view, {Block.DIGEST_WEEKDAY: "4", Block.DIGEST_TIME: "08:15", Block.DIGEST_CHANNEL: NEW_LD}
    )
    app.settle()

    team_record = [(c.changed_by, json.loads(c.changes)) for c in rows(app, TeamSettingsChange)]
    assert team_record[-1] == (
        OLU,
        {"digest_weekday": [0, 4], "digest_send_time": ["09:00", "08:15"], "digest_channel_id": [None, NEW_LD]},
    )
    header, *found = _changes_sheet(app, OLU)
    assert header[:4] == ["Initiative", "When (UTC)", "By", "Change"]
    team_rows_found = [r for r in found if r[0] == "(team settings)"]
    assert [(r[2], r[3]) for r in team_rows_found] == [(LENA, "team settings"), (OLU, "team settings")]
    assert (
        team_rows_found[0][4] == f"L&D channel {LD_CHANNEL} -> {NEW_LD}; L&D members {LENA}, {PRIYA} -> {LENA}, {OLU}"
    )  # the digest follows the L&D channel to its new home: nothing pinned it to the old one
    assert team_rows_found[1][4] == (
        f"digest day Monday -> Friday; digest time 09:00 -> 08:15; digest channel the L&D channel -> {NEW_LD}"
    )
    assert all(isinstance(r[1], datetime) for r in team_rows_found) and team_rows_found[0][1] <= team_rows_found[1][1]
    # Saving the same digest settings again changes nothing, and records nothing.
    with app.db.session() as session:
        digest.save_time(session, TEAM, OLU, "4", "08:15", NEW_LD, NOW)
    assert len(rows(app, TeamSettingsChange)) == len(team_record)
    # One initiative's workbook is about that initiative: the team's settings are not in it.
    _, *one = _changes_sheet(app, OLU, "Sales onboarding refresh")
    assert not [r for r in one if r[0] == "(team settings)"]
