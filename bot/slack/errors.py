"""What a failed Web API call means: who can act on it, and how to say it to the people Touchpoint tells."""

from __future__ import annotations

# Errors that mean this person can never get a DM from us: retrying will not help.
UNREACHABLE_USER = frozenset(
    {"user_not_found", "user_disabled", "account_inactive", "cannot_dm_bot", "user_is_bot", "users_not_found"}
)


NEEDS_A_PERSON = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "ekm_access_denied",
        "team_access_not_granted",
        "method_not_supported_for_channel_type",
    }
)


class SlackCallFailed(Exception):
    """A Web API call that did not succeed, after the client's own retries."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error

    @property
    def user_unreachable(self) -> bool:
        return self.error in UNREACHABLE_USER

    @property
    def needs_a_person(self) -> bool:
        """Trying again will not help until someone acts (invites the app, fixes a channel, reinstalls it)."""
        return self.error in NEEDS_A_PERSON


# A DM update that fails with these will never succeed: the DM's message is gone or cannot be edited.
DM_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})

_REASONS = {
    "user_not_found": "isn't in this workspace any more",
    "users_not_found": "isn't in this workspace any more",
    "user_disabled": "is deactivated in Slack",
    "account_inactive": "is deactivated in Slack",
    "cannot_dm_bot": "is an app, not a person",
    "user_is_bot": "is an app, not a person",
    "ratelimited": "Slack was too busy to take the message; it will be retried",
    "channel_not_found": "their DM could not be opened",
}


def reason(error: str) -> str:
    """A Slack error as a phrase for an L&D member ("Sam isn't in this workspace any more")."""
    return _REASONS.get(error, f"Slack answered “{error}”")
