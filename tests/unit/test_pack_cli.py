"""``rrm pack REF [--format html|pdf] [--out PATH] [--team T…]`` against a real SQLite file
encrypted with the configured key, as an operator would run it."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import main
from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.keys import load_keys, verify_or_record
from bot.services import reviews
from bot.services.context import Context
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import RecordingMessenger

REF, COORD = "RR-2026-014", "U0COORD"


def _open(settings: Settings, team: str, reference: str = REF) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    keys = load_keys(settings)
    verify_or_record(engine, keys)
    ctx = Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=RecordingMessenger(team_id=team),
        clock=FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
        config=load_configuration(settings),
        coordinators=frozenset({COORD}),
    )
    req = reviews.OpenRequest(
        reference=reference, pseudonym="Child A", notification_date=date(2026, 11, 20),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC), due_date=date(2026, 12, 2),
        chair="U0CHAIR", contacts={"police": "U0POLICE1"},
    )  # fmt: skip
    reviews.open_review(ctx, team_id=team, actor=COORD, channel_id="C0CASES", req=req)
    engine.dispose()


@pytest.fixture
def database(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = clean_env / "rrm.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("RRM_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RRM_COORDINATORS", COORD)
    _open(Settings(_env_file=None), "T0TEAM")
    yield path


def test_html_only_is_written_beside_and_recorded_as_the_cli(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pack", "rr-2026-014", "--format", "html"]) == 0

    written = database.parent / "RR-2026-014-v1.html"
    out = capsys.readouterr().out
    assert f"Wrote RR-2026-014-v1.html (HTML, {written.stat().st_size:,} bytes)" in out
    assert "Meeting pack v1 of RR-2026-014" in out
    assert "Rapid review meeting pack" in written.read_text(encoding="utf-8")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert not (database.parent / "RR-2026-014-v1.pdf").exists()
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT version, kind, created_by, pdf_sha256 FROM packs").fetchall()
        actors = db.execute("SELECT actor FROM audit_log WHERE action = 'pack.compiled'").fetchall()
    assert rows == [(1, "requested", "cli", None)] and actors == [("cli",)]


def test_a_pdf_to_a_named_file(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = database.parent / "for-the-records.pdf"

    assert main(["pack", REF, "--format", "pdf", "--out", str(target)]) == 0

    assert target.read_bytes().startswith(b"%PDF")
    assert f"Wrote {target} (PDF" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["pack", "RR-2026-999"], "rrm pack: there is no review RR-2026-999 in the database"),
        (["pack", REF, "--team", "T0NOPE"], "no partnership for team T0NOPE in the database"),
    ],
)
def test_unknown_reference_or_team_says_so_and_fails(
    database: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert says in captured.err and captured.out == ""
    assert list(database.parent.glob("RR-*")) == []


def test_several_partnerships_need_a_team(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _open(Settings(_env_file=None), "T0SECOND")

    assert main(["pack", REF]) == 1
    assert "give --team (T0TEAM, T0SECOND)" in capsys.readouterr().err
    assert main(["pack", REF, "--team", "T0SECOND", "--format", "html", "--out", "."]) == 0


def test_a_missing_database_is_not_created(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'nowhere.db'}")

    assert main(["pack", REF]) == 1
    assert "there is no database at" in capsys.readouterr().err
    assert not (clean_env / "nowhere.db").exists()
