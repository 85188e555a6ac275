"""The `rrm` command line: check-config and db upgrade."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from forms.loader import default_question_set_path

pytestmark = pytest.mark.usefixtures("clean_env")


def test_check_config_defaults_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Configuration OK")
    assert "Northshire Safeguarding Children Partnership - 10 agencies" in out
    assert "12 sections" in out
    assert "SQLite" in out
    assert "nobody can open a review until RRM_COORDINATORS is set" in out


def test_check_config_never_prints_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgresql://rrm:hunter2@db.example:5432/rrm")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "secret-value" not in out and "hunter2" not in out
    assert "postgresql://rrm:***@db.example:5432/rrm" in out


def test_check_config_show_if_on_unknown_question(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_question_set_path().read_text(encoding="utf-8")
    lines = text.splitlines()
    # Point the first show_if in the file at a question that does not exist.
    index = next(
        i for i, line in enumerate(lines) if re.search(r"show_if: \{question: \"\w+\"", line)
    )
    lines[index] = re.sub(r'question: "\w+"', 'question: "Z99"', lines[index], count=1)
    broken = tmp_path / "broken-form.yaml"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("RRM_FORM_FILE", str(broken))
    assert main(["check-config"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "broken-form.yaml" in err
    assert f"line {index + 1}" in err
    assert "Z99" in err
    assert "unknown question" in err


def test_check_config_missing_partnership_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RRM_PARTNERSHIP_FILE", str(tmp_path / "nope.yaml"))
    assert main(["check-config"]) == 1
    assert "RRM_PARTNERSHIP_FILE" in capsys.readouterr().err


def test_check_config_warns_when_time_zones_differ(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RRM_TIMEZONE", "Europe/Dublin")
    assert main(["check-config"]) == 0
    assert "Warning: RRM_TIMEZONE is Europe/Dublin" in capsys.readouterr().out


def test_bad_setting_is_reported_with_its_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RRM_COORDINATORS", "bob")
    assert main(["check-config"]) == 2
    assert "RRM_COORDINATORS" in capsys.readouterr().err


def test_db_upgrade_creates_and_then_is_idempotent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rrm.db'}")
    assert main(["db", "upgrade"]) == 0
    assert "Database upgraded from empty" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_db_upgrade_unreachable_database_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nothing")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "rrm: could not upgrade the database at postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    )
    assert "Traceback" not in err


def test_console_script_runs(tmp_path: Path) -> None:
    rrm = shutil.which("rrm", path=str(Path(sys.executable).parent))
    assert rrm, "the rrm console script is installed beside the interpreter"
    result = subprocess.run(
        [rrm, "check-config"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Configuration OK")


def test_readme_commands_are_what_ci_runs() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    blocks = readme.split("## Set-up", 1)[1].split("```sh\n")[1:3]
    commands = [block.split("\n```", 1)[0].strip() for block in blocks]
    assert len(commands) == 2
    for command in commands:
        assert command in ci.splitlines(), f"CI does not run the README's command: {command}"


def test_check_config_lists_email_contacts_slack_cannot_find(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.fakeslack import FakeSlack

    with FakeSlack() as fake:
        fake.add_user("U0HEALTH", real_name="Health Lead", email="safeguarding@health.example")
        monkeypatch.setenv("SLACK_BOT_TOKEN", fake.bot_token)
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "the email safeguarding@health.example" not in out  # found
    unresolved = [line for line in out.splitlines() if "no Slack user has the email" in line]
    assert unresolved, out
    assert all(line.startswith("Warning: agency ") for line in unresolved)
