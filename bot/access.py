"""Who is an L&D member: a user listed in LD_ADMIN_USER_IDS, or a member of the LD_USERGROUP_ID user group."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.slack import SlackCallFailed, SlackGateway

logger = logging.getLogger(__name__)


class LdTeam:
    GROUP_TTL_SECONDS = 60.0

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
        self._group_read_at: float | None = None

    def is_member(self, user_id: str) -> bool:
        return user_id in self._admins or user_id in self._group_members()

    def _group_members(self) -> frozenset[str]:
        if not self._usergroup_id:
            return frozenset()
        with self._lock:
            fresh = self._group_read_at is not None and self._monotonic() - self._group_read_at < self.GROUP_TTL_SECONDS
            if not fresh:
                try:
                    self._group = self._slack.usergroup_members(self._usergroup_id)
                    self._group_read_at = self._monotonic()
                except SlackCallFailed as exc:
                    # Keep the last known members (none at first): refusing is safer than letting anyone in.
                    logger.warning("could not read the L&D user group %s: %s", self._usergroup_id, exc.error)
            return self._group
