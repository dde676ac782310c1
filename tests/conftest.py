"""Fixtures: a database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the simulated Slack, the app.

The app takes the workspace's signed requests in this process, through its WSGI callable (`app`, `server`): the
signature check and the shape checks stay in the path, without a socket or a server thread. The tests whose subject
is the HTTP front itself (its contract, raw headers, bodies cut off by the server, health checks) use `http_app` or
`http_server`: the same app behind a real HTTP server on a random loopback port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import freezegun.api
import psycopg
import pytest
from freezegun import freeze_time
from sqlalchemy import make_url, text
from sqlmodel import SQLModel

from bot.app import TouchpointApp, create_app
from bot.server import ServerThread
from bot.settings import Settings, load_settings
from bot.simulator import FakeSlackApi, Workspace
from bot.simulator.webapi import TOKEN
from bot.simulator.workspace import in_process
from storage.db import Database
from tests.manifest_usage import (
    SLACK_USAGE,
    check_usage_against_manifest,
    hand_to_controller,
    is_worker,
    note_collected,
    note_deselected,
    take_from_worker,
)
from tests.slack_contract import assert_everything_sent_is_valid

SECRET = "simulated-signing-secret"
TEAM = "T0SIMULATED"
LD_CHANNEL = "C0LDTEAM"
LENA, PRIYA = "U0LENA", "U0PRIYA"  # L&D members
SAM, OLU, MEI = "U0SAM", "U0OLU", "U0MEI"  # stakeholders
CHRIS = "U0CHRIS"  # neither
APPBOT, GONE = "U0APPBOT", "U0GONE"


POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def worker_postgres_url(url: str) -> str:
    """The PostgreSQL database of this test process: TEST_DATABASE_URL's, or under pytest-xdist one of the worker's
    own beside it (created when missing): the PostgreSQL tests empty their tables, so two workers must never share
    one. Made when the first PostgreSQL test asks for it, so a run without one never connects."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    with psycopg.connect(base.set(drivername="postgresql", database="postgres").render_as_string(False)) as conn:
        conn.autocommit = True
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


# What a moved wall clock (libfaketime, as `../shared/tools/at` sets it) travels in: child processes keep it.
CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "FAKETIME_FORCE_MONOTONIC_FIX")


def process_env(*keep: str, **values: str) -> dict[str, str]:
    """A small environment for a child process: the named variables of ours, the clock's, and `values`."""
    env = {k: v for k, v in os.environ.items() if k in keep or k in CLOCK_VARIABLES}
    return env | values


def pytest_collection_finish(session):
    note_collected(session)


def pytest_deselected(items):
    note_deselected(items)


def pytest_sessionfinish(session, exitstatus):
    if is_worker(session.config):
        hand_to_controller(session.config)
    else:
        check_usage_against_manifest(session)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker is done (only called on the controller, and only when xdist runs)."""
    take_from_worker(node)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("template") / "touchpoint.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped (.ci/run sets it)")
    settings_url = load_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        ld_channel_id=LD_CHANNEL,
        ld_admin_user_ids=LENA,
        database_url=worker_postgres_url(POSTGRES_URL),
    ).database_url
    db = Database(settings_url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path, sqlite_template) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "touchpoint.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield database


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi(TEAM, usage=SLACK_USAGE)
    api.add_user(LENA, "Lena Park", tz="Europe/London")
    api.add_user(PRIYA, "Priya Shah", tz="Europe/London")
    api.add_user(SAM, "Sam Okafor", tz="America/New_York")
    api.add_user(OLU, "Olu Adeyemi", tz="Europe/London")
    api.add_user(MEI, "Mei Tanaka", tz="Asia/Tokyo")
    api.add_user(CHRIS, "Chris Doe", tz="Europe/Paris")
    api.add_user(APPBOT, "Expense Bot", is_bot=True)
    api.add_user(GONE, "Former Colleague", deleted=True)
    api.add_channel(LD_CHANNEL)
    api.add_channel("C0SALES", bot_is_member=False)
    with api:
        yield api


class Waits:
    """The waits the patient Slack client asks for (Retry-After, backoff), noted instead of slept: tests of retries
    assert the waits and take no real seconds."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def make_settings(slack: FakeSlackApi, db: Database, **overrides) -> Settings:
    values = dict(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        database_url=db.url,
        ld_channel_id=LD_CHANNEL,
        ld_admin_user_ids=f"{LENA},{PRIYA}",
    )
    return load_settings(**{**values, **overrides})


