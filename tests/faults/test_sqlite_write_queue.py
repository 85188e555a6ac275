"""SQLite writers of one process queue on a lock (``storage.sqlite_writes``) instead of napping
in SQLite's busy handler: many at once all get their turn; one that holds the write too long
makes the next fail as busy (bounded), and a transaction however it ends — commit, rollback,
an error, a closed connection — gives the turn back.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import make_engine
from storage.errors import StorageBusy
from storage.sqlite_writes import write_queue

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path}/queue.db")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    return made


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_many_writers_at_once_all_get_their_turn(engine: Engine) -> None:
    failures: list[BaseException] = []
    go = threading.Barrier(12)

    def writer(n: int) -> None:
        try:
            go.wait(10)
            for i in range(15):
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": f"{n}:{i}"})
                    sum(range(5_000))  # work while the write is open
                    connection.execute(text("UPDATE t SET who = who WHERE id = 1"))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(50)

    assert failures == []
    assert count(engine) == 12 * 15


def test_a_write_held_too_long_makes_the_next_busy_then_gives_the_turn_back(
    engine: Engine,
) -> None:
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t (who) VALUES ('holder')"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(10)
    try:
        with pytest.raises(StorageBusy), engine.begin() as connection:
            connection.execute(text("INSERT INTO t (who) VALUES ('waiter')"))
    finally:
        release.set()
        thread.join(10)

    with engine.begin() as connection:  # the holder committed: the turn is free (not busy)
        connection.execute(text("INSERT INTO t (who) VALUES ('after')"))
    assert count(engine) == 2


def test_every_way_a_transaction_ends_gives_the_turn_back(engine: Engine) -> None:
    queue = write_queue(engine)
    assert queue is not None and not queue.held
    with pytest.raises(RuntimeError), engine.begin() as connection:  # rolled back on an error
        connection.execute(text("INSERT INTO t (who) VALUES ('lost')"))
        assert queue.held
        raise RuntimeError("the caller failed")
    assert not queue.held
    connection = engine.connect()  # left without commit or rollback, then closed
    connection.execute(text("INSERT INTO t (who) VALUES ('dropped')"))
    connection.close()
    assert not queue.held
    connection = engine.connect()  # invalidated while writing
    connection.execute(text("INSERT INTO t (who) VALUES ('invalid')"))
    connection.invalidate()
    connection.close()
    assert not queue.held
    with engine.connect() as connection:  # rolled back explicitly
        connection.execute(text("INSERT INTO t (who) VALUES ('undone')"))
        connection.rollback()
        assert not queue.held
    with engine.connect() as connection:  # committed
        connection.execute(text("INSERT INTO t (who) VALUES ('kept')"))
        connection.commit()
        assert not queue.held
    assert count(engine) == 1
