"""Installs into many workspaces ("Add to Slack", OAuth v2): Bolt's OAuth flow on slack_sdk's SQLAlchemy
installation and state stores, in Touchpoint's own database (their tables are the migrations', never the stores'
create_tables), and the gateways of each installed team."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.oauth.callback_options import CallbackOptions, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.ids import BOT_SCOPES
from bot.settings import INSTALL_PATH, REDIRECT_PATH, Settings
from bot.slack.pacing import PacingStore
from bot.slack.workspaces import InstalledWorkspaces
from storage.db import Database

STATE_SECONDS = 600  # an "Add to Slack" must come back within ten minutes, as Slack's codes do


@dataclass(frozen=True)
class Installs:
    store: SQLAlchemyInstallationStore
    states: SQLAlchemyOAuthStateStore
    client: WebClient  # no token: oauth.v2.access and token rotation, against SLACK_API_URL
    patient: InstalledWorkspaces  # the gateways for work after an ack and for the clock
    now: InstalledWorkspaces  # the gateways for calls inside a listener's 3 seconds

    def forget(self, team_id: str) -> None:
        self.patient.forget(team_id)
        self.now.forget(team_id)

    def remove(self, team_id: str) -> None:
        """The team's installations and bot tokens deleted (revoked by Slack already): nothing can act for it."""
        self.store.delete_all(enterprise_id=None, team_id=team_id)
        self.forget(team_id)


def installs(
    settings: Settings,
    db: Database,
    *,
    sleep: Callable[[float], None] = time.sleep,
    pacing: PacingStore | None = None,
) -> Installs:
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client_id, secret = settings.slack_client_id, settings.slack_client_secret.get_secret_value()
    store = SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine)
    client = WebClient(base_url=settings.slack_api_url)
    rotator = TokenRotator(client_id=client_id, client_secret=secret, client=client)

    def gateways(patient: bool) -> InstalledWorkspaces:
        return InstalledWorkspaces(store, settings.slack_api_url, rotator, patient=patient, pacing=pacing, sleep=sleep)

    states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=db.engine)
    return Installs(store, states, client, gateways(True), gateways(False))


def oauth_settings(settings: Settings, found: Installs, on_installed: Callable[[str, str], object]) -> OAuthSettings:
    """Bolt's OAuth flow: /slack/install starts it, Slack comes back to /slack/oauth_redirect (state checked, code
    exchanged, installation saved), then `on_installed(team, installer)` and Bolt's "installed" page."""
    assert settings.slack_client_secret is not None

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        found.forget(installation.team_id or "")
        on_installed(installation.team_id or "", installation.user_id)
        return args.default.success(args)

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(settings.slack_api_url),
        installation_store=found.store,
        installation_store_bot_only=True,
        state_store=found.states,
        callback_options=CallbackOptions(success=success, failure=lambda args: args.default.failure(args)),
    )


def authorization_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API: https://slack.com/oauth/v2/authorize for https://slack.com/api/."""
    return api_url.removesuffix("/").removesuffix("/api") + "/oauth/v2/authorize"
