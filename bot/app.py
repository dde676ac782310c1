"""Composition: build the Bolt app and everything its listeners need, from settings and explicit arguments."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient

import handlers
from bot import metrics
from bot.access import LdTeam
from bot.jobs import BackgroundJobs
from bot.logs import log_team
from bot.oauth import Installs, installs, oauth_settings
from bot.runtime import Deps
from bot.services.team_settings import TeamDefaults
from bot.settings import Settings
from bot.slack.gateway import SlackGateway, make_client
from bot.slack.pacing import THIS_WORKSPACE, Pacer, PacingStore
from bot.slack.workspaces import TeamGateway
from bot.usecases import installs as install_usecases
from bot.usecases.home import HomeTabs
from bot.usecases.outbound import Outbound
from bot.web import WebApp
from storage.db import Database
from storage.types import utcnow

logger = logging.getLogger(__name__)

# What a person of a workspace that removed Touchpoint hears if Slack still lets them reach it.
NOT_INSTALLED = (
    "Touchpoint is not installed in this workspace any more, so it does nothing here. "
    "Your team's data is kept for a while: whoever installs it again from its install page gets everything back."
)


@dataclass
class TouchpointApp:
    bolt: App
    deps: Deps

    def wsgi(self) -> WebApp:
        assert self.deps.settings.slack_signing_secret is not None
        return WebApp(self.bolt, self.deps.db, self.deps.settings.slack_signing_secret.get_secret_value())

    def close(self) -> None:
        self.deps.interactive.shutdown()
        self.deps.background.shutdown()
        self.deps.db.dispose()


def patient_gateway(
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    pacing: PacingStore | None = None,
    team_id: str = THIS_WORKSPACE,
    found: Installs | None = None,
) -> SlackGateway:
    """The Web API for work after an ack and for the clock: waits out rate limits, retries server errors (waiting
    with `sleep`: tests pass one that only notes the wait). With `pacing` (SharedPacing), `team_id`'s pace is the
    one every process keeps together; without, this process's own. With installs (`found`), the gateway of the team
    being worked for, each team on its own token and its own pace."""
    if found is not None:
        return TeamGateway(found.patient)
    assert settings.slack_bot_token is not None
    pacer = Pacer(team_id=team_id, store=pacing)
    token = settings.slack_bot_token.get_secret_value()
    return SlackGateway(make_client(token, settings.slack_api_url, pacer=pacer, sleep=sleep), pacer)


def home_tabs(
    settings: Settings,
    db: Database,
    slack: SlackGateway,
    background: BackgroundJobs,
    ld_team: LdTeam,
    clock: Callable[[], datetime],
) -> HomeTabs:
    """What publishes App Home tabs: the web process's (refreshing the Homes opened since it started) and the
    clock's (refreshing the L&D members' Homes after a pass)."""
    return HomeTabs(
        db,
        slack,
        background,
        ld_team.is_member,
        clock,
        settings.touchpoint_tz,
        ld_team.ld_user_ids,
        ld_members=ld_team.members,
    )


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Callable[[], datetime] = utcnow,
    background: BackgroundJobs | None = None,
    verify_token: bool = True,
    retry_sleep: Callable[[float], None] = time.sleep,
    pacing: PacingStore | None = None,
) -> TouchpointApp:
    db = db or Database(settings.database_url)
    found = installs(settings, db, sleep=retry_sleep, pacing=pacing) if settings.installs else None
    if found is not None:  # no token of its own: Bolt's authorize gives each request its team's
        client = client or WebClient(base_url=settings.slack_api_url)
        slack_now: SlackGateway = TeamGateway(found.now)
    else:
        assert settings.slack_bot_token is not None
        client = client or make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        slack_now = SlackGateway(client)
    slack = patient_gateway(settings, sleep=retry_sleep, pacing=pacing, found=found)
    background = background or BackgroundJobs(workers=1)
    # Checked inside a listener's 3 seconds, before the ack (by listener middleware).
    defaults = TeamDefaults(settings.ld_channel_id, settings.ld_admin_user_ids, settings.ld_usergroup_id)
    ld_team = LdTeam(db, defaults, slack_now)
    deps = Deps(
        settings=settings,
        db=db,
        slack=slack,
        slack_now=slack_now,
        ld_team=ld_team,
        outbound=Outbound(db, slack, clock, settings.touchpoint_tz, settings.ld_channel_id),
        # One worker: summaries and fan-outs may lag a little under load, but each extra thread doing them would take
        # interpreter time from the requests that must be acknowledged within Slack's 3 seconds.
        background=background,
        interactive=BackgroundJobs(workers=4),
        clock=clock,
        home=home_tabs(settings, db, slack, background, ld_team, clock),
        installs=found,
    )
    metrics.watch_database(db, clock)  # /metrics counts this database's outbox
    oauth = None
    if found is not None:
        oauth = oauth_settings(
            settings, found, lambda team, user: install_usecases.installed(deps.outbound, team, user)
        )
    bolt = App(
        client=client,
        oauth_settings=oauth,
        installation_store=found.store if found is not None else None,
        user_facing_authorize_error_message=NOT_INSTALLED if found is not None else None,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=verify_token,
        # Listeners run on the request's own thread and Slack gets its answer when they return. They only ack,
        # touch the database and open modals; anything slow goes to deps.background. (Bolt's other mode answers
        # from a second thread and loses the ack when a listener raises right after acknowledging.)
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )

    def inject(context, next):
        context["deps"] = deps
        return next()

    bolt.use(inject)
    bolt.use(log_team)
    handlers.register(bolt)
    return TouchpointApp(bolt, deps)
