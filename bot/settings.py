"""The one settings object (DESIGN §3), read from the environment or a `.env` file.

Built once in `main()` and passed down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Settings(BaseSettings):
    """Every setting of the bot. Environment variable names are the field names in upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        frozen=True,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///./rrm.db"
    rrm_encryption_key: SecretStr | None = None
    rrm_coordinators: Annotated[tuple[str, ...], NoDecode] = ()
    rrm_partnership_file: Path | None = None
    rrm_form_file: Path | None = None
    rrm_timezone: str = "Europe/London"
    rrm_retention_days: int = Field(default=365, ge=1, le=36500)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value() and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError(
                "must be a bot token starting with xoxb- (Slack app > OAuth & Permissions)"
            )
        return _blank_to_none(v)

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value() and not v.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "must be an app-level token starting with xapp- (Slack app > Basic Information)"
            )
        return _blank_to_none(v)

    @field_validator("slack_signing_secret", "rrm_encryption_key")
    @classmethod
    def _blank_secret(cls, v: SecretStr | None) -> SecretStr | None:
        return _blank_to_none(v)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        v = v.strip()
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL, e.g. https://slack.com/api/")
        return v if v.endswith("/") else v + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str) -> str:
        v = v.strip()
        if not v.startswith(("sqlite:", "postgresql", "postgres:")):
            raise ValueError(
                f"{v.split(':', 1)[0]!r} databases are not supported; use sqlite:///path/rrm.db "
                "or postgresql://user@host:5432/dbname"
            )
        return v

    @field_validator("rrm_coordinators", mode="before")
    @classmethod
    def _coordinators(cls, v: object) -> tuple[str, ...]:
        items = (
            v.split(",") if isinstance(v, str) else list(v) if isinstance(v, list | tuple) else v
        )
        if not isinstance(items, list):
            raise ValueError(
                "must be a comma-separated list of Slack user ids, e.g. U0ABC123,U0DEF456"
            )
        ids = tuple(str(i).strip() for i in items if str(i).strip())
        bad = [i for i in ids if not _USER_ID.match(i)]
        if bad:
            raise ValueError(
                f"{bad[0]!r} is not a Slack user id (they look like U0ABC123); "
                "give ids separated by commas"
            )
        return ids

    @field_validator("rrm_timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        return check_timezone(v)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql", "postgres:"))


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA time zone, else raise ValueError with an example."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a known time zone; use an IANA name such as Europe/London"
        ) from None
    return name


def _blank_to_none(v: SecretStr | None) -> SecretStr | None:
    return None if v is None or not v.get_secret_value().strip() else v


class SettingsError(Exception):
    """Settings could not be read; the message names the variable and the fix."""


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Build the settings from the environment (and `env_file` if it exists).

    Raises SettingsError whose message names the first bad variable.
    """
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {msg}") from None
