"""Submitting the "new initiative" modal: validate inline, store in one transaction, then DM the stakeholders who
are in working hours (the pass asks the others at a sensible hour of their day) and tell the opener when."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import initiatives as blocks
from bot.errors import FormInvalid, NotAllowed
from bot.ids import Callback
from bot.runtime import Deps
from bot.services import initiatives

# users.info for the chosen stakeholders must finish well inside Slack's 3 seconds.
PROFILE_BUDGET_SECONDS = 1.5


def register(app: App) -> None:
    app.view(Callback.NEW_INITIATIVE)(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    user_id = body["user"]["id"]
    if not deps.ld_team.is_member(user_id):
        return ack(response_action="update", view=blocks.refusal_view(NotAllowed().message))
    form = blocks.read_new_initiative(view.get("state", {}).get("values", {}))
    people = deps.slack_now.profiles(form.stakeholder_ids, PROFILE_BUDGET_SECONDS)
    try:
        with deps.db.session() as session:
            created = initiatives.create(
                session,
                context["team_id"],
                user_id,
                form,
                people,
                deps.settings.ld_channel_id,
                deps.clock(),
                deps.settings.touchpoint_tz,
            )
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack()
    deps.background.submit(deps.delivery.open_initiative, created)
