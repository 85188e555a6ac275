"""The meeting pack benchmark's warm figures (run by bench/bench_pack.py, each part in a fresh
subprocess; not collected by pytest):

    .venv/bin/python bench/bench_pack_warm.py --warm-up DIR   # store the review, warm each return
    .venv/bin/python bench/bench_pack_warm.py --compile DIR   # the chair's pack, timed

``--warm-up`` opens the benchmark's review (30 agencies × 40 chronology rows) in a new SQLite
database in DIR, encrypted as the bot's is, and receives its returns one after another: each is
stored and submitted, then the bot's own warm path (``bot.services.pack_cache.warm``, what the
bot runs in the background after a submission) renders its chunk of Appendix A into the kept
chunks. ``--compile`` then compiles the pack the chair waits for (``pack_build.compile_pack``:
load and decrypt the returns, build, HTML, the PDF with the kept chunks, record it). Each prints
its figures as JSON on its last line: times, CPU of the process and its workers, and the peak
resident memory of the process and its workers together (sampled every 10 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_pack import _TreeMemory, bench_input  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.config_check import load_configuration  # noqa: E402
from bot.keys import load_keys, verify_or_record  # noqa: E402
from bot.services import pack_build, pack_cache  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.settings import Settings  # noqa: E402
from forms.loader import default_question_set_path  # noqa: E402
from forms.model import QuestionSet  # noqa: E402
from forms.pack import PackInput  # noqa: E402
from forms.parsing import JSONValue  # noqa: E402
from forms.records import NewReturn, NewReview, PackKind, ReturnState  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests.fakes import RecordingMessenger  # noqa: E402

TEAM, COORD, CHAIR = "T0BENCH", "U0COORD", "U0CHAIR"


def context(folder: Path, at: datetime) -> Context:
    """The services' context as the bot builds it (SQLite, encrypted with the key file the bot
    makes beside it), on a fixed clock."""
    settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.db")
    keys = load_keys(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    verify_or_record(engine, keys)
    return Context(
        uow=SqlUnitOfWork(make_session_factory(engine), keys.codec(), keys.text_cipher()),
        messenger=RecordingMessenger(),
        clock=FixedClock(at),
        config=load_configuration(settings),
        coordinators=frozenset({COORD}),
    )


def _by_section(form: QuestionSet, answers: dict[str, JSONValue]) -> dict[str, dict[str, Any]]:
    """The answers grouped by the section their question is in (``A3.detail`` goes with A3)."""
    owner = {q.id: s.id for s in form.sections for q in s.questions}
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in answers.items():
        question = max((q for q in owner if key == q or key.startswith(q + ".")), key=len)
        grouped.setdefault(owner[question], {})[key] = value
    return grouped


def open_review(ctx: Context, inp: PackInput) -> tuple[int, list[int]]:
    """The benchmark's review, opened with every return invited; its id and the returns' ids."""
    r = inp.review
    text = default_question_set_path().read_text("utf-8")
    with ctx.uow as uow:
        partnership = uow.partnerships.ensure(TEAM, inp.partnership)
        for ri in inp.returns:
            uow.partnerships.ensure_agency(partnership.id, ri.ret.agency_key, ri.ret.agency_name)
        new = NewReview(
            team_id=TEAM, reference=r.reference, pseudonym=r.pseudonym, under_1=r.under_1,
            incident_date=r.incident_date, notification_date=r.notification_date,
            meeting_at=r.meeting_at, due_date=r.due_date, period_from=r.period_from,
            period_to=r.period_to, incident_description=r.incident_description, owner=COORD,
            chair=CHAIR, channel_id="C0CASES", form_content=text, form_sha256="0" * 64,
        )  # fmt: skip
        invites = [NewReturn(ri.ret.agency_key, None, ri.ret.due_date) for ri in inp.returns]
        review = uow.reviews.create(new, invites, [s.id for s in inp.form.sections], r.created_at)
        ids = [ret.id for ret in uow.returns.list_for_review(review.id)]
        uow.commit()
    return review.id, ids


def receive(ctx: Context, inp: PackInput, index: int, return_id: int) -> None:
    """The index-th return's answers saved, page by page, and the return submitted."""
    ri = inp.returns[index]
    at = ri.ret.submitted_at or ctx.now()
    with ctx.uow as uow:
        for section, values in _by_section(inp.form, dict(ri.answers)).items():
            uow.answers.save_section(return_id, section, 0, values, "U0CONTACT", at)
        uow.returns.set_state(return_id, ReturnState.SUBMITTED, at)
        uow.returns.set_submitted_at(return_id, at, at)
        uow.commit()


