"""manifest.json creates the app as the code expects it, and the simulated Slack holds the app to it.

That the bot has exactly the scopes its calls need is checked on what the suite really called: the simulated Slack
refuses a call the scopes do not allow (as Slack does), and at the end of a whole run tests/manifest_usage.py fails
the session if a call was refused or a scope was never needed.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.ids import COMMAND, SUBSCRIPTIONS, Event, Subcommand
from bot.simulator import FakeSlackApi, Workspace
from bot.simulator.manifest import METHOD_SCOPES, Manifest, SlackRefused, SlackUsage
from bot.simulator.webapi import TOKEN
from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway
from bot.web import EVENTS_PATH

MANIFEST = json.loads((Path(__file__).parent.parent / "manifest.json").read_text())


def test_the_slash_command_is_the_one_the_app_listens_for():
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["url"].endswith(EVENTS_PATH)
    for subcommand in Subcommand:
        assert subcommand in command["usage_hint"]
    assert command["should_escape"] is True  # mentions arrive as <@U…|name>, which `pause` reads


def test_interactivity_and_events_point_at_the_events_endpoint():
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert set(settings["event_subscriptions"]["bot_events"]) == {SUBSCRIPTIONS[e] for e in Event}
    assert settings["socket_mode_enabled"] is False  # the README says how to switch for Socket Mode


def test_people_can_send_the_app_a_workbook_in_its_dm():
    home = MANIFEST["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False  # the import flow asks for the .xlsx in the DM
    assert Manifest.load().people_can_message_the_app
    assert len(MANIFEST["display_information"]["name"]) <= 35
    assert len(MANIFEST["display_information"]["description"]) <= 140


def _manifest(**changes) -> dict:
    manifest = json.loads(json.dumps(MANIFEST))
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = manifest
        for key in parents:
            node = node[key]
        node[last] = value
    return manifest


def _without_scope(scope: str) -> Manifest:
    scopes = [s for s in MANIFEST["oauth_config"]["scopes"]["bot"] if s != scope]
    return Manifest.from_dict(_manifest(oauth_config__scopes__bot=scopes))


def test_a_method_the_scopes_do_not_allow_is_refused_as_slack_refuses_it():
    with FakeSlackApi(manifest=_without_scope("chat:write")) as api:
        api.add_user("U0SAM", "Sam Okafor")
        client = WebClient(token=TOKEN, base_url=api.url)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="U0SAM", text="hello")
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "chat:write"
        assert "chat:write" not in refused.value.response["provided"].split(",")
        assert "im:write" in refused.value.response["provided"].split(",")
        assert api.messages == [] and api.usage.refused == ["chat.postMessage: missing_scope (needed chat:write)"]
        assert client.conversations_open(users="U0SAM")["ok"]  # the scopes it has still work


def test_reading_history_needs_the_scope_for_that_kind_of_conversation():
    with FakeSlackApi(manifest=_without_scope("groups:history")) as api:
        api.add_channel("C0PUBLIC")
        api.add_channel("G0PRIVATE")
        client = WebClient(token=TOKEN, base_url=api.url)
        assert client.conversations_history(channel="C0PUBLIC")["ok"]
        with pytest.raises(SlackApiError, match="missing_scope"):
            client.conversations_history(channel="G0PRIVATE")
        assert api.usage.scopes == {"channels:history"}


def test_downloading_a_workbook_without_files_read_fails_as_in_production():
    with FakeSlackApi(manifest=_without_scope("files:read")) as api:
        file_id, _ = api.share_file("U0LENA", "plan.xlsx", b"PK...")
        with pytest.raises(SlackCallFailed) as failed:
            SlackGateway(WebClient(token=TOKEN, base_url=api.url)).download(file_id, limit=1_000_000)
        assert failed.value.error == "missing_scope"


def test_a_read_only_messages_tab_lets_nobody_message_the_app_or_send_it_a_file():
    read_only = Manifest.from_dict(_manifest(features__app_home__messages_tab_read_only_enabled=True))
    with FakeSlackApi(manifest=read_only) as api:
        workspace = Workspace(api, "http://127.0.0.1:9/never", "secret")
        with pytest.raises(SlackRefused, match="messages tab"):
            api.share_file("U0LENA", "plan.xlsx", b"PK...")
        with pytest.raises(SlackRefused, match="messages tab"):
            workspace.event(
                {"type": "message", "channel_type": "im", "channel": "D0LENA", "user": "U0LENA", "text": "import"},
                event_id="Ev0DM",
            )
    assert not read_only.people_can_message_the_app
    assert not Manifest.from_dict(_manifest(features__app_home__messages_tab_enabled=False)).people_can_message_the_app


def test_only_subscribed_events_listed_commands_and_enabled_surfaces_reach_the_app():
    events = [e for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"] if e != "app_home_opened"]
    manifest = Manifest.from_dict(
        _manifest(settings__interactivity__is_enabled=False, settings__event_subscriptions__bot_events=events)
    )
    with FakeSlackApi(manifest=manifest) as api:
        workspace = Workspace(api, "http://127.0.0.1:9/never", "secret")
        with pytest.raises(SlackRefused, match=r"message\.channels"):
            workspace.event(
                {"type": "message", "channel_type": "channel", "channel": "C0X", "user": "U0LENA"}, event_id="Ev1"
            )
        with pytest.raises(SlackRefused, match="app_home_opened"):
            workspace.event({"type": "app_home_opened", "user": "U0LENA", "tab": "home"}, event_id="Ev2")
        with pytest.raises(SlackRefused, match="/other"):
            workspace.slash("U0LENA", "help", command="/other")
        with pytest.raises(SlackRefused, match="interactivity"):
            workspace.submit("U0LENA", {"blocks": []}, {})
    assert Manifest.load().home_tab is MANIFEST["features"]["app_home"]["home_tab_enabled"]
    assert Manifest.load().commands == {COMMAND} and Manifest.load().interactivity


def test_the_end_of_session_check_names_refusals_unknown_methods_and_unused_scopes():
    manifest = Manifest.load()
    usage = SlackUsage(
        methods={"chat.postMessage", "reactions.add"},
        scopes={"chat:write"},
        refused=["files.info: missing_scope (needed files:read)"],
    )
    partial = usage.problems(manifest, whole_run=False)
    assert partial == [
        "Slack refused files.info: missing_scope (needed files:read)",
        "reactions.add has no entry in the simulator's METHOD_SCOPES",
    ]
    whole = usage.problems(manifest, whole_run=True)
    assert "the manifest asks for im:write, which nothing the app did needed" in whole
    assert not any("chat:write" in p for p in whole[2:])
    everything = SlackUsage(methods=set(METHOD_SCOPES), scopes=set(manifest.bot_scopes))
    assert everything.problems(manifest, whole_run=True) == []


def test_a_message_posted_in_a_private_summary_channel_is_found_again_by_its_metadata(slack):
    # What a poster taking over does for a shift summary or digest in a private channel: it needs groups:history.
    from datetime import datetime, timedelta

    slack.add_channel("G0PRIVATE")
    gateway = SlackGateway(WebClient(token=TOKEN, base_url=slack.url))
    metadata = {"event_type": "digest_posted", "event_payload": {"digest_part": "7:0"}}
    ts = gateway.post("G0PRIVATE", "The week in L&D", metadata=metadata)
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert gateway.find_by_metadata("G0PRIVATE", "digest_posted", "digest_part", "7:0", since) == ts
    assert slack.usage.scopes >= {"groups:history", "chat:write"}
