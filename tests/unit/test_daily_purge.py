"""The retention purge rides on the scheduler's one job: at the first sweep, then daily."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.scheduler import DailyPurge
from bot.services.context import Context
from tests.unit.conftest import MakeContext


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Context:
    return make_ctx(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), "U0COORD")


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
