"""Rendering a return's part of the pack in the background (bot/services/pack_cache.py): after a
return is submitted, and again after it is amended, the background work renders its chunk into
the review's kept chunks; the next pack merges it instead of rendering it, and then prunes what
it did not use. The services over a real SQLite file, with the bot's background runner; real renders."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import pack_build, pack_cache, packs
from bot.services import returns as rs
from bot.services.context import Context
from bot.services.pack_chunks import StoredChunks
from bot.slack.app import BackgroundRunner
from forms.pack.pdf import plan_chunks
from forms.pack.pdf_cache import chunk_key
from forms.records import PackKind, Review
from tests.unit.conftest import MakeContext, clock
from tests.unit.test_pack_services import COORD, POLICE, TEAM, nil_return, open_review, save

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def ctx(make_ctx: MakeContext) -> Iterator[Context]:
    """A context whose ``later`` is the bot's: work runs on a thread pool after the call."""
    with ThreadPoolExecutor(max_workers=2) as executor:
        runner = BackgroundRunner(executor)
        context = dataclasses.replace(make_ctx(NOW, COORD), later=runner)
        yield context
        assert pack_cache.stop(context, timeout=60)
        assert runner.drain(60)


def police_keys(ctx: Context, review: Review) -> set[str]:
    """The keys of the police return's chunks as the next pack will have them."""
    html = pack_build.next_html(ctx, review)
    return {
        chunk_key(d)
        for d in plan_chunks(html).return_documents()
        if re.search(r'id="return-police"', d)
    }


def kept(ctx: Context, review: Review) -> set[str]:
    with ctx.uow as uow:
        return uow.chunks.keys(review.id)


def compile_pack(ctx: Context) -> pack_build.CompiledPack:
    return packs.compile_pack(ctx, team_id=TEAM, actor=COORD, reference_or_id="RR-2026-014",
                              kind=PackKind.REQUESTED, recipients=[COORD])  # fmt: skip


def test_a_received_return_is_rendered_in_the_background_and_merged_into_the_pack(
    ctx: Context,
) -> None:
    review = open_review(ctx)
    rid = nil_return(ctx, review)  # submitted: its chunk is to be rendered WARM_DELAY_S later
    ctx.later.drain(30)  # type: ignore[attr-defined]
    assert kept(ctx, review) == set()  # not yet: a burst of saves warms once
    assert pack_cache.flush(ctx, timeout=60)
    first = police_keys(ctx, review)
    assert len(first) == 1 and kept(ctx, review) == first

    clock(ctx).set(NOW + timedelta(hours=1))
    compiled = compile_pack(ctx)
    assert compiled.pdf is not None and compiled.pdf_stats is not None
    assert compiled.pdf_stats.cache_hits == 1  # the return was merged, not rendered
    assert kept(ctx, review) == first

    clock(ctx).set(NOW + timedelta(hours=2))  # the return is amended after the pack went out
    rs.reopen(ctx, team_id=TEAM, actor=POLICE, return_id=rid)
    save(ctx, POLICE, rid, "A", {"A1": "no_involvement", "A1a": "Searched again: nothing."})
    ctx.later.drain(30)  # type: ignore[attr-defined]
    assert pack_cache.flush(ctx, timeout=60)
    second = police_keys(ctx, review)
    assert second != first and kept(ctx, review) == first | second  # the old one until a pack

    clock(ctx).set(NOW + timedelta(hours=3))  # the next pack asks for the new chunk only
    chunks = StoredChunks(ctx, review.id)
    assert all(chunks.get(key) is not None for key in second)
    chunks.save(prune=True)
    assert kept(ctx, review) == second  # what the pack did not use is pruned


def test_a_burst_of_changes_warms_once_and_a_stopped_context_never(ctx: Context) -> None:
    handed: list[Callable[[], None]] = []
    recording = dataclasses.replace(ctx, later=handed.append)
    warmer = pack_cache.Warmer(delay=0.3)
    for _ in range(5):
        warmer.schedule(recording, 7)
        time.sleep(0.05)
    warmer.schedule(recording, 8)
    deadline = time.monotonic() + 10
    while len(handed) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(handed) == 2  # review 7 once, after its last change; review 8 once

    warmer.schedule(recording, 9)
    assert not warmer.stop(recording)  # at once: the two handed over have not run
    warmer.schedule(recording, 9)
    time.sleep(0.6)
    assert len(handed) == 2  # the waiting one dropped, a later one refused
    assert not warmer.stop(recording, timeout=0.1)
    for job in handed:
        job()  # (no such reviews: nothing to warm)
    assert warmer.stop(recording, timeout=1)


def test_without_background_work_nothing_is_warmed(make_ctx: MakeContext) -> None:
    ctx = make_ctx(NOW, COORD)  # ``later`` runs at once: the CLI, most tests
    warmer = pack_cache.Warmer(delay=0.0)
    warmer.schedule(ctx, 1)
    assert warmer.flush(ctx, timeout=0.5)  # nothing was waiting


def test_a_later_that_refuses_drops_its_warm_up_and_the_warmer_goes_on(ctx: Context) -> None:
    def shut(job: Callable[[], None]) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    handed: list[Callable[[], None]] = []
    closed = dataclasses.replace(ctx, later=shut)
    open_ = dataclasses.replace(ctx, later=handed.append)
    warmer = pack_cache.Warmer(delay=0.0)
    warmer.schedule(closed, 7)
    assert warmer.flush(closed, timeout=5)  # dropped, not left pending
    warmer.schedule(open_, 8)
    deadline = time.monotonic() + 5
    while not handed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(handed) == 1  # the thread survived the refusal
