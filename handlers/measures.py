"""Submitting the measures modal: one success measure, validated inline, stored in one transaction."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.blocks import measures as blocks
from bot.blocks.initiatives import notice_view, refusal_view
from bot.errors import FormInvalid, NotAllowed
from bot.ids import Block, Callback
from bot.runtime import Deps
from bot.services import measures


def register(app: App) -> None:
    app.view(Callback.MEASURE)(on_submit)


def on_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    user_id = body["user"]["id"]
    if not deps.ld_team.is_member(user_id):
        return ack(response_action="update", view=refusal_view(NotAllowed().message))
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    values = blocks.read_measure(view.get("state", {}).get("values", {}))
    try:
        if initiative_id is None:
            raise FormInvalid({Block.MEASURE_NAME: "This form doesn't belong to an initiative I know."})
        with deps.db.session() as session:
            initiative_name, name = measures.save(
                session, context["team_id"], initiative_id, user_id, values, deps.clock()
            )
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=notice_view(blocks.measure_saved(initiative_name, name).text))
