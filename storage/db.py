"""Engine and session factories for SQLite (the embedded default) and PostgreSQL (psycopg 3).

Every connection gets the timeouts of DESIGN §6 so a page save answers within Slack's 2 s:
SQLite waits at most ``BUSY_TIMEOUT_MS`` for a lock, PostgreSQL has ``lock_timeout`` and
``statement_timeout`` of the same length. A lock or timeout error is raised as ``StorageBusy``;
a PostgreSQL server that cannot be reached as ``StorageUnavailable`` (a ``StorageBusy`` too).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from storage.errors import StorageBusy, StorageUnavailable
from storage.sqlite_writes import serialise_writes

DEFAULT_DATABASE_URL = "sqlite:///./rrm.db"
BUSY_TIMEOUT_MS = 1500
_PG_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite"}
# lock_not_available, query_canceled (statement_timeout), deadlock, serialization failure
_PG_BUSY_STATES = {"55P03", "57014", "40P01", "40001"}
_SQLITE_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (extended codes masked)


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL, pinning the drivers: pysqlite for SQLite, psycopg 3 for PostgreSQL.

    ``postgres://`` and ``postgresql://`` are rewritten to ``postgresql+psycopg://``.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in _PG_DRIVERS:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(
        f"unsupported DATABASE_URL driver {parsed.drivername!r}: use sqlite:///path/to/file.db "
        "or postgresql://user@host/dbname"
    )


POOL: dict[str, Any] = {
    "pool_size": 10,
    "max_overflow": 30,
    "pool_timeout": BUSY_TIMEOUT_MS / 1000,
}
"""Connections: the bot's request, listener and background threads each hold one for a unit of
work. A thread that finds none free within the busy timeout gets StorageBusy ("try again",
DESIGN §6), not SQLAlchemy's 30 s wait past Slack's 3 s."""


def make_engine(url: str | URL = DEFAULT_DATABASE_URL, *, echo: bool = False) -> Engine:
    """Build an engine for a ``DATABASE_URL`` with pragmas/timeouts set on every connection.

    SQLite: WAL journal, foreign keys on, busy timeout 1.5 s, usable from several threads.
    PostgreSQL: psycopg 3, ``lock_timeout`` and ``statement_timeout`` 1.5 s, pre-ping.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, echo)
    else:
        timeouts = f"-c lock_timeout={BUSY_TIMEOUT_MS} -c statement_timeout={BUSY_TIMEOUT_MS}"
        engine = create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            connect_args={"options": timeouts},
            **POOL,
        )
    event.listen(engine, "handle_error", _raise_busy)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The session factory a ``SqlUnitOfWork`` is built from (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def _sqlite_engine(url: URL, echo: bool) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": BUSY_TIMEOUT_MS / 1000,
    }
    if in_memory:
        engine = create_engine(url, echo=echo, connect_args=connect_args, poolclass=StaticPool)
    else:
        engine = create_engine(url, echo=echo, connect_args=connect_args, **POOL)
        serialise_writes(engine, BUSY_TIMEOUT_MS / 1000)  # writers queue, not nap and poll
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # pysqlite's default ("legacy") transactions begin right before the first write, so a unit
    # of work that writes first waits on the busy handler instead of failing with BUSY_SNAPSHOT.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _ensure_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # a saved answer survives power loss
    finally:
        cursor.close()


def _ensure_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL (persistent) unless it already is; several new connections racing
    to switch a brand-new file may see "locked", which does not wait on the busy handler."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    mode = "unknown"
    while time.monotonic() < deadline:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode in ("wal", "memory"):
                return
            cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if not is_busy_error(exc):
                raise
        time.sleep(0.01)
    raise StorageBusy(f"could not switch the SQLite database to WAL (journal mode {mode})")


def _raise_busy(context: ExceptionContext) -> None:
    if context.is_pre_ping:
        return
    if is_busy_error(context.original_exception):
        raise StorageBusy(
            f"database busy: {context.original_exception}"
        ) from context.original_exception
    if _is_unreachable(context):
        raise StorageUnavailable(
            f"database unreachable: {context.original_exception}"
        ) from context.original_exception


def _is_unreachable(context: ExceptionContext) -> bool:
    """PostgreSQL refused or lost the connection, or is shutting down (no SQLSTATE: the
    client's own connection failure; class 08; 57P01-57P03)."""
    if context.dialect is None or context.dialect.name != "postgresql":
        return False
    exc = context.original_exception
    if context.is_disconnect:
        return True
    if not isinstance(exc, context.dialect.loaded_dbapi.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")


def is_busy_error(exc: BaseException) -> bool:
    """Whether a DBAPI exception is a lock wait or timeout that a retry could resolve."""
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(exc)
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate in _PG_BUSY_STATES


def describe_error(exc: BaseException) -> str:
    """The first line of what the database driver said (for a one-line message to a person)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
