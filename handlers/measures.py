"""Submitting the measures modal: one success measure, validated inline, stored in one transaction."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltResponse

from bot.blocks import measures as blocks
from bot.blocks.notices import notice_view
from bot.errors import FormInvalid
from bot.ids import Callback
from bot.runtime import Deps
from bot.usecases import measure_agreement, measures
from handlers.authorization import LdOnly


def register(app: App) -> None:
    app.view(Callback.MEASURE, middleware=[LdOnly()])(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    values = blocks.read_measure(view.get("state", {}).get("values", {}))
    try:
        initiative_name, name, proposal_id = measures.save(
            deps, context["team_id"], initiative_id, body["user"]["id"], values
        )
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=notice_view(blocks.measure_saved(initiative_name, name).text))
    # Its owner is asked after the ack; a stopping web process hands it to the scheduling pass.
    deps.background.submit(
        measure_agreement.send_one,
        deps.outbound,
        proposal_id,
        hand_back=lambda: measure_agreement.hand_back(deps.outbound, proposal_id),
    )
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows
