"""Concurrent write transactions on one SQLite file, through ``storage.db.make_engine`` as the
bot builds it.

1. With and without the in-process write queue (``storage.sqlite_writes``): 12 threads × 40
   short transactions (an INSERT, some Python work, an UPDATE).
2. The GIL's switch interval (``bot.runtime.SWITCH_INTERVAL_S``): 6 threads × 15 transactions
   of 8 INSERTs each while 3 other threads compute, at CPython's default 5 ms and at 1 ms.

    .venv/bin/python bench/bench_sqlite_writes.py

Prints, for each way, the transactions' p50 / p95 / p99 / max and how many failed as busy
(the 1.5 s busy timeout ran out). Each way runs twice, alternately.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from storage import db  # noqa: E402
from storage.errors import StorageBusy  # noqa: E402

THREADS, EACH = 12, 40


@contextmanager
def without_queue(off: bool) -> Iterator[None]:
    if not off:
        yield
        return
    with mock.patch.object(db, "serialise_writes", lambda *_a, **_k: None):
        yield


def once(queue: bool) -> tuple[list[float], int, float]:
    with tempfile.TemporaryDirectory() as folder, without_queue(not queue):
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        took: list[float] = []
        busy = [0]

        def writer() -> None:
            for _ in range(EACH):
                started = time.perf_counter()
                try:
                    with engine.begin() as connection:
                        connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 200})
                        sum(range(20_000))  # work done while the transaction is open
                        connection.execute(text("UPDATE t SET v = 'y' WHERE id = 1"))
                except StorageBusy:
                    busy[0] += 1
                took.append((time.perf_counter() - started) * 1000)
                time.sleep(0.005)

        threads = [threading.Thread(target=writer) for _ in range(THREADS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        engine.dispose()
        return sorted(took), busy[0], time.perf_counter() - started


def convoy(switch: float) -> tuple[list[float], int, float]:
    """Writers of 8-statement transactions while three threads compute, at this switch
    interval."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(switch)
    stop = threading.Event()

    def burner() -> None:
        while not stop.is_set():
            sum(range(10_000))

    try:
        with tempfile.TemporaryDirectory() as folder:
            engine = db.make_engine(f"sqlite:///{folder}/bench.db")
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            took: list[float] = []
            busy = [0]

            def writer() -> None:
                for _ in range(15):
                    started = time.perf_counter()
                    try:
                        with engine.begin() as connection:
                            for _ in range(8):
                                connection.execute(text("INSERT INTO t (v) VALUES ('x')"))
                    except StorageBusy:
                        busy[0] += 1
                    took.append((time.perf_counter() - started) * 1000)
                    time.sleep(0.02)

            burners = [threading.Thread(target=burner) for _ in range(3)]
            writers = [threading.Thread(target=writer) for _ in range(6)]
            started = time.perf_counter()
            for thread in (*burners, *writers):
                thread.start()
            for thread in writers:
                thread.join()
            stop.set()
            for thread in burners:
                thread.join()
            engine.dispose()
            return sorted(took), busy[0], time.perf_counter() - started
    finally:
        sys.setswitchinterval(before)


def show(name: str, took: list[float], busy: int, wall: float) -> None:
    q = statistics.quantiles(took, n=100)
    print(
        f"{name:22} {len(took)} transactions in {wall:.2f} s: p50 {q[49]:.0f} ms, "
        f"p95 {q[94]:.0f} ms, p99 {q[98]:.0f} ms, max {took[-1]:.0f} ms; {busy} failed as busy"
    )


def main() -> None:
    for queue in (True, False, True, False):
        show("write queue" if queue else "busy handler only", *once(queue))
    for switch in (0.005, 0.001, 0.005, 0.001):
        show(f"switch interval {switch * 1000:g} ms", *convoy(switch))


if __name__ == "__main__":
    main()
