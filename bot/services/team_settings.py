"""A team's settings: its L&D channel, its L&D members (user ids and/or a user group) and, edited with them, the
weekly digest's day, time and channel. The environment gives the first values; once someone saves, the database's
row is the team's and the environment no longer counts for it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import FormInvalid
from bot.ids import USER_ID, Block
from bot.services import digest
from bot.services.business_calendar import PLANNING_WEEKS, PLANNING_WEEKS_RANGE
from bot.services.digest import DigestTime
from storage.repositories import team_settings as team_rows

MEMBERS_MAX = 100  # user ids kept in the settings; a larger team is better named by a user group
_USER_ID = re.compile(f"^{USER_ID}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class TeamDefaults:
    """The environment's values (LD_CHANNEL_ID, LD_ADMIN_USER_IDS, LD_USERGROUP_ID): a team's until it saves."""

    ld_channel_id: str
    admin_user_ids: tuple[str, ...] = ()
    usergroup_id: str | None = None


@dataclass(frozen=True)
class TeamSettings:
    team_id: str
    ld_channel_id: str
    admin_user_ids: tuple[str, ...]
    usergroup_id: str | None
    updated_by: str | None = None  # None: never saved, the environment's values
    updated_at: datetime | None = None
    planning_weeks: int = PLANNING_WEEKS


@dataclass(frozen=True)
class TeamForm:
    """The team settings modal as typed (each "" or () when left empty)."""

    ld_channel_id: str
    admin_user_ids: tuple[str, ...]
    usergroup_id: str
    weekday: str
    send_time: str
    digest_channel_id: str
    planning_weeks: str = str(PLANNING_WEEKS)


def _ids(joined: str) -> tuple[str, ...]:
    return tuple(s for s in joined.split(",") if s)


def current(session: Session, team_id: str, defaults: TeamDefaults) -> TeamSettings:
    found = team_rows.team_settings(session, team_id)
    if found is None:
        return TeamSettings(team_id, defaults.ld_channel_id, defaults.admin_user_ids, defaults.usergroup_id)
    return TeamSettings(
        team_id,
        found.ld_channel_id,
        _ids(found.admin_user_ids),
        found.usergroup_id,
        found.updated_by,
        found.updated_at,
        found.planning_weeks,
    )


def ld_channel(session: Session, team_id: str, default: str) -> str:
    """The team's L&D channel (`default`, the environment's, until the team saves its settings)."""
    return team_rows.ld_channels(session, [team_id]).get(team_id) or default


def form_errors(form: TeamForm) -> dict[str, str]:
    """What is wrong with the form as typed, by block id, without asking Slack."""
    errors: dict[str, str] = {}
    if not form.ld_channel_id:
        errors[Block.LD_CHANNEL] = "Pick the L&D team's channel."
    bad = [u for u in form.admin_user_ids if not _USER_ID.match(u)]
    if bad:
        errors[Block.LD_MEMBERS] = "Pick people from the list."
    elif len(set(form.admin_user_ids)) > MEMBERS_MAX:
        errors[Block.LD_MEMBERS] = f"Name up to {MEMBERS_MAX} people here; for a larger team, use a user group."
    elif not form.admin_user_ids and not form.usergroup_id:
        errors[Block.LD_MEMBERS] = (
            "Name at least one L&D member or a user group: with neither, nobody could manage Touchpoint, you included."
        )
    if form.usergroup_id and not _USERGROUP_ID.match(form.usergroup_id):
        errors[Block.LD_USERGROUP] = (
            "A user group id looks like S0123456789 (in Slack: the group's profile, ⋮, Copy group ID). "
            "Leave it empty to name the members above."
        )
    low, high = PLANNING_WEEKS_RANGE
    if not (form.planning_weeks.strip().isdigit() and low <= int(form.planning_weeks) <= high):
        errors[Block.PLANNING_WEEKS] = (
            f"Say how many weeks before each financial year starts, as a whole number from {low} to {high}."
        )
    return errors | digest.time_errors(form.weekday, form.send_time, form.digest_channel_id)


def save(
    session: Session, team_id: str, user_id: str, form: TeamForm, defaults: TeamDefaults, now: datetime
) -> TeamSettings:
    """Validate and store the team's settings and its digest's time, with a record of what changed, in the
    caller's transaction."""
    errors = form_errors(form)
    if errors:
        raise FormInvalid(errors)
    before, before_when = current(session, team_id, defaults), digest.digest_time(session, team_id)
    members = tuple(dict.fromkeys(form.admin_user_ids))  # as picked, once each
    weeks = int(form.planning_weeks)
    saved = TeamSettings(team_id, form.ld_channel_id, members, form.usergroup_id or None, user_id, now, weeks)
    digest_channel = form.digest_channel_id or None
    if before_when.channel_id is None and digest_channel == before.ld_channel_id:
        digest_channel = None  # the pre-filled L&D channel, left as it was: the digest goes on following it
    when = DigestTime(int(form.weekday), form.send_time, digest_channel)
    values = {
        "ld_channel_id": saved.ld_channel_id,
        "admin_user_ids": ",".join(saved.admin_user_ids),
        "usergroup_id": saved.usergroup_id,
        "planning_weeks": weeks,
        "updated_by": user_id,
        "updated_at": now,
    }
    team_rows.save_team_settings(session, team_id, values)
    digest.store_time(session, team_id, user_id, when, now)
    changes = _changes(before, saved, before_when, when)
    if changes:
        team_rows.record_change(session, team_id, user_id, now, json.dumps(changes, sort_keys=True))
    return saved


def _changes(before: TeamSettings, after: TeamSettings, before_when: DigestTime, when: DigestTime) -> dict:
    pairs = {
        "ld_channel_id": (before.ld_channel_id, after.ld_channel_id),
        "admin_user_ids": (list(before.admin_user_ids), list(after.admin_user_ids)),
        "usergroup_id": (before.usergroup_id, after.usergroup_id),
        "planning_weeks": (before.planning_weeks, after.planning_weeks),
    }
    changed = {name: [old, new] for name, (old, new) in pairs.items() if old != new}
    return changed | digest.time_changes(before_when, when)


@dataclass(frozen=True)
class Change:
    changed_by: str
    changed_at: datetime
    changes: dict


def history(session: Session, team_id: str) -> list[Change]:
    """Who changed the team's settings, when and what, oldest first."""
    return [Change(c.changed_by, c.changed_at, json.loads(c.changes)) for c in team_rows.changes(session, team_id)]


_LABELS = {
    "ld_channel_id": "L&D channel",
    "admin_user_ids": "L&D members",
    "usergroup_id": "L&D user group",
    "planning_weeks": "weeks before the financial year for planning",
    "digest_weekday": "digest day",
    "digest_send_time": "digest time",
    "digest_channel_id": "digest channel",
}


def describe(changes: dict) -> str:
    """A change record for people: `L&D channel C1 -> C2; digest day Monday -> Wednesday`."""

    def shown(name: str, value: object) -> str:
        if name == "digest_weekday" and isinstance(value, int) and 0 <= value < len(digest.WEEKDAYS):
            return digest.WEEKDAYS[value]
        if name == "digest_channel_id" and not value:
            return "the L&D channel"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "nobody"
        return str(value) if value else "none"

    order = [n for n in _LABELS if n in changes] + sorted(n for n in changes if n not in _LABELS)
    return "; ".join(
        f"{_LABELS.get(name, name.replace('_', ' '))} {shown(name, changes[name][0])} -> {shown(name, changes[name][1])}"
        for name in order
    )
