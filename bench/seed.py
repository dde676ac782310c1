"""Fill a database with a realistic amount of Touchpoint data, fast (bulk inserts, no Slack)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from storage.db import Database
from storage.models import Answer, Initiative, InitiativeStakeholder, Stakeholder, Touchpoint, table_of

TEAM = "T0BENCH"
LD_ADMIN = "U0BENCHLD"


def fresh_database(url: str | None) -> Database:
    """A migrated, empty database: a new SQLite file, or the given PostgreSQL database with its schema replaced."""
    from bot.settings import load_settings

    url = url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    url = load_settings(
        slack_bot_token="xoxb-x",
        slack_signing_secret="x",
        ld_channel_id="C0BENCH",
        ld_admin_user_ids=LD_ADMIN,
        database_url=url,
    ).database_url
    db = Database(url)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.migrate()
    return db


def bench_settings(slack_url: str, database_url: str):
    """The settings of an app the benchmarks run in process, against the simulated Slack at slack_url."""
    from bot.settings import load_settings
    from bot.simulator.webapi import TOKEN

    return load_settings(
        slack_bot_token=TOKEN,
        slack_signing_secret="x",
        slack_api_url=slack_url,
        database_url=database_url,
        ld_channel_id="C0BENCH",
        ld_admin_user_ids=LD_ADMIN,
    )


def bench_installs_settings(slack, database_url: str):
    """The settings of a clock in installs mode ("Add to Slack"), against the simulated Slack `slack`: the OAuth
    client it registered, no bot token and no L&D channel of its own."""
    from bot.settings import load_settings

    app = slack.cloud.app
    return load_settings(
        slack_client_id=app.client_id,
        slack_client_secret=app.client_secret,
        slack_redirect_uri="https://touchpoint.example.com/slack/oauth_redirect",
        slack_signing_secret="x",
        slack_api_url=slack.url,
        database_url=database_url,
    )


def install_teams(db: Database, slack, settings, team_ids: list[str]) -> None:
    """Each team as "Add to Slack" leaves it, without the browser: a workspace of the simulated Slack (its L&D
    member, its L&D channel) with a bot token Slack issued for it (and a refresh token, when the app rotates them),
    that token in the installation store, the team active with its installer as its L&D member and C0BENCH as its
    L&D channel."""
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    from bot.ids import BOT_SCOPES
    from bot.services import installs
    from storage.repositories import team_settings as team_rows

    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=db.engine)
    now = datetime.now(UTC)
    for team_id in team_ids:
        workspace = slack.add_workspace(team_id, name=team_id)
        workspace.add_user(LD_ADMIN, "Lena Bench")
        workspace.add_channel("C0BENCH")
        issued = slack.cloud.issue(team_id)
        store.save(
            Installation(
                app_id="ATOUCHPOINT",
                team_id=team_id,
                team_name=team_id,
                bot_token=issued["access_token"],
                bot_id="BTOUCHBOT",
                bot_user_id=workspace.BOT_USER,
                bot_scopes=",".join(sorted(BOT_SCOPES)),
                bot_refresh_token=issued.get("refresh_token"),
                bot_token_expires_in=issued.get("expires_in"),
                user_id=LD_ADMIN,
                token_type="bot",
                installed_at=now.timestamp(),
            )
        )
        with db.session() as session:
            installs.installed(session, team_id, LD_ADMIN, now)
            team_rows.save_team_settings(session, team_id, {"ld_channel_id": "C0BENCH"})


def bench_env(slack_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Touchpoint process (`python -m bot`, `touchpoint tick`) a benchmark starts."""
    import os

    from bot.simulator.webapi import TOKEN

    return {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_API_URL": slack_url,
        "DATABASE_URL": database_url,
        "LD_CHANNEL_ID": "C0BENCH",
        "LD_ADMIN_USER_IDS": LD_ADMIN,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _batches(rows: list[dict], size: int = 5000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def team_of(initiative: int, teams: int) -> str:
    """The workspace of the initiative numbered `initiative` (from 0) when `teams` share the database."""
    return TEAM if teams == 1 else f"{TEAM}{initiative % teams:03d}"


def seed(
    db: Database, *, initiatives: int, stakeholders_per_initiative: int, answered_share: float = 0.5, teams: int = 1
) -> dict:
    """Initiatives, each with its own stakeholders, kickoffs sent, and a share of them answered; the initiatives
    dealt round the `teams` workspaces (each stakeholder in their initiative's)."""
    now = datetime.now(UTC) - timedelta(days=30)
    with db.engine.begin() as conn:
        for batch in _batches(
            [
                dict(
                    id=i + 1,
                    team_id=team_of(i, teams),
                    name=f"Initiative {i:05d}",
                    name_key=f"initiative {i:05d}",
                    business_goal="Grow revenue per rep by 10% this year",
                    description="",
                    summary_channel_id="C0BENCH",
                    created_by=LD_ADMIN,
                    created_at=now,
                    active=True,
                )
                for i in range(initiatives)
            ]
        ):
            conn.execute(insert(table_of(Initiative)), batch)
        total = initiatives * stakeholders_per_initiative
        for batch in _batches(
            [
                dict(
                    id=s + 1,
                    team_id=team_of(s // stakeholders_per_initiative, teams),
                    user_id=f"U{s:09d}",
                    display_name=f"Person {s}",
                    tz="Europe/London",
                    dm_channel_id=f"D{s:09d}",
                    active=True,
                    updated_at=now,
                )
                for s in range(total)
            ]
        ):
            conn.execute(insert(table_of(Stakeholder)), batch)
        for batch in _batches(
            [
                dict(
                    team_id=team_of(s // stakeholders_per_initiative, teams),
                    initiative_id=s // stakeholders_per_initiative + 1,
                    stakeholder_id=s + 1,
                    added_at=now,
                )
                for s in range(total)
            ]
        ):
            conn.execute(insert(table_of(InitiativeStakeholder)), batch)
        for batch in _batches(
            [
                dict(
                    id=s + 1,
                    team_id=team_of(s // stakeholders_per_initiative, teams),
                    initiative_id=s // stakeholders_per_initiative + 1,
                    stakeholder_id=s + 1,
                    kind="kickoff",
                    period="kickoff",
                    status="sent",
                    due_at=now,
                    sent_at=now,
                    channel_id=f"D{s:09d}",
                    message_ts=f"1700000000.{s:06d}",
                    attempts=1,
                )
                for s in range(total)
            ]
        ):
            conn.execute(insert(table_of(Touchpoint)), batch)
        answered = int(total * answered_share)
        for batch in _batches(
            [
                dict(
                    team_id=team_of(s // stakeholders_per_initiative, teams),
                    initiative_id=s // stakeholders_per_initiative + 1,
                    stakeholder_id=s + 1,
                    touchpoint_id=s + 1,
                    question=q,
                    text=f"Answer {q} {s}",
                    version=1,
                    answered_at=now,
                )
                for s in range(answered)
                for q in ("impact", "tracking")
            ]
        ):
            conn.execute(insert(table_of(Answer)), batch)
        if db.engine.dialect.name == "postgresql":  # explicit ids above: move the sequences past them
            for table in ("initiative", "stakeholder", "touchpoint"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    return {"initiatives": initiatives, "stakeholders": total, "touchpoints": total, "answers": answered * 2}
