"""Migrations from empty, the engine's per-connection settings, and URL handling."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.db import make_engine, normalise_url
from storage.migrate import current_revision, head_revision, is_up_to_date, upgrade
from storage.orm import metadata

TABLES = {
    "partnerships",
    "agencies",
    "reviews",
    "returns",
    "answers",
    "section_revisions",
    "audit_log",
    "processed_requests",
    "key_fingerprints",
    "packs",
    "reminders",
    "delegations",
    "absences",
    "pack_chunks",
}


def test_migrations_apply_from_empty(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) is None
        assert not is_up_to_date(engine)
        assert upgrade(engine) == head_revision()
        assert is_up_to_date(engine)
        assert TABLES | {"alembic_version"} == set(inspect(engine).get_table_names())
        assert upgrade(engine) == head_revision()  # idempotent
    finally:
        engine.dispose()


def test_upgrade_accepts_a_url_and_concurrent_starts_do_not_collide(empty_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        revisions = list(pool.map(lambda _: upgrade(empty_url), range(4)))
    assert revisions == [head_revision()] * 4
    engine = make_engine(empty_url)
    try:
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_pragmas_are_set_on_every_connection(engine: Engine) -> None:
    for _ in range(2):
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            busy = pragma("PRAGMA busy_timeout").scalar()
            assert isinstance(busy, int) and 0 < busy <= 1500


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_timeouts_are_set_on_every_connection(engine: Engine) -> None:
    upgrade(engine)  # the migration lifts its own timeouts only for its transaction
    for _ in range(2):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "1500ms"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1500ms"
            assert connection.dialect.driver == "psycopg"


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///./rrm.db", "sqlite+pysqlite"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
    ],
)
def test_urls_are_pinned_to_pysqlite_and_psycopg3(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver


def test_other_drivers_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unsupported DATABASE_URL driver 'mysql'"):
        normalise_url("mysql://u@h/db")
