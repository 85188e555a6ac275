"""Real threads, each with its own unit of work, racing on one database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, QueuePool, create_engine

from forms.records import JSONValue, ReturnState, SectionSaveResult
from storage.db import BUSY_TIMEOUT_MS, make_session_factory
from storage.errors import SectionConflict, StorageBusy
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import Opened, held_elsewhere

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
UowFactory = Callable[[], SqlUnitOfWork]
Outcome = SectionSaveResult | SectionConflict


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls on their own threads at once; return each result or exception."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.exception() or f.result() for f in futures]


def saver(
    uow_factory: UowFactory,
    barrier: threading.Barrier,
    return_id: int,
    section: str,
    base: int,
    values: dict[str, JSONValue],
) -> Callable[[], Outcome]:
    """A page save that waits at the barrier, retrying only while the database is busy."""

    def attempt() -> SectionSaveResult:
        with uow_factory() as uow:
            result = uow.answers.save_section(return_id, section, base, values, "U0P", NOW)
            uow.commit()
        return result

    def run() -> Outcome:
        barrier.wait(5)
        for _ in range(5):
            try:
                return attempt()
            except SectionConflict as conflict:
                return conflict
            except StorageBusy:
                continue
        raise AssertionError("still busy after 5 attempts")

    return run


def test_two_windows_saving_different_sections_both_survive(
    uow_factory: UowFactory, return_id: int
) -> None:
    barrier = threading.Barrier(2)
    for i in range(20):
        a = saver(uow_factory, barrier, return_id, "A", i, {"A1": f"a{i}", "A4": f"text {i}"})
        b = saver(uow_factory, barrier, return_id, "B", i, {"B1": f"b{i}"})
        outcomes = race(a, b)
        assert all(isinstance(o, SectionSaveResult) and o.changed for o in outcomes), outcomes
    with uow_factory() as uow:
        assert uow.answers.get(return_id) == {"A1": "a19", "A4": "text 19", "B1": "b19"}
        assert uow.answers.revisions(return_id) == {"A": 20, "B": 20, "C": 0, "E": 0}


def test_two_saves_of_one_section_from_one_base_one_wins_none_lost(
    uow_factory: UowFactory, return_id: int
) -> None:
    barrier = threading.Barrier(2)
    for i in range(10):
        mine: dict[str, JSONValue] = {"A1": "Yes", "A4": f"mine {i}"}
        theirs: dict[str, JSONValue] = {"A1": "No", "A4": f"theirs {i}"}
        outcomes = race(
            saver(uow_factory, barrier, return_id, "A", i, mine),
            saver(uow_factory, barrier, return_id, "A", i, theirs),
        )
        winners = [o for o in outcomes if isinstance(o, SectionSaveResult)]
        losers = [o for o in outcomes if isinstance(o, SectionConflict)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert (winners[0].revision, winners[0].changed) == (i + 1, True)
        assert (losers[0].expected, losers[0].current) == (i, i + 1)
        with uow_factory() as uow:
            expected = mine if outcomes[0] is winners[0] else theirs
            assert uow.answers.get(return_id) == expected  # the winner's page, whole
            assert uow.answers.revisions(return_id)["A"] == i + 1


def test_a_double_click_racing_itself_saves_once(uow_factory: UowFactory, return_id: int) -> None:
    barrier = threading.Barrier(2)
    page: dict[str, JSONValue] = {"A1": "Yes", "A3": ["gp"]}
    outcomes = race(*(saver(uow_factory, barrier, return_id, "A", 0, page) for _ in range(2)))
    results = [o for o in outcomes if isinstance(o, SectionSaveResult)]
    assert sorted((r.revision, r.changed) for r in results) == [(1, False), (1, True)], outcomes
    with uow_factory() as uow:
        assert uow.answers.get(return_id) == page


@pytest.mark.parametrize("threads", [8])
def test_a_processed_request_is_claimed_exactly_once(uow_factory: UowFactory, threads: int) -> None:
    for attempt in range(5):
        key = f"view:V{attempt}:hash"
        barrier = threading.Barrier(threads)

        def claim(key: str = key, barrier: threading.Barrier = barrier) -> bool:
            with uow_factory() as uow:
                barrier.wait(5)
                won = uow.requests.claim(key, NOW)
                uow.commit()
            return won

        outcomes = race(*([claim] * threads))
        assert outcomes.count(True) == 1 and outcomes.count(False) == threads - 1, outcomes


def test_a_unit_of_work_finding_no_connection_free_is_busy_at_once(engine: Engine) -> None:
    """Every connection in use (a burst of requests): the next unit of work fails as busy within
    the pool's timeout (the page then says "try again"), and works again once one is back."""
    assert engine.pool.timeout() == BUSY_TIMEOUT_MS / 1000  # type: ignore[attr-defined]
    tiny = create_engine(engine.url, poolclass=QueuePool, pool_size=1, max_overflow=0,
                         pool_timeout=0.2)  # fmt: skip
    try:
        factory = make_session_factory(tiny)
        holder = SqlUnitOfWork(factory)
        with holder:
            started = time.monotonic()
            with pytest.raises(StorageBusy, match="no connection free"), SqlUnitOfWork(factory):
                pass
            assert time.monotonic() - started < 2.0
        with SqlUnitOfWork(factory) as uow:
            assert uow.requests.claimed_at("never") is None
    finally:
        tiny.dispose()


@pytest.mark.parametrize("engine", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)  # fmt: skip
@pytest.mark.parametrize("lock", ["re-plan", "keep chunks"])
def test_a_review_locked_for_a_re_plan_or_its_chunks_does_not_hold_up_page_saves(
    uow_factory: UowFactory, open_review: Callable[..., Opened], lock: str
) -> None:
    """PostgreSQL: those locks (FOR NO KEY UPDATE) serialise re-plans and purges, but a page
    save's audit entry and state change, which reference the review (FOR KEY SHARE), go on."""
    opened = open_review()
    review_id, ret = opened.review.id, opened.returns[0]

    def hold(wait: Callable[[], None]) -> None:
        with uow_factory() as uow:
            if lock == "re-plan":
                uow.reminders.lock_review(review_id)
            else:
                assert uow.chunks.put(review_id, {"k": b"chunk"}, NOW)
            wait()
            uow.commit()

    with held_elsewhere(hold):
        started = time.monotonic()
        with uow_factory() as uow:
            uow.answers.save_section(ret.id, "A", 0, {"A1": "Yes"}, "U0P", NOW)
            uow.returns.set_state(ret.id, ReturnState.IN_PROGRESS, NOW)
            uow.audit.add("T0001", "U0P", "page.saved", NOW, review_id=review_id,
                          return_id=ret.id, details={"section": "A", "revision": 1})  # fmt: skip
            uow.commit()
        assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000 / 2  # not made to wait
