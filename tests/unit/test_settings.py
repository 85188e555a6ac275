"""Settings: one pydantic-settings object; every problem names the variable and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("clean_env")


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///./rrm.db"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.rrm_coordinators == ()
    assert s.rrm_timezone == "Europe/London"
    assert s.rrm_retention_days == 365
    assert s.slack_bot_token is None and s.slack_app_token is None
    assert not s.is_postgres


def test_coordinators_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRM_COORDINATORS", "U0COORD1, U0COORD2,")
    assert load_settings().rrm_coordinators == ("U0COORD1", "U0COORD2")


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RRM_RETENTION_DAYS=30\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    s = load_settings()
    assert s.rrm_retention_days == 30
    assert s.slack_api_url == "http://127.0.0.1:9/api/"


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    s = load_settings()
    assert "very-secret" not in repr(s) and "very-secret" not in str(s)
    assert s.slack_bot_token is not None
    assert s.slack_bot_token.get_secret_value() == "xoxb-very-secret"


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("RRM_COORDINATORS", "alice,U0BOB", "RRM_COORDINATORS: 'alice' is not a Slack user id"),
        ("RRM_TIMEZONE", "Europe/Lndon", "RRM_TIMEZONE: 'Europe/Lndon' is not a known time zone"),
        ("RRM_RETENTION_DAYS", "0", "RRM_RETENTION_DAYS"),
        ("RRM_RETENTION_DAYS", "a year", "RRM_RETENTION_DAYS"),
        (
            "SLACK_BOT_TOKEN",
            "xoxp-user-token",
            "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-",
        ),
        (
            "SLACK_APP_TOKEN",
            "xoxb-1",
            "SLACK_APP_TOKEN: must be an app-level token starting with xapp-",
        ),
        (
            "DATABASE_URL",
            "mysql://root@localhost/x",
            "DATABASE_URL: 'mysql' databases are not supported",
        ),
        ("SLACK_API_URL", "slack.example/api", "SLACK_API_URL"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(expected)
