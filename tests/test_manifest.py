"""manifest.json creates the app as the code expects it: the command, the URLs, the events and the scopes."""

from __future__ import annotations

import json
from pathlib import Path

from bot.ids import COMMAND, SUBSCRIPTIONS, Event, Subcommand
from bot.web import EVENTS_PATH

MANIFEST = json.loads((Path(__file__).parent.parent / "manifest.json").read_text())

# Each Web API method the app calls, and the bot scopes Slack requires for it where the app calls it. Reading
# history finds a touchpoint's DM (im) or a digest or shift summary in a public or private channel.
_READ_HISTORY = ("im:history", "channels:history", "groups:history")
SCOPES_FOR_METHODS = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.open": ("im:write",),
    "users.info": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "conversations.join": ("channels:join",),
    "conversations.history": _READ_HISTORY,
    "conversations.replies": _READ_HISTORY,
    "users.list": ("users:read",),
    "files.upload.v2": ("files:write",),  # files.getUploadURLExternal and files.completeUploadExternal
    "files.info": ("files:read",),  # a workbook sent for import, and its download
}


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


def test_the_bot_has_exactly_the_scopes_its_calls_need():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands"} | {scope for needed in SCOPES_FOR_METHODS.values() for scope in needed}


def test_every_method_the_app_calls_is_covered_by_a_scope():
    called = set()
    for path in (Path(__file__).parent.parent / "bot").rglob("*.py"):
        if "simulator" in path.parts:
            continue
        text = path.read_text()
        called |= {m for m in SCOPES_FOR_METHODS if m.replace(".", "_") in text}
    handlers_text = "".join(p.read_text() for p in (Path(__file__).parent.parent / "handlers").rglob("*.py"))
    assert "views_open" in handlers_text  # views.* need no scope beyond a trigger id
    assert called == set(SCOPES_FOR_METHODS), "a scope is listed for a method the app no longer calls, or the reverse"


def test_users_see_the_apps_dms():
    home = MANIFEST["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert len(MANIFEST["display_information"]["name"]) <= 35
    assert len(MANIFEST["display_information"]["description"]) <= 140
