"""What every listener needs, built once by create_app and handed to listeners through Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.access import LdTeam
from bot.jobs import BackgroundJobs
from bot.oauth import Installs
from bot.settings import Settings
from bot.slack.gateway import SlackGateway
from bot.usecases.home import HomeTabs
from bot.usecases.outbound import Outbound
from storage.db import Database


@dataclass
class Deps:
    settings: Settings
    db: Database
    slack: SlackGateway  # patient (waits out rate limits): for work after the ack
    slack_now: SlackGateway  # impatient: for calls inside a listener's 3 seconds
    ld_team: LdTeam
    outbound: Outbound  # what the outbound use cases (bot.usecases) run on: the patient gateway, db and clock
    background: BackgroundJobs  # slow work (DM fan-outs that may wait out rate limits)
    interactive: BackgroundJobs  # quick work right after an ack (opening modals: trigger ids last 3 seconds)
    clock: Callable[[], datetime]
    home: HomeTabs  # publishes App Home tabs, in the background
    installs: Installs | None = None  # installs into many workspaces (OAuth); None with one SLACK_BOT_TOKEN