def warm_up(folder: Path) -> dict[str, Any]:
    """Receive the 30 returns one after another, warming after each as the bot does."""
    inp = bench_input()
    ctx = context(folder, inp.generated_at)
    review_id, ids = open_review(ctx, inp)
    times, chunks = [], 0
    with _TreeMemory() as memory:
        cpu = time.process_time()
        for index, return_id in enumerate(ids):
            receive(ctx, inp, index, return_id)
            started = time.perf_counter()
            done = pack_cache.warm(ctx, review_id)
            times.append(time.perf_counter() - started)
            assert done is not None and done.rendered >= 1, done
            chunks += done.rendered
        cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ctx.uow as uow:  # a copy, for bench_pack.py's PDF alone (deleted with the folder)
        review = uow.reviews.get(review_id)
        blobs = uow.chunks.load(review_id)
    assert review is not None
    (folder / "next.html").write_text(pack_build.next_html(ctx, review), "utf-8")
    (folder / "kept").mkdir()
    for key, blob in blobs.items():
        (folder / "kept" / key).write_bytes(blob or b"")
    kept = len(blobs)
    return {
        "returns": len(ids),
        "chunks": chunks,
        "kept": kept,
        "total_s": sum(times),
        "per_return_median_s": statistics.median(times),
        "per_return_max_s": max(times),
        "cpu_s": cpu + children.ru_utime + children.ru_stime,
        "peak_kb": memory.peak_kb,
        "peak_pss_kb": memory.peak_pss_kb,
        "load": os.getloadavg()[0],
    }


def compile_once(folder: Path) -> dict[str, Any]:
    """The chair's pack, compiled with the kept chunks: build, HTML, PDF, recorded."""
    inp = bench_input()
    ctx = context(folder, inp.generated_at)
    load = os.getloadavg()[0]
    with _TreeMemory() as memory:
        started, cpu = time.perf_counter(), time.process_time()
        compiled = pack_build.compile_pack(ctx, team_id=TEAM, actor=COORD,
                                           reference_or_id=inp.review.reference,
                                           kind=PackKind.RELEASED, recipients=[CHAIR])  # fmt: skip
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = compiled.pdf_stats
    assert stats is not None and compiled.pdf is not None
    return {
        "seconds": elapsed,
        "pdf_s": sum(stats.seconds.values()),
        "cpu": cpu + children.ru_utime + children.ru_stime,
        "pages": stats.pages,
        "bytes": len(compiled.pdf),
        "chunks": stats.chunks,
        "hits": stats.cache_hits,
        "workers": stats.workers,
        "chunk_cpu_s": list(stats.chunk_cpu_s),
        "chunk_pages": list(stats.chunk_pages),
        "phases": stats.seconds,
        "peak_kb": memory.peak_kb,
        "peak_pss_kb": memory.peak_pss_kb,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-up", type=Path)
    parser.add_argument("--compile", type=Path)
    args = parser.parse_args()
    if args.warm_up:
        print(json.dumps(warm_up(args.warm_up)))
    elif args.compile:
        print(json.dumps(compile_once(args.compile)))
    else:
        parser.error("--warm-up DIR or --compile DIR")


if __name__ == "__main__":
    main()
