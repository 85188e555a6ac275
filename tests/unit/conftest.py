"""Unit-test fixtures: the services' ``Context`` over a real, migrated SQLite file, with a
recording messenger and a fixed clock (``make_ctx``; each test file's ``ctx`` fixture says when
and who the coordinators are)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.services.context import Context
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import RecordingMessenger


def messenger(ctx: Context) -> RecordingMessenger:
    """The recording messenger of a ``make_ctx`` context."""
    assert isinstance(ctx.messenger, RecordingMessenger)
    return ctx.messenger


def clock(ctx: Context) -> FixedClock:
    """The fixed clock of a ``make_ctx`` context (``clock(ctx).set(...)`` moves it)."""
    assert isinstance(ctx.clock, FixedClock)
    return ctx.clock


MakeContext = Callable[..., Context]
"""``make_ctx(now, *coordinators, messenger=None)``: a ``Context`` on ``rrm.db`` in the test's
``tmp_path``, its clock fixed at ``now``, the default configuration, a new
``RecordingMessenger`` unless one is given."""


@pytest.fixture
def make_ctx(tmp_path: Path) -> Iterator[MakeContext]:
    engines: list[Engine] = []

    def make(
        now: datetime, *coordinators: str, messenger: RecordingMessenger | None = None
    ) -> Context:
        engine = make_engine(f"sqlite:///{tmp_path / 'rrm.db'}")
        upgrade(engine)
        engines.append(engine)
        return Context(
            uow=SqlUnitOfWork(make_session_factory(engine)),
            messenger=messenger if messenger is not None else RecordingMessenger(),
            clock=FixedClock(now),
            config=load_configuration(Settings(_env_file=None)),
            coordinators=frozenset(coordinators),
        )

    yield make
    for engine in engines:
        engine.dispose()
