"""Reading and saving a team's settings from the Home tab: the form's checks that need Slack (is Touchpoint in the
channels chosen, does the user group exist), one transaction for the settings, the digest's time and the record of
the change, then the cached settings forgotten so the next request reads the new ones."""

from __future__ import annotations

from bot.errors import FormInvalid
from bot.ids import Block
from bot.runtime import Deps
from bot.services import digest, team_settings
from bot.services.digest import DigestTime
from bot.services.team_settings import TeamForm, TeamSettings
from bot.slack.errors import SlackCallFailed
from bot.slack.gateway import SlackGateway

CANNOT_CHECK = "Slack did not answer when I checked this ({error}). Try saving again in a moment."


def current(deps: Deps, team_id: str) -> tuple[TeamSettings, DigestTime]:
    with deps.db.reading() as session:
        return team_settings.current(session, team_id, deps.ld_team.defaults), digest.digest_time(session, team_id)


def save(deps: Deps, team_id: str, user_id: str, form: TeamForm) -> tuple[TeamSettings, DigestTime]:
    """Check and store the form; FormInvalid, by block, with what the person can do about each problem. Slack is
    asked with the impatient gateway: this runs inside the submission's 3 seconds."""
    errors = team_settings.form_errors(form)
    for block, channel_id in ((Block.LD_CHANNEL, form.ld_channel_id), (Block.DIGEST_CHANNEL, form.digest_channel_id)):
        if block not in errors:
            problem = channel_problem(deps.slack_now, channel_id)
            if problem:
                errors[block] = problem
    if form.usergroup_id and Block.LD_USERGROUP not in errors:
        problem = usergroup_problem(deps.slack_now, form.usergroup_id)
        if problem:
            errors[Block.LD_USERGROUP] = problem
    if errors:
        raise FormInvalid(errors)
    with deps.db.session() as session:
        saved = team_settings.save(session, team_id, user_id, form, deps.ld_team.defaults, deps.clock())
        when = digest.digest_time(session, team_id)
    deps.ld_team.saved(team_id)
    return saved, when


def channel_problem(slack: SlackGateway, channel_id: str) -> str | None:
    """Why Touchpoint could not post in the channel, or None. A public channel it is not in is fine: it joins on its
    first post there, as it does for summary channels."""
    try:
        found = slack.conversation(channel_id)
    except SlackCallFailed as exc:
        if exc.error == "channel_not_found":
            return "I can't see that channel. If it is private, invite me first (`/invite @Touchpoint` in it)."
        return CANNOT_CHECK.format(error=exc.error)
    if found.get("is_archived"):
        return "That channel is archived: pick another."
    if found.get("is_private") and not found.get("is_member"):
        return "I'm not in that private channel: invite me (`/invite @Touchpoint` in it), then save again."
    return None


def usergroup_problem(slack: SlackGateway, usergroup_id: str) -> str | None:
    try:
        slack.usergroup_members(usergroup_id)
    except SlackCallFailed as exc:
        if exc.error in ("no_such_subteam", "subteam_not_found"):
            return "No user group in this workspace has that id. Copy it from the group's profile (⋮, Copy group ID)."
        return CANNOT_CHECK.format(error=exc.error)
    return None
