"""What Slack says of a person (users.info, users.list), as the gateway gives it to the use cases."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A person as Slack describes them; services read it as a Person (bot.services.initiatives)."""

    display_name: str
    tz: str | None
    is_bot: bool
    deleted: bool


def from_user(user: dict) -> Profile:
    """A Profile from a Web API user object."""
    profile = user.get("profile") or {}
    user_id = user.get("id", "")
    return Profile(
        display_name=profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id,
        tz=user.get("tz"),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )
