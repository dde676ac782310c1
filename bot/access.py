"""Who is an L&D member: a user listed in LD_ADMIN_USER_IDS, or a member of the LD_USERGROUP_ID user group."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway

logger = logging.getLogger(__name__)


class LdTeam:
    """Listeners ask before they acknowledge, so the user group is read with the impatient gateway (a 429 fails at
    once instead of being waited out). One caller at a time reads it, outside the lock; the others, meanwhile, use
    the members last read."""

    GROUP_TTL_SECONDS = 60.0
    RETRY_SECONDS = 10.0  # after a failed read: soon enough to let a new member in, rare enough not to hammer Slack

    def __init__(
        self,
        admin_user_ids: tuple[str, ...],
        usergroup_id: str | None,
        slack: SlackGateway,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._admins = frozenset(admin_user_ids)
        self._usergroup_id = usergroup_id
        self._slack = slack
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._group: frozenset[str] = frozenset()
        self._next_read_at: float | None = None
        self._reading = False

    def is_member(self, user_id: str) -> bool:
        return user_id in self._admins or user_id in self._group_members()

    def members(self) -> frozenset[str]:
        """Everyone who is an L&D member (as last read, for the user group)."""
        return self._admins | self._group_members()

    def _group_members(self) -> frozenset[str]:
        if not self._usergroup_id:
            return frozenset()
        with self._lock:
            due = not self._reading and (self._next_read_at is None or self._monotonic() >= self._next_read_at)
            if due:
                self._reading = True  # this caller reads; any other until it is done uses what is known
            known = self._group
        if not due:
            return known
        members, wait = None, self.RETRY_SECONDS
        try:
            members, wait = self._slack.usergroup_members(self._usergroup_id), self.GROUP_TTL_SECONDS
        except SlackCallFailed as exc:
            # Keep the last known members (none at first): refusing is safer than letting anyone in.
            logger.warning("could not read the L&D user group %s: %s", self._usergroup_id, exc.error)
        finally:
            with self._lock:
                self._reading = False
                self._group = members if members is not None else self._group
                self._next_read_at = self._monotonic() + wait
        return self._group
