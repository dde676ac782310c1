"""A workspace installing Touchpoint (through "Add to Slack"), and removing it: recorded, and the installer welcomed
with a first-run DM."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.blocks import installs as blocks
from bot.services import installs
from bot.services.installs import Installed
from bot.slack.errors import SlackCallFailed
from bot.slack.workspaces import acting_for
from bot.usecases.outbound import Outbound

if TYPE_CHECKING:
    from bot.runtime import Deps

logger = logging.getLogger(__name__)


def installed(out: Outbound, team_id: str, installer: str) -> Installed:
    """Recorded first (the install is done whatever Slack says next), then the installer's first-run DM; if Slack
    refuses it, the Home tab still shows the installer the way to the team settings."""
    with out.db.session() as session:
        done = installs.installed(session, team_id, installer, out.clock())
    message = blocks.welcome(done)
    with acting_for(team_id):
        try:
            out.slack.post(installer, message.text, message.blocks)
        except SlackCallFailed as exc:
            logger.warning("could not welcome the installer of %s: %s", team_id, exc.error)
    return done


def removed(deps: Deps, team_id: str) -> datetime | None:
    """Slack said the app is gone from the team (app_uninstalled or tokens_revoked): the team is marked, so the
    clock runs nothing for it, its installation (its revoked tokens) deleted, so no request is authorized for it,
    and its data kept for TOUCHPOINT_KEEP_DAYS. Returns when the data goes (None without a team)."""
    if not team_id:
        return None
    keep = timedelta(days=deps.settings.touchpoint_keep_days)
    with deps.db.session() as session:
        delete_after = installs.uninstalled(session, team_id, deps.clock(), keep)
    if deps.installs is not None:
        deps.installs.remove(team_id)
    logger.info("uninstalled from %s: its data is deleted after %s", team_id, delete_after.isoformat())
    return delete_after


def active_teams(out: Outbound) -> list[str]:
    """The installed teams the clock runs a pass for."""
    with out.db.reading() as session:
        return installs.active_teams(session)


def delete_expired(out: Outbound) -> list[str]:
    """The data of every team uninstalled longer ago than it is kept, deleted (a team a transaction)."""
    with out.db.reading() as session:
        due = installs.due_for_deletion(session, out.clock())
    for team_id in due:
        with out.db.session() as session:
            installs.delete_data(session, team_id, out.clock())
        logger.info("deleted the data of %s, uninstalled and kept for the time set", team_id)
    return due


def delete_now(deps: Deps, team_id: str, user_id: str) -> int:
    """An L&D member's `/touchpoint delete my data`, confirmed: every row the team has, deleted in one transaction,
    except its installation; the team starts afresh with them as its one L&D member. Returns how many rows went."""
    with deps.db.session() as session:
        deleted = installs.delete_data(session, team_id, deps.clock(), keep_installation=True)
        installs.installed(session, team_id, user_id, deps.clock())
    deps.ld_team.saved(team_id)
    logger.info("deleted the data of %s at the request of %s (%d rows)", team_id, user_id, deleted)
    return deleted


def token_works_again(out: Outbound) -> str | None:
    """With one SLACK_BOT_TOKEN, a process starting: if Slack accepts the token, its workspace has Touchpoint
    installed (again, after an app_uninstalled): it is active, and its data no longer due for deletion. Returns the
    team, or None if Slack could not say."""
    try:
        team_id = out.slack.team_id()
    except SlackCallFailed as exc:
        logger.warning("could not check the bot token with Slack: %s", exc.error)
        return None
    with out.db.session() as session:
        if installs.reinstalled(session, team_id, out.clock()):
            logger.info("the bot token of %s works again: Touchpoint is active there again", team_id)
    return team_id