@dataclass
class Running:
    touchpoint: TouchpointApp
    url: str | None  # the HTTP server's, when there is one
    workspace: Workspace
    slack: FakeSlackApi
    waits: Waits

    @property
    def db(self) -> Database:
        return self.touchpoint.deps.db

    def settle(self) -> None:
        """Wait for the work the app does after acknowledging (DMs, summaries)."""
        deps = self.touchpoint.deps
        assert deps.interactive.wait_idle(timeout=20), "work after the ack did not finish"
        assert deps.background.wait_idle(timeout=20), "background work did not finish"


class AppServer:
    """The app, started and stopped by tests (and restarted): taking requests in this process, or with http=True on
    a real HTTP server on a random loopback port."""

    def __init__(self, slack: FakeSlackApi, db: Database, *, http: bool = False, **settings) -> None:
        self.slack, self.db, self.http, self.settings = slack, db, http, settings
        self.running: Running | None = None
        self.waits = Waits()
        self._server: ServerThread | None = None

    def start(self) -> Running:
        settings = make_settings(self.slack, self.db, **self.settings)
        touchpoint = create_app(settings, db=Database(self.db.url), retry_sleep=self.waits)
        if self.http:
            self._server = ServerThread(touchpoint).start()
            url: str | None = self._server.url
            workspace = Workspace(self.slack, self._server.url + "/slack/events", SECRET)
        else:
            url, workspace = None, Workspace(self.slack, in_process(touchpoint.wsgi()), SECRET)
        self.running = Running(touchpoint, url, workspace, self.slack, self.waits)
        return self.running

    def stop(self) -> None:
        if self.running is not None:
            self.running.settle()
            if self._server is not None:
                self._server.stop()
                self._server = None
            self.running.touchpoint.close()
            self.running = None


@pytest.fixture
def server(slack, db) -> Iterator[AppServer]:
    app_server = AppServer(slack, db)
    yield app_server
    app_server.stop()


@pytest.fixture
def http_server(slack, db) -> Iterator[AppServer]:
    app_server = AppServer(slack, db, http=True)
    yield app_server
    app_server.stop()


# Tests of the app through its front door run on a fixed working afternoon (Tuesday 5 January 2027, 15:00 UTC:
# working hours in London, Paris and New York), never on the day the suite happens to run.
WORKING_AFTERNOON = datetime(2027, 1, 5, 15, tzinfo=UTC)


def _on_working_afternoon(server: AppServer, slack: FakeSlackApi) -> Iterator[Running]:
    with freeze_time(WORKING_AFTERNOON, tick=True):
        yield server.start()
        # Stopped inside the frozen clock: an HTTP server thread still asking the time while freezegun unwinds
        # raises in that thread (IndexError in freezegun), which fails the test's teardown at random.
        server.stop()
    assert_everything_sent_is_valid(slack)


@pytest.fixture
def app(server, slack) -> Iterator[Running]:
    yield from _on_working_afternoon(server, slack)


@pytest.fixture
def http_app(http_server, slack) -> Iterator[Running]:
    """The app behind a real HTTP server: for the tests of the HTTP front itself."""
    yield from _on_working_afternoon(http_server, slack)


CHECK_INS_OUT = datetime(2027, 2, 9, 15, tzinfo=UTC)  # Olu's (London) and Sam's (New York) February check-ins


@pytest.fixture
def checked_in(server, slack, db):
    """Sam and Olu, both with their impact stated, each with February's check-in in their DM."""
    from tests.flows import answer, open_initiative
    from tests.scheduling_world import World

    start = datetime(2027, 1, 5, 15, tzinfo=UTC)  # working hours in London and New York: first DMs at once
    with freeze_time(start, tick=True):
        app = server.start()
        open_initiative(app, LENA, stakeholders=[SAM, OLU])
        answer(app, SAM, "New reps close a deal in their first month", "Time to first deal in Salesforce")
        answer(app, OLU, "New reps close a deal in their first month", "Win rate in Salesforce")
    world = World.make(slack, db)
    world.run(start + timedelta(minutes=5))
    world.run(CHECK_INS_OUT)
    return app, world


def _module_attributes_key(module) -> str:
    """What freezegun compares to tell that a module changed since it last looked for time functions in it: its
    identity and how many names it holds. freezegun's own key sorts and hashes every module's dir() at each
    freeze_time() start, about 30 ms with the 1,700 modules a test session has loaded, and the suite starts
    freeze_time thousands of times (each pass of a simulated year). A name rebound in place is missed by both."""
    return f"{id(module)}-{len(getattr(module, '__dict__', ()))}"


freezegun.api._get_module_attributes_hash = _module_attributes_key
