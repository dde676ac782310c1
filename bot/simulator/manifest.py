"""The app's manifest as the simulated Slack reads it: which scopes, events and surfaces Slack would allow the app.

The required scopes are Slack's documented ones for a bot token (each method's reference page, "Required scopes").
Where several are listed, any one of them is enough; conversations.history and .replies need the one for the kind of
conversation read (public channel, private channel, DM).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.json"

_HISTORY_BY_KIND = {"C": "channels:history", "G": "groups:history", "D": "im:history"}

# Method -> the bot scopes any one of which lets a bot token call it; () for methods that need none.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.open": ("im:write", "channels:manage", "groups:write", "mpim:write"),
    "conversations.join": ("channels:join",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "files.getUploadURLExternal": ("files:write",),  # the two steps of slack_sdk's files_upload_v2
    "files.completeUploadExternal": ("files:write",),
    "files.info": ("files:read",),  # and the download from its url_private_download
    "views.open": (),  # views need a trigger id, not a scope
    "views.update": (),
    "views.publish": (),
    "apps.uninstall": (),  # the app's own credentials, not a scope
    "oauth.v2.access": (),
}

# Event subscription -> the bot scope Slack requires before it delivers the event.
EVENT_SCOPES: dict[str, str] = {
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.mpim": "mpim:history",
    "user_change": "users:read",
    "app_home_opened": "",
    "app_uninstalled": "",
    "tokens_revoked": "",
}


def scopes_for(method: str, args: dict) -> tuple[str, ...] | None:
    """The scopes any one of which allows this call, or None for a method the table does not know."""
    scopes = METHOD_SCOPES.get(method)
    if scopes is not None and method in ("conversations.history", "conversations.replies"):
        kind = _HISTORY_BY_KIND.get(str(args.get("channel", ""))[:1])
        return (kind,) if kind else scopes
    return scopes


_MESSAGE_SUBSCRIPTIONS = {
    "im": "message.im",
    "channel": "message.channels",
    "group": "message.groups",
    "mpim": "message.mpim",
    "app_home": "message.app_home",
}


def subscription_for(event: dict) -> str:
    """The name an event is subscribed by: message events by the kind of conversation (message.im, ...)."""
    if event.get("type") == "message":
        return _MESSAGE_SUBSCRIPTIONS.get(str(event.get("channel_type", "")), "message.?")
    return str(event.get("type", ""))


class SlackRefused(AssertionError):
    """Something the simulated workspace cannot do with this manifest, as a real one could not."""


@dataclass(frozen=True)
class Manifest:
    bot_scopes: frozenset[str]
    bot_events: frozenset[str]
    commands: frozenset[str]
    home_tab: bool
    messages_tab: bool
    messages_tab_read_only: bool
    interactivity: bool
    shortcuts: frozenset[str] = frozenset()  # the global shortcuts' callback ids

    @classmethod
    def load(cls, path: Path = MANIFEST_PATH) -> Manifest:
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, manifest: dict) -> Manifest:
        features, settings = manifest.get("features", {}), manifest.get("settings", {})
        home = features.get("app_home", {})
        return cls(
            bot_scopes=frozenset(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])),
            bot_events=frozenset(settings.get("event_subscriptions", {}).get("bot_events", [])),
            commands=frozenset(c["command"] for c in features.get("slash_commands", [])),
            home_tab=bool(home.get("home_tab_enabled", False)),
            messages_tab=bool(home.get("messages_tab_enabled", False)),
            messages_tab_read_only=bool(home.get("messages_tab_read_only_enabled", False)),
            interactivity=bool(settings.get("interactivity", {}).get("is_enabled", False)),
            shortcuts=frozenset(
                s["callback_id"] for s in features.get("shortcuts", []) if s.get("type", "global") == "global"
            ),
        )

    @property
    def people_can_message_the_app(self) -> bool:
        """Whether anyone can type (or drop a file) into the app's DM: the messages tab, and not read-only."""
        return self.messages_tab and not self.messages_tab_read_only

    def refusal(self, method: str, args: dict) -> dict | None:
        """Slack's answer to a call the bot's scopes do not allow (None when they do, or the method is unknown)."""
        needed = scopes_for(method, args)
        if not needed or set(needed) & self.bot_scopes:
            return None
        return {"error": "missing_scope", "needed": ",".join(needed), "provided": ",".join(sorted(self.bot_scopes))}

    def check_delivery(self, event: dict) -> str:
        """The subscription an event arrives by; SlackRefused if Slack would not deliver it to this app."""
        subscription = subscription_for(event)
        if subscription not in self.bot_events:
            raise SlackRefused(f"the manifest does not subscribe to {subscription}")
        scope = EVENT_SCOPES.get(subscription, "")
        if scope and scope not in self.bot_scopes:
            raise SlackRefused(f"{subscription} needs the {scope} scope, which the manifest does not ask for")
        if subscription == "app_home_opened" and event.get("tab") == "home" and not self.home_tab:
            raise SlackRefused("the app has no Home tab: the manifest does not enable it")
        if subscription == "message.im" and not event.get("bot_id") and not self.people_can_message_the_app:
            raise SlackRefused("people cannot message the app: its messages tab is off or read-only")
        return subscription

    def check_command(self, command: str) -> None:
        if command not in self.commands or "commands" not in self.bot_scopes:
            raise SlackRefused(f"the manifest does not create the {command} command (or lacks the commands scope)")

    def check_shortcut(self, callback_id: str) -> None:
        self.check_interactivity()
        if callback_id not in self.shortcuts:
            raise SlackRefused(f"the manifest declares no global shortcut {callback_id}: nobody can pick it")

    def check_interactivity(self) -> None:
        if not self.interactivity:
            raise SlackRefused("interactivity is off in the manifest: buttons and modals send nothing")


@dataclass
class SlackUsage:
    """What a run asked of Slack: the methods called, the scopes they (and the events and commands) used, and any
    call Slack refused. Shared by every simulated Slack of a test session, to compare with the manifest at its end."""

    methods: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)

    def problems(self, manifest: Manifest, *, whole_run: bool) -> list[str]:
        """What does not agree with the manifest. That a scope went unused can only be known when everything ran."""
        found = [f"Slack refused {call}" for call in self.refused]
        unknown = sorted(m for m in self.methods if m not in METHOD_SCOPES)
        found += [f"{m} has no entry in the simulator's METHOD_SCOPES" for m in unknown]
        if whole_run:
            found += [
                f"the manifest asks for {s}, which nothing the app did needed"
                for s in sorted(manifest.bot_scopes - self.scopes)
            ]
        return found
