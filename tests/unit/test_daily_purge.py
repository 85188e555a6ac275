"""The retention purge rides on the scheduler's one job: at the first sweep, then daily."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.scheduler import DailyPurge
from bot.services.context import Context
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import RecordingMessenger


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    engine = make_engine(f"sqlite:///{tmp_path / 'rrm.db'}")
    upgrade(engine)
    yield Context(
        uow=SqlUnitOfWork(make_session_factory(engine)),
        messenger=RecordingMessenger(),
        clock=FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
        config=load_configuration(Settings(_env_file=None)),
        coordinators=frozenset({"U0COORD"}),
    )
    engine.dispose()


def test_purge_runs_first_then_once_a_day(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[datetime] = []
    from bot.services import retention

    real = retention.purge_due

    def counting(c: Context, *, retention_days: int) -> retention.PurgeReport:
        runs.append(c.now())
        assert retention_days == 30
        return real(c, retention_days=retention_days)

    monkeypatch.setattr(retention, "purge_due", counting)
    purge = DailyPurge(30)
    clock = ctx.clock
    assert isinstance(clock, FixedClock)
    purge(ctx)
    clock.advance(timedelta(hours=23))
    purge(ctx)
    clock.advance(timedelta(hours=1))
    purge(ctx)
    assert len(runs) == 2 and runs[1] - runs[0] == timedelta(days=1)
