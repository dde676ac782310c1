"""Submitting the schedule modal: validated inline, saved in one transaction, coming touchpoints re-planned."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse

from bot.blocks import schedules as blocks
from bot.blocks.notices import refusal_view
from bot.errors import FormInvalid, UserError
from bot.ids import Callback
from bot.runtime import Deps
from bot.usecases import schedules
from handlers.authorization import LdOnly


def register(app: App) -> None:
    app.view(Callback.SCHEDULE, middleware=[LdOnly()])(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    if initiative_id is None:
        raise UserError("This form doesn't belong to an initiative I know.")
    form = blocks.read_schedule(view.get("state", {}).get("values", {}))
    try:
        name = schedules.save(deps, context["team_id"], initiative_id, form)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=refusal_view(blocks.saved(name).text))
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows
