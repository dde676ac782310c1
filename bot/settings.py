"""Settings, read once from the environment (and a `.env` file) by the entry point and passed down."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, Unpack
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.ids import USER_ID
from storage.db import url_problem

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///touchpoint.db"

_USER_ID = re.compile(f"^{USER_ID}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class SettingsError(Exception):
    """Missing or malformed settings, each named by its environment variable: one line per setting."""

    def __init__(self, variable: str, problem: str, *more: tuple[str, str]) -> None:
        self.problems = ((variable, problem), *more)
        super().__init__("\n".join(f"{v}: {p}" for v, p in self.problems))
        self.variable = variable

    @classmethod
    def every(cls, problems: list[tuple[str, str]]) -> SettingsError:
        return cls(*problems[0], *problems[1:])


class LogSettingsInput(TypedDict, total=False):
    """LogSettings as the environment gives them: strings, which the validators check and convert."""

    log_level: str
    log_format: str
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_client_secret: str


class SettingsInput(TypedDict, total=False):
    """Settings as the environment gives them (strings), or as code may pass them instead; the fields' validators
    check and convert them."""

    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_client_id: str
    slack_client_secret: str
    slack_redirect_uri: str
    touchpoint_public_url: str
    touchpoint_keep_days: int | str
    slack_api_url: str
    database_url: str
    ld_channel_id: str
    ld_admin_user_ids: str | Iterable[str]
    ld_usergroup_id: str
    port: int | str
    touchpoint_tz: str
    web_threads: int | str
    touchpoint_pass_seconds: int | str
    touchpoint_grace_hours: float | str
    touchpoint_sending_lease_seconds: int | str
    touchpoint_metrics_port: int | str | None


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class LogSettings(BaseSettings):
    """What the logging setup reads before any other setting (so that their problems can be logged): the level, the
    format, and the secrets it must never write (read as given, without the checks Settings makes of them)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    log_level: str = "INFO"
    log_format: str = "text"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_secret: SecretStr | None = None

    if TYPE_CHECKING:
        # The plugin's typed __init__ (init_typed) would take the parsed types (SecretStr...); a settings object is
        # built from the environment's strings, which pydantic converts, so that is what the signature says.
        def __init__(self, **values: Unpack[LogSettingsInput]) -> None: ...

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return v.strip().upper()

    @field_validator("log_format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v.strip().lower() not in LOG_FORMATS:
            raise ValueError("must be text or json")
        return v.strip().lower()

    def secrets(self) -> tuple[str, ...]:
        given = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.slack_client_secret)
        return tuple(s.get_secret_value() for s in given if s is not None and s.get_secret_value())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None  # one workspace; or the OAuth client below, for installs into many
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_redirect_uri: str | None = None  # default: TOUCHPOINT_PUBLIC_URL + /slack/oauth_redirect
    touchpoint_public_url: str | None = None
    touchpoint_keep_days: int = Field(default=30, ge=0, le=3650)  # an uninstalled team's data kept this long
    slack_api_url: str = SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    ld_channel_id: str = ""  # required with SLACK_BOT_TOKEN; with installs, each installer chooses their team's
    ld_admin_user_ids: Annotated[tuple[str, ...], NoDecode] = ()
    ld_usergroup_id: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    touchpoint_tz: str = "UTC"
    web_threads: int = Field(default=8, ge=1, le=256)
    touchpoint_pass_seconds: int = Field(default=60, ge=5, le=3600)
    touchpoint_grace_hours: float = Field(default=6, ge=0, le=24 * 14)
    touchpoint_sending_lease_seconds: int = Field(default=300, ge=0, le=24 * 3600)
    touchpoint_metrics_port: int | None = Field(default=None, ge=1, le=65535)  # the clock's /metrics and /healthz

    if TYPE_CHECKING:
        # As for LogSettings: the environment's strings (or values code passes instead), converted by pydantic.
        def __init__(self, **values: Unpack[SettingsInput]) -> None: ...

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is None or not v.get_secret_value():
            return None
        if not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return v

    @field_validator("slack_client_id", "slack_redirect_uri", "touchpoint_public_url")
    @classmethod
    def _empty_is_unset(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None

    @field_validator("slack_redirect_uri", "touchpoint_public_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an https:// URL (Slack redirects only to the URL the app lists)")
        return v

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return v

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret(cls, v: SecretStr | None) -> SecretStr | None:
        return v if v is not None and v.get_secret_value() else None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return v if v.endswith("/") else v + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        # Heroku and others still hand out postgres://, which SQLAlchemy no longer accepts.
        if v.startswith("postgres://"):
            v = "postgresql://" + v[len("postgres://") :]
        if v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://") :]
        if not (v.startswith("sqlite://") or v.startswith("postgresql+")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        problem = url_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @field_validator("ld_channel_id")
    @classmethod
    def _channel(cls, v: str) -> str:
        if v and not _CHANNEL_ID.match(v):
            raise ValueError("must be a Slack channel id such as C0123456789")
        return v

    @field_validator("ld_admin_user_ids", mode="before")
    @classmethod
    def _admins(cls, v: str | Iterable[str] | None) -> tuple[str, ...]:
        items = [s.strip() for s in v.split(",")] if isinstance(v, str) else list(v or ())
        items = [s for s in items if s]
        bad = [s for s in items if not _USER_ID.match(s)]
        if bad:
            raise ValueError(f"not Slack user ids: {', '.join(bad)}")
        return tuple(items)

    @field_validator("ld_usergroup_id")
    @classmethod
    def _usergroup(cls, v: str | None) -> str | None:
        if v and not _USERGROUP_ID.match(v):
            raise ValueError("must be a Slack user group id such as S0123456789")
        return v or None

    @field_validator("touchpoint_tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler) -> Settings:
        # Settings that are required only together are checked on what was given, before the fields are validated,
        # so that a person fixing their environment hears of every problem at once, not one per start.
        given = {k: v for k, v in data.items() if v not in (None, "", ())} if isinstance(data, dict) else {}
        missing = []
        if "slack_app_token" not in given and "slack_signing_secret" not in given:
            missing.append(("SLACK_SIGNING_SECRET", "required when SLACK_APP_TOKEN is unset (HTTP mode)"))
        missing += _mode_problems(given)
        try:
            settings = handler(data)
        except ValidationError as exc:
            raise SettingsError.every(_problems(exc) + missing) from None
        if missing:
            raise SettingsError.every(missing)
        return settings

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def installs(self) -> bool:
        """Installed into many workspaces through OAuth ("Add to Slack"), not one workspace's SLACK_BOT_TOKEN."""
        return self.slack_bot_token is None

    @property
    def redirect_uri(self) -> str | None:
        if self.slack_redirect_uri:
            return self.slack_redirect_uri
        return self.touchpoint_public_url.rstrip("/") + REDIRECT_PATH if self.touchpoint_public_url else None


REDIRECT_PATH = "/slack/oauth_redirect"
INSTALL_PATH = "/slack/install"


def _mode_problems(given: dict) -> list[tuple[str, str]]:
    """One workspace (SLACK_BOT_TOKEN, with its L&D channel and members) or installs into many (the OAuth client,
    the redirect URL, HTTP mode): which settings of the chosen mode are missing, and which do not belong to it."""
    token, client = "slack_bot_token" in given, "slack_client_id" in given or "slack_client_secret" in given
    if token and client:
        return [
            (
                "SLACK_CLIENT_ID",
                "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(installs into many workspaces), not both",
            )
        ]
    if not token and not client:
        return [
            (
                "SLACK_BOT_TOKEN",
                "is required (one workspace); or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to "
                "install into many workspaces",
            )
        ]
    if token:
        problems = []
        if "ld_channel_id" not in given:
            problems.append(("LD_CHANNEL_ID", "is required with SLACK_BOT_TOKEN"))
        if "ld_admin_user_ids" not in given and "ld_usergroup_id" not in given:
            problems.append(("LD_ADMIN_USER_IDS", "set it (or LD_USERGROUP_ID) so someone may manage initiatives"))
        return problems
    problems = [
        (variable.upper(), "is required with " + other.upper())
        for variable, other in (("slack_client_id", "slack_client_secret"), ("slack_client_secret", "slack_client_id"))
        if variable not in given
    ]
    if "slack_redirect_uri" not in given and "touchpoint_public_url" not in given:
        problems.append(("SLACK_REDIRECT_URI", "set it (or TOUCHPOINT_PUBLIC_URL) to the manifest's redirect URL"))
    if "slack_app_token" in given:
        problems.append(
            (
                "SLACK_APP_TOKEN",
                "Socket Mode cannot serve the install pages: unset it to install over "
                "HTTP, or use SLACK_BOT_TOKEN for one workspace",
            )
        )
    return problems


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Pydantic's report as (variable, problem) pairs, without the values given (they may be secrets)."""
    problems = []
    for error in exc.errors():
        variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
        problem = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        problems.append((variable, problem))
    return problems


def load_log_settings(**overrides: Unpack[LogSettingsInput]) -> LogSettings:
    """LOG_LEVEL and LOG_FORMAT (and the secrets to redact); a SettingsError naming each malformed one."""
    try:
        return LogSettings(**overrides)
    except ValidationError as exc:
        raise SettingsError.every(_problems(exc)) from None


def load_settings(**overrides: Unpack[SettingsInput]) -> Settings:
    """Build settings; a SettingsError naming every missing or malformed variable if they are wrong."""
    return Settings(**overrides)
