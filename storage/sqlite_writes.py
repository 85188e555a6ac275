"""One writer at a time per SQLite database in this process, queued on a lock instead of on
SQLite's busy handler.

SQLite lets one transaction write at a time. A connection that finds the write lock taken waits
in SQLite's busy handler, which sleeps and polls (1, 2, 5, 10 … up to 100 ms a nap), so under
concurrent saves a writer often sleeps on long after the lock came free, and some run out of
the busy timeout (``bench/bench_sqlite_writes.py``: 12 threads writing at once, p99 1.3–1.6 s
and a few failed as busy; queued, p99 about 0.2 s and none failed). Here the first write
statement of a transaction (pysqlite begins the transaction right before it) first takes a
``threading.Lock`` of the database, given back as soon as the transaction commits or rolls
back (or its connection is closed or invalidated), so writers of this process queue and start
the moment the previous one is done. The wait is bounded by the same busy timeout (DESIGN §6);
past it the write fails as busy. Writers of other processes (a CLI command) still meet SQLite's
own busy handler.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, event

from storage.errors import StorageBusy

_WRITES = ("insert", "update", "delete", "replace")
_QUEUES: weakref.WeakKeyDictionary[Engine, WriteQueue] = weakref.WeakKeyDictionary()


class WriteQueue:
    """The write turn of one engine's database: held by at most one DBAPI connection."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._turn = threading.Lock()
        self._holder: int | None = None  # id() of the DBAPI connection that has the turn
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        """Whether a transaction has the turn now."""
        return self._turn.locked()

    def take(self, connection: Any) -> None:
        """Wait for the turn (unless ``connection`` has it); StorageBusy after the timeout."""
        key = _raw(connection)
        with self._guard:
            if self._holder == key:
                return
        if not self._turn.acquire(timeout=self.timeout):
            raise StorageBusy(f"database busy: no turn to write within {self.timeout:g} s")
        with self._guard:
            self._holder = key

    def give_back(self, connection: Any) -> None:
        """End ``connection``'s turn, if it has it."""
        with self._guard:
            if self._holder != _raw(connection):
                return
            self._holder = None
        self._turn.release()


def _raw(connection: Any) -> int:
    """The identity of the DBAPI connection behind a pool's proxy (or of itself)."""
    return id(getattr(connection, "dbapi_connection", None) or connection)


def serialise_writes(engine: Engine, timeout: float) -> WriteQueue:
    """Give ``engine`` (SQLite, a file) one in-process write turn, waited for at most
    ``timeout`` seconds."""
    queue = WriteQueue(timeout)
    dialect = engine.dialect

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:7].lower().startswith(_WRITES):
            queue.take(conn.connection)

    def ending(name: str) -> None:
        original = getattr(dialect, name)

        def wrapped(dbapi_connection: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(dbapi_connection, *args, **kwargs)
            finally:
                queue.give_back(dbapi_connection)

        setattr(dialect, name, wrapped)

    for name in ("do_commit", "do_rollback", "do_close"):  # the pool's reset rolls back too
        ending(name)

    @event.listens_for(engine, "invalidate")
    def invalidated(dbapi_connection: Any, _record: Any, _exc: Any) -> None:
        queue.give_back(dbapi_connection)

    _QUEUES[engine] = queue
    return queue


def write_queue(engine: Engine) -> WriteQueue | None:
    """The write queue of ``engine``, if it has one."""
    return _QUEUES.get(engine)
