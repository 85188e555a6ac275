"""``rrm tick [--at ISO-TIME]`` in a subprocess, against the local Slack stand-in: it sends
what is due at that time, once, and says what it sent. And the scheduler of ``rrm serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from cryptography.fernet import Fernet

from bot.cli import _parser, main
from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.fakeslack import FakeSlack
from bot.keys import load_keys, verify_or_record
from bot.scheduler import JOB_ID, make_scheduler, stop_scheduler
from bot.services import reviews
from bot.services.context import Context
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import RecordingMessenger

pytestmark = pytest.mark.usefixtures("clean_env")
LONDON = ZoneInfo("Europe/London")
COORD, POLICE = "U0COORD", "U0POLICE1"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user(COORD, "casey", "Casey Coordinator")
        slack.add_user(POLICE, "pat", "Pat Police")
        yield slack


def _env(tmp_path: Path, fake: FakeSlack) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rrm.db'}",
        "RRM_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_API_URL": fake.api_url,
        "RRM_COORDINATORS": COORD,
    }


def _open_review(env: dict[str, str]) -> None:
    """A review opened the day before, with one return (police) due Wednesday 23 December."""
    settings = Settings(
        _env_file=None,
        database_url=env["DATABASE_URL"],
        rrm_encryption_key=env["RRM_ENCRYPTION_KEY"],
    )
    keys = load_keys(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    verify_or_record(engine, keys)
    ctx = Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=RecordingMessenger(),
        clock=FixedClock(datetime(2026, 12, 18, 15, 0, tzinfo=LONDON)),
        config=load_configuration(settings),
        coordinators=frozenset({COORD}),
    )
    reviews.open_review(
        ctx, team_id="T0TEAM", actor=COORD, channel_id="C0CASES",
        req=reviews.OpenRequest(
            reference="RR-2026-040", pseudonym="Child D", notification_date=date(2026, 12, 14),
            meeting_at=datetime(2027, 1, 4, 10, 0, tzinfo=LONDON), due_date=date(2026, 12, 23),
            chair="U0CHAIR", contacts={"police": POLICE},
        ),
    )
    engine.dispose()


def _tick(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "tick", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tick_at_a_time_sends_what_is_due_once(tmp_path: Path, fake: FakeSlack) -> None:
    env = _env(tmp_path, fake)
    _open_review(env)
    early = _tick(env, tmp_path, "--at", "2026-12-21T08:30")
    assert early.returncode == 0, early.stderr
    assert "nothing due" in early.stdout
    assert fake.dm_messages(POLICE) == []
    due = _tick(env, tmp_path, "--at", "2026-12-21T09:00")
    assert due.returncode == 0, due.stderr
    assert "sent      due soon    to U0POLICE1 — RR-2026-040 Northshire Police" in due.stdout
    assert due.stdout.rstrip().endswith("s")  # the summary: claim … s, send … s
    (message,) = fake.dm_messages(POLICE)
    assert "RR-2026-040" in message.text and "Child D" in message.text
    again = _tick(env, tmp_path, "--at", "2026-12-21T09:05:00+00:00")
    assert again.returncode == 0 and "nothing due" in again.stdout
    assert len(fake.dm_messages(POLICE)) == 1


def test_tick_refuses_a_bad_time_and_a_missing_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert main(["tick"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'rrm.db'}")
    assert main(["tick", "--at", "next tuesday"]) == 2
    assert "--at 'next tuesday' is not an ISO date-time" in capsys.readouterr().err


def test_serve_takes_no_scheduler() -> None:
    args = _parser().parse_args(["serve", "--no-scheduler"])
    assert args.no_scheduler is True
    assert _parser().parse_args(["serve"]).no_scheduler is False


def test_the_scheduler_has_one_coalescing_interval_job_run_at_start() -> None:
    ran = threading.Event()
    job = partial(ran.set)
    clock = FixedClock(datetime.now(UTC))
    scheduler = make_scheduler(job, clock)
    (only,) = scheduler.get_jobs()
    assert only.id == JOB_ID and only.func is job
    assert only.trigger.interval == timedelta(seconds=60)
    assert (only.coalesce, only.max_instances) == (True, 1)
    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
    scheduler.start()
    try:
        assert ran.wait(timeout=10), "the first sweep runs at once (catching up)"
    finally:
        stop_scheduler(scheduler)
    assert not scheduler.running
