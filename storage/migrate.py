"""Apply the Alembic migrations shipped in ``storage/migrations`` (no alembic.ini needed).

``upgrade()`` runs at bot start and from ``rrm db upgrade``. It runs every pending migration in
one transaction, serialised between processes: on PostgreSQL under a transaction-level advisory
lock, on SQLite under ``BEGIN IMMEDIATE``. A process that finds the database already at head
does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from storage.db import BUSY_TIMEOUT_MS, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = 0x72726D2D6462  # "rrm-db": the pg_advisory_xact_lock key
_PG_LOCK_WAIT = "120s"
_SQLITE_LOCK_WAIT_MS = 120_000


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for the packaged migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> str | None:
    """Bring the database up to ``revision`` (default: head); return the revision it is now at.

    Safe to call from several processes at once: the first migrates, the others wait and then
    find nothing to do.
    """
    engine, owned = _engine(engine_or_url)
    try:
        with engine.connect() as connection, _migration_lock(connection):
            command.upgrade(alembic_config(connection), revision)
        return current_revision(engine)
    finally:
        if owned:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    """Whether every migration has been applied."""
    return current_revision(engine) == head_revision()


def _engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the migration lock for one transaction, committed on success, rolled back otherwise."""
    sqlite = connection.dialect.name == "sqlite"
    try:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={_SQLITE_LOCK_WAIT_MS}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{_PG_LOCK_WAIT}'")
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        yield
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.commit()
