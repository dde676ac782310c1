"""Submitting the "new initiative" modal: validate inline, store in one transaction, then DM the stakeholders who
are in working hours (the pass asks the others at a sensible hour of their day) and tell the opener when."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse

from bot.blocks import initiatives as blocks
from bot.errors import FormInvalid
from bot.ids import Callback
from bot.runtime import Deps
from bot.usecases import initiatives, touchpoint_dms
from handlers.authorization import LdOnly

# users.info for the chosen stakeholders must finish well inside Slack's 3 seconds.
PROFILE_BUDGET_SECONDS = 1.5


def register(app: App) -> None:
    app.view(Callback.NEW_INITIATIVE, middleware=[LdOnly()])(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    form = blocks.read_new_initiative(view.get("state", {}).get("values", {}))
    people = deps.slack_now.profiles(form.stakeholder_ids, PROFILE_BUDGET_SECONDS)
    try:
        created = initiatives.open_initiative(deps, context["team_id"], body["user"]["id"], form, people)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack()
    deps.background.submit(touchpoint_dms.open_initiative, deps.outbound, created)
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows
