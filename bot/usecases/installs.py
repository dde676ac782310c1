"""A workspace installing Touchpoint (through "Add to Slack"), and removing it: recorded, and the installer welcomed
with a first-run DM."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.blocks import installs as blocks
from bot.services import installs
from bot.services.installs import Installed
from bot.slack.errors import SlackCallFailed
from bot.slack.workspaces import acting_for
from bot.usecases.outbound import Outbound

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


def uninstalled(out: Outbound, team_id: str, keep: timedelta) -> datetime:
    """Slack said the app is gone from the team (app_uninstalled or tokens_revoked): nothing more is done for it."""
    with out.db.session() as session:
        delete_after = installs.uninstalled(session, team_id, out.clock(), keep)
    logger.info("uninstalled from %s: its data is deleted after %s", team_id, delete_after.isoformat())
    return delete_after
