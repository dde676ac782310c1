"""Events: keep stakeholders' names, time zones and active flags in step with Slack, and take workbooks sent to the
app's DM for import. Retried events are dropped."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse

from bot.ids import Event
from bot.runtime import Deps
from bot.usecases import events, workbooks
from handlers.authorization import LdOnly
from handlers.errors import tell_in_dm

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.middleware(drop_retried_events)
    app.event(Event.USER_CHANGE)(on_user_change)
    only_ld = LdOnly("Only L&D members can import initiatives.")
    app.event(Event.MESSAGE, matchers=[is_import_request], middleware=[only_ld])(on_direct_message)
    app.event(Event.MESSAGE)(on_other_message)


def drop_retried_events(body: dict, context, next, deps: Deps):
    """Slack retries an event it thinks we missed; the event_id says whether we already handled it."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not events.first_time_seen(deps, context.get("team_id") or "", str(event_id)):
        logger.info("dropping event %s: already handled", event_id)
        return BoltResponse(status=200, body="")
    return next()


def on_user_change(event: dict, context, deps: Deps) -> None:
    user = event.get("user") or {}
    if not user.get("id"):
        return
    profile = user.get("profile") or {}
    events.person_changed(
        deps,
        context.get("team_id") or user.get("team_id") or "",
        user["id"],
        display_name=profile.get("display_name") or profile.get("real_name") or user.get("name") or user["id"],
        tz=user.get("tz"),
        active=not user.get("deleted", False),
    )


def is_import_request(event: dict) -> bool:
    """A workbook dropped into the app's DM by a person, with the word "import"."""
    return (
        event.get("channel_type") == "im"
        and not event.get("bot_id")
        and bool(event.get("files"))
        and "import" in (event.get("text") or "").lower()
    )


def on_other_message() -> None:
    """Any other message the app can see needs no answer (acknowledged, so that Slack does not retry it)."""


def on_direct_message(event: dict, context, deps: Deps) -> None:
    """A workbook to import: imported after the ack, the answer in the DM."""
    user_id = event.get("user") or ""
    team_id, file_id = context.get("team_id") or "", str(event["files"][0].get("id") or "")

    def run() -> None:
        try:
            workbooks.import_from_slack(deps.outbound, team_id, user_id, file_id)
        except Exception as error:  # noqa: BLE001 - the person hears about it in the DM; unexpected ones are logged
            tell_in_dm(deps, user_id, error)

    deps.background.submit(run)
