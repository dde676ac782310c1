"""Who is an L&D member of a team, and where its L&D channel is: the team's settings (saved from the Home tab, the
environment's until then), cached briefly, and the members of its user group if it names one."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.services import team_settings
from bot.services.team_settings import TeamDefaults, TeamSettings
from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway
from storage.db import Database

logger = logging.getLogger(__name__)


class LdTeam:
    """Listeners ask before they acknowledge, so this answers from memory nearly always: a team's settings are read
    from the database at most once per SETTINGS_TTL_SECONDS (and again at once after a save in this process: other
    processes see it when their copy expires), a user group's members once per GROUP_TTL_SECONDS."""

    SETTINGS_TTL_SECONDS = 30.0

    def __init__(
        self,
        db: Database,
        defaults: TeamDefaults,
        slack: SlackGateway,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.defaults = defaults
        self._db, self._slack, self._monotonic = db, slack, monotonic
        self._lock = threading.Lock()
        self._settings: dict[str, tuple[float, TeamSettings]] = {}  # team -> (read again after, settings)
        self._generation: dict[str, int] = {}  # team -> saves seen: a read that began before one is not kept
        self._groups: dict[str, UserGroup] = {}

    def settings(self, team_id: str) -> TeamSettings:
        with self._lock:
            cached = self._settings.get(team_id)
            generation = self._generation.get(team_id, 0)
        if cached is not None and self._monotonic() < cached[0]:
            return cached[1]
        with self._db.reading() as session:
            found = team_settings.current(session, team_id, self.defaults)
        with self._lock:
            if self._generation.get(team_id, 0) == generation:
                self._settings[team_id] = (self._monotonic() + self.SETTINGS_TTL_SECONDS, found)
        return found

    def saved(self, team_id: str) -> None:
        """The team's settings changed: the next question reads them again."""
        with self._lock:
            self._settings.pop(team_id, None)
            self._generation[team_id] = self._generation.get(team_id, 0) + 1

    def ld_channel(self, team_id: str) -> str:
        return self.settings(team_id).ld_channel_id

    def ld_user_ids(self, team_id: str) -> tuple[str, ...]:
        return self.settings(team_id).admin_user_ids

    def is_member(self, team_id: str, user_id: str) -> bool:
        found = self.settings(team_id)
        if user_id in found.admin_user_ids:
            return True
        return bool(found.usergroup_id) and user_id in self._group(found.usergroup_id or "").members()

    def members(self, team_id: str) -> frozenset[str]:
        """Everyone who is an L&D member of the team (the user group as last read)."""
        found = self.settings(team_id)
        group = self._group(found.usergroup_id).members() if found.usergroup_id else frozenset()
        return frozenset(found.admin_user_ids) | group

    def _group(self, usergroup_id: str) -> UserGroup:
        with self._lock:
            group = self._groups.get(usergroup_id)
            if group is None:
                group = self._groups[usergroup_id] = UserGroup(usergroup_id, self._slack, self._monotonic)
        return group


class UserGroup:
    """A user group's members, read with the impatient gateway (a 429 fails at once instead of being waited out).
    One caller at a time reads them, outside the lock; the others, meanwhile, use the members last read."""

    TTL_SECONDS = 60.0
    RETRY_SECONDS = 10.0  # after a failed read: soon enough to let a new member in, rare enough not to hammer Slack

    def __init__(self, usergroup_id: str, slack: SlackGateway, monotonic: Callable[[], float]) -> None:
        self._usergroup_id, self._slack, self._monotonic = usergroup_id, slack, monotonic
        self._lock = threading.Lock()
        self._members: frozenset[str] = frozenset()
        self._next_read_at: float | None = None
        self._reading = False

    def members(self) -> frozenset[str]:
        with self._lock:
            due = not self._reading and (self._next_read_at is None or self._monotonic() >= self._next_read_at)
            if due:
                self._reading = True  # this caller reads; any other until it is done uses what is known
            known = self._members
        if not due:
            return known
        members, wait = None, self.RETRY_SECONDS
        try:
            members, wait = self._slack.usergroup_members(self._usergroup_id), self.TTL_SECONDS
        except SlackCallFailed as exc:
            # Keep the last known members (none at first): refusing is safer than letting anyone in.
            logger.warning("could not read the L&D user group %s: %s", self._usergroup_id, exc.error)
        finally:
            with self._lock:
                self._reading = False
                self._members = members if members is not None else self._members
                self._next_read_at = self._monotonic() + wait
        return self._members
