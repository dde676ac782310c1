"""An L&D member taking the follow-up of a stakeholder's priority shifts from the summary channel, then recording
how it ended in the outcome modal."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import followups as outcome_blocks
from bot.blocks import shifts as blocks
from bot.errors import FormInvalid, UserError
from bot.ids import Action, Callback
from bot.runtime import Deps
from bot.usecases import shift_followups
from handlers.authorization import LdOnly
from handlers.errors import after_ack


def register(app: App) -> None:
    only_ld = LdOnly("Only L&D members can take the follow-up of a priority shift.")
    app.action(Action.FOLLOW_UP, middleware=[only_ld])(on_follow_up)
    only_ld_outcome = LdOnly("Only L&D members can record the outcome of a follow-up.")
    app.action(Action.RECORD_OUTCOME, middleware=[only_ld_outcome])(on_record_outcome)
    app.view(Callback.SHIFT_OUTCOME, middleware=[only_ld_outcome])(on_outcome_submit)


def on_follow_up(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    target = blocks.read_follow_up_value(action.get("value"))
    if target is None:
        raise UserError("That button doesn't belong to a shift I know.")
    team_id, user_id, message_ts = (
        context["team_id"],
        body["user"]["id"],
        (body.get("container") or {}).get("message_ts"),
    )
    after_ack(deps, body, respond, lambda: shift_followups.take(deps, team_id, *target, user_id, message_ts))


def on_record_outcome(
    ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps
) -> None:
    ack()
    target = blocks.read_follow_up_value(action.get("value"))
    if target is None:
        raise UserError("That button doesn't belong to a shift I know.")
    view = outcome_blocks.outcome_modal(shift_followups.outcome_form(deps, context["team_id"], *target))
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_outcome_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    target = outcome_blocks.read_target(view.get("private_metadata"))
    if target is None:
        raise UserError("That form doesn't belong to a shift I know.")
    summary_id, stakeholder_id, upto = target
    values = outcome_blocks.read_outcome(view.get("state", {}).get("values", {}))
    try:
        shift_followups.record_outcome(
            deps,
            context["team_id"],
            summary_id,
            stakeholder_id,
            body["user"]["id"],
            values,
            upto=upto,
            acknowledge=lambda notice: ack(response_action="update", view=notice),
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
