"""The one error handler: a UserError becomes a private message; anything else is logged under an id the user sees.

Bolt calls `on_error` for whatever a listener raises; `after_ack` runs a listener's remaining work once Slack has
its answer, and sends what that work raises through the same reporting.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from slack_bolt import Ack, App, BoltResponse, Respond

from bot.blocks import Message
from bot.blocks.notices import notice_view, refusal, unexpected_error
from bot.errors import UserError
from bot.runtime import Deps

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.error(on_error)


def on_error(error: Exception, body: dict, ack: Ack, respond: Respond, deps: Deps | None) -> BoltResponse:
    message = _describe(error)
    if ack is not None and ack.response is not None:
        # Already acknowledged: that stays Slack's answer, and the user hears privately.
        _tell(body, message, respond, deps)
        return ack.response
    if body.get("type") == "view_submission" or body.get("command"):
        # Not acknowledged yet: answer Slack's request itself, in a shape the user sees.
        return _as_ack(body, message)
    # A button or an event (refused before its ack, say): Slack needs only the ack, the user hears privately.
    if deps is not None:
        deps.interactive.submit(_tell, body, message, respond, deps)
    return BoltResponse(status=200, body="")


def after_ack(deps: Deps, body: dict, respond: Respond, work: Callable[[], object]) -> None:
    """Run work on the interactive pool (quick calls such as views.open); its errors reach the user as above."""

    def guarded() -> None:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - reported to the user and logged with its traceback
            _tell(body, _describe(error), respond, deps)

    deps.interactive.submit(guarded)


def tell_in_dm(deps: Deps, user_id: str, error: Exception) -> None:
    """Report an error of work that has no request to answer (after an event) in the person's DM."""
    message = _describe(error)
    try:
        deps.slack.post(user_id, message.text, message.blocks or None)
    except Exception:
        logger.exception("could not tell %s about an error", user_id)


def _describe(error: Exception) -> Message:
    if isinstance(error, UserError):
        logger.info("refused: %s", error.message)
        return refusal(error.message)
    error_id = uuid.uuid4().hex[:10]
    logger.error("unexpected error %s", error_id, exc_info=error, extra={"error_id": error_id})
    return unexpected_error(error_id)


def _as_ack(body: dict, message: Message) -> BoltResponse:
    if body.get("type") == "view_submission":
        payload = {"response_action": "update", "view": notice_view(message.text).to_dict()}  # text: mrkdwn already
    else:
        payload = {"response_type": "ephemeral", "text": message.text}
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})


def _tell(body: dict, message: Message, respond: Respond, deps: Deps | None) -> None:
    try:
        if body.get("response_url"):
            respond(text=message.text, blocks=message.blocks or None, response_type="ephemeral", replace_original=False)
            return
        user_id = (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")
        if user_id and deps is not None:
            deps.slack_now.post(user_id, message.text, message.blocks or None)
    except Exception:
        logger.exception("could not tell the user about an error")
