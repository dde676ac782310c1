"""The plan and its sign-off: the L&D Home's "Plan" button (and `/touchpoint plan`, in commands.py) open the plan
modal, whose submission saves it; a stakeholder's "This matches our plan", "Something's off" and "What I will do to
help" from their DM (open to anyone in Slack's eyes: the use case checks that the DM was sent to them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.blocks import plans as blocks
from bot.blocks.common import read_number
from bot.blocks.notices import refusal_view
from bot.errors import FormInvalid, UserError
from bot.ids import Action, Block, Callback
from bot.runtime import Deps
from bot.usecases import plans
from handlers.authorization import LdOnly
from handlers.errors import after_ack


def register(app: App) -> None:
    app.action(Action.HOME_PLAN, middleware=[LdOnly()])(on_plan_button)
    app.view(Callback.PLAN, middleware=[LdOnly()])(on_plan_submit)
    app.action(Action.PLAN_MATCHES)(on_matches)
    app.action(Action.PLAN_OFF)(on_off)
    app.action(Action.PLAN_COMMIT)(on_commit)
    app.view(Callback.PLAN_OFF)(on_off_submit)
    app.view(Callback.PLAN_COMMIT)(on_commit_submit)


def _open(deps: Deps, body: dict, respond: Respond, client: WebClient, view: View) -> None:
    after_ack(deps, body, respond, lambda: client.views_open(trigger_id=body["trigger_id"], view=view))


def on_plan_button(
    ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps
) -> None:
    ack()
    form = plans.form(deps, context["team_id"], read_number(str(action.get("value") or "")))
    _open(deps, body, respond, client, blocks.plan_modal(form))


def on_plan_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> BoltResponse | None:
    initiative_id = blocks.read_initiative_id(view.get("private_metadata"))
    if initiative_id is None:
        raise UserError("This form doesn't belong to an initiative I know.")
    values, ask = blocks.read_plan(view.get("state", {}).get("values", {}))
    try:
        saved = plans.save(deps, context["team_id"], body["user"]["id"], initiative_id, values, ask)
    except FormInvalid as exc:
        return ack(response_action="errors", errors=exc.errors)
    ack(response_action="update", view=refusal_view(blocks.saved_notice(saved)))
    return None  # Bolt sends the ack's response; the errors path above returns it, as Bolt allows


def _signoff_id(action: dict) -> int | None:
    return read_number(str(action.get("value") or ""))


def on_matches(ack: Ack, action: dict, body: dict, respond: Respond, context, deps: Deps) -> None:
    ack()
    container = body.get("container") or {}
    clicked = (container.get("channel_id"), container.get("message_ts"))
    signoff_id, user_id = _signoff_id(action), body["user"]["id"]
    after_ack(deps, body, respond, lambda: plans.matches(deps, context["team_id"], signoff_id, user_id, clicked))


def on_off(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    dm = plans.answer_form(deps, context["team_id"], _signoff_id(action), body["user"]["id"])
    _open(deps, body, respond, client, blocks.off_modal(dm))


def on_commit(ack: Ack, action: dict, body: dict, client: WebClient, respond: Respond, context, deps: Deps) -> None:
    ack()
    dm = plans.answer_form(deps, context["team_id"], _signoff_id(action), body["user"]["id"])
    _open(deps, body, respond, client, blocks.commit_modal(dm))


def on_off_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    _submit_text(ack, body, view, context, Block.PLAN_COMMENT, partial(plans.something_off, deps))


def on_commit_submit(ack: Ack, body: dict, view: dict, context, deps: Deps) -> None:
    _submit_text(ack, body, view, context, Block.PLAN_COMMITMENT, partial(plans.commit, deps))


def _submit_text(ack: Ack, body: dict, view: dict, context, block: str, record: Callable[..., None]) -> None:
    """A stakeholder's words on their sign-off ("Something's off", "What I will do to help"): recorded, or the
    problem shown under the field."""
    text = blocks.read_comment(view.get("state", {}).get("values", {}), block)
    signoff_id = blocks.read_signoff_id(view.get("private_metadata"))
    try:
        record(
            context["team_id"],
            signoff_id,
            body["user"]["id"],
            text,
            acknowledge=lambda notice: ack(response_action="update", view=notice),
        )
    except FormInvalid as exc:
        ack(response_action="errors", errors=exc.errors)
