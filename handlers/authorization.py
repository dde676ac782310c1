"""Who may use a listener, declared where it is registered (`middleware=[LdOnly()]`), checked here once.

A refusal is the typed `NotAllowed`, raised before the ack: the one error handler answers Slack in the shape the
person sees (an ephemeral reply to a command, the modal updated for a submission, a private message otherwise).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.errors import NotAllowed
from bot.runtime import Deps


def require_ld_member(deps: Deps, team_id: str, user_id: str, message: str | None = None) -> None:
    if not deps.ld_team.is_member(team_id, user_id):
        raise NotAllowed(message)


class LdOnly(Middleware):
    """Listener middleware: only L&D members get past it; `message` says what the others may not do."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        require_ld_member(req.context["deps"], req.context.team_id or "", req.context.user_id or "", self.message)
        return next()
