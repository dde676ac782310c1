"""Submitting the schedule modal: validated inline, saved in one transaction, coming touchpoints re-planned."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import initiatives as initiative_blocks
from bot.blocks import schedules as blocks
from bot.errors import FormInvalid, NotAllowed, UserError
from bot.ids import Callback
from bot.runtime import Deps
from bot.services import cadence


def register(app: App) -> None:
    app.view(Callback.SCHEDULE)(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    if not deps.ld_team.is_member(body["user"]["id"]):
        return ack(response_action="update", view=initiative_blocks.refusal_view(NotAllowed().message))
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    if initiative_id is None:
        raise UserError("This form doesn't belong to an initiative I know.")
    form = blocks.read_schedule(view.get("state", {}).get("values", {}))
    try:
        with deps.db.session() as session:
            name = cadence.save(session, context["team_id"], initiative_id, form, deps.clock())
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    message = blocks.saved(name)
    ack(response_action="update", view=initiative_blocks.refusal_view(message.text))
