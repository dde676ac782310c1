"""Settings, read once from the environment (and a `.env` file) by the entry point and passed down."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///touchpoint.db"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class SettingsError(Exception):
    """A missing or malformed setting, named by its environment variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    ld_channel_id: str
    ld_admin_user_ids: Annotated[tuple[str, ...], NoDecode] = ()
    ld_usergroup_id: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    touchpoint_tz: str = "UTC"
    web_threads: int = Field(default=8, ge=1, le=256)
    touchpoint_pass_seconds: int = Field(default=60, ge=5, le=3600)
    touchpoint_grace_hours: float = Field(default=6, ge=0, le=24 * 14)
    touchpoint_sending_lease_seconds: int = Field(default=300, ge=0, le=24 * 3600)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
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
            v = "postgresql://" + v[len("postgres://"):]
        if v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://"):]
        if not (v.startswith("sqlite://") or v.startswith("postgresql+")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return v

    @field_validator("ld_channel_id")
    @classmethod
    def _channel(cls, v: str) -> str:
        if not _CHANNEL_ID.match(v):
            raise ValueError("must be a Slack channel id such as C0123456789")
        return v

    @field_validator("ld_admin_user_ids", mode="before")
    @classmethod
    def _admins(cls, v: object) -> tuple[str, ...]:
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

    @model_validator(mode="after")
    def _mode(self) -> "Settings":
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise SettingsError("SLACK_SIGNING_SECRET", "required when SLACK_APP_TOKEN is unset (HTTP mode)")
        if not self.ld_admin_user_ids and not self.ld_usergroup_id:
            raise SettingsError("LD_ADMIN_USER_IDS", "set it (or LD_USERGROUP_ID) so someone may manage initiatives")
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one SettingsError that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        ctx_error = (error.get("ctx") or {}).get("error")
        if isinstance(ctx_error, SettingsError):
            raise ctx_error from None
        variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
        problem = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        raise SettingsError(variable, problem) from None
