"""Two sweeps at once — as two bot processes would run them, each with its own engine — over
1,000 due reminders: every one is sent exactly once (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite: the conditional update)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.config_check import load_configuration
from bot.services import reminders
from bot.services.context import Context
from bot.settings import Settings
from bot.throttle import unthrottled
from forms.records import NewReturn
from forms.reminders import ReminderState
from storage.db import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
from tests.fakes import DM, RecordingMessenger
from tests.integration.conftest import new_review

LONDON = ZoneInfo("Europe/London")
REVIEWS, AGENCIES = 100, 10
NOTIFIED, DUE = date(2026, 12, 1), date(2026, 12, 10)
PLANNED = datetime(2026, 12, 9, 10, 0, tzinfo=LONDON)  # the day before, after 09:00
SWEPT = datetime(2026, 12, 10, 9, 0, tzinfo=LONDON)  # the due day's reminders fall due


def _context(engine: Engine, messenger: RecordingMessenger, at: datetime) -> Context:
    return Context(
        uow=SqlUnitOfWork(make_session_factory(engine)),
        messenger=messenger,
        clock=FixedClock(at),
        config=load_configuration(Settings(_env_file=None)),
        coordinators=frozenset({"U0COORD"}),
    )


def _populate(ctx: Context) -> None:
    agencies = ctx.config.partnership.agencies[:AGENCIES]
    with ctx.uow as uow:
        partnership = uow.partnerships.ensure("T0TEAM", "Northshire")
        for agency in agencies:
            uow.partnerships.ensure_agency(partnership.id, agency.id, agency.name)
        ids = []
        for n in range(REVIEWS):
            draft = new_review(
                "T0TEAM", f"RR-2026-{n:03d}", notification_date=NOTIFIED, due_date=DUE,
                meeting_at=datetime(2026, 12, 17, 10, 0, tzinfo=LONDON),
            )
            invites = [NewReturn(a.id, f"U{n:03d}{k:02d}", DUE) for k, a in enumerate(agencies)]
            ids.append(uow.reviews.create(draft, invites, ("A", "K"), PLANNED).id)
        uow.commit()
    for review_id in ids:
        reminders.replan(ctx, review_id)


@pytest.mark.timeout(300)
def test_two_sweeps_at_once_send_each_due_item_exactly_once(engine: Engine) -> None:
    messenger = RecordingMessenger()
    _populate(_context(engine, messenger, PLANNED))
    engines = [make_engine(engine.url), make_engine(engine.url)]
    contexts = [_context(e, messenger, SWEPT) for e in engines]
    start = threading.Barrier(2)

    def run(ctx: Context) -> reminders.SweepReport:
        start.wait()
        settings = reminders.SweepSettings(batch=25)
        return reminders.sweep(ctx, throttle=unthrottled(), settings=settings)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = list(pool.map(run, contexts))
    finally:
        for e in engines:
            e.dispose()
    sent = Counter(e.target for e in messenger.of_kind(DM))
    assert len(sent) == REVIEWS * AGENCIES and set(sent.values()) == {1}
    assert [len(r.sent) for r in reports] != [0, 0]
    assert sum(len(r.sent) for r in reports) == REVIEWS * AGENCIES
    assert all(r.sent for r in reports), "both sweeps should have had a share"
    with contexts[0].uow as uow:
        counts = uow.reminders.count_by_state()
    assert counts[ReminderState.SENT] == REVIEWS * AGENCIES
    assert ReminderState.CLAIMED not in counts
