"""Storage fixtures: every test using ``engine`` runs on SQLite (a file in tmp_path) and on a real
PostgreSQL (127.0.0.1:5432, user postgres) in a throw-away database made for this test session.

Without PostgreSQL the PostgreSQL cases are skipped, unless ``RRM_REQUIRE_POSTGRES=1``, which
turns that into a failure (CI sets it). ``RRM_TEST_POSTGRES_URL`` points at another server.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from forms.records import AgencyReturn, NewReturn, NewReview, Review
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.orm import metadata
from storage.uow import SqlUnitOfWork

PG_ADMIN_URL = os.environ.get(
    "RRM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SECTIONS = ("A", "B", "C", "E")
AGENCIES = {"police": "Northshire Police", "health": "Northshire Health NHS Trust"}
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

UowFactory = Callable[[], SqlUnitOfWork]


def _postgres_unavailable(reason: str) -> NoReturn:
    if os.environ.get("RRM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"RRM_REQUIRE_POSTGRES=1 but PostgreSQL is unusable: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@contextmanager
def throwaway_pg_database() -> Iterator[URL]:
    """Create ``rrm_test_<hex>`` on the local server; drop it (WITH (FORCE)) afterwards."""
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"rrm_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        _postgres_unavailable(str(exc.orig))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """One migrated PostgreSQL database for the whole test session."""
    with throwaway_pg_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL truncated."""
    if request.param == "sqlite":
        sqlite_engine = make_engine(f"sqlite:///{tmp_path / 'rrm.db'}")
        upgrade(sqlite_engine)
        yield sqlite_engine
        sqlite_engine.dispose()
    else:
        pg: Engine = request.getfixturevalue("pg_engine")
        _truncate(pg)
        yield pg


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all (a new SQLite file or a new PG database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with throwaway_pg_database() as url:
            yield url.render_as_string(hide_password=False)


@pytest.fixture
def uow_factory(engine: Engine) -> UowFactory:
    """Builds a fresh ``SqlUnitOfWork`` (one per thread or request)."""
    session_factory = make_session_factory(engine)
    return lambda: SqlUnitOfWork(session_factory)


@dataclass(frozen=True)
class Opened:
    """A review opened by ``open_review`` and its returns (police first)."""

    review: Review
    returns: list[AgencyReturn]


def new_review(
    team_id: str = "T0001", reference: str = "RR-2026-014", **changes: object
) -> NewReview:
    """A complete ``NewReview`` for tests, with any field overridden by ``changes``."""
    draft = NewReview(
        team_id=team_id,
        reference=reference,
        pseudonym="Child A",
        under_1=True,
        incident_date=date(2026, 11, 14),
        notification_date=date(2026, 11, 18),
        meeting_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
        due_date=date(2026, 11, 27),
        period_from=date(2025, 11, 14),
        period_to=date(2026, 11, 14),
        incident_description="Baby admitted with a head injury.",
        owner="U0COORD",
        chair="U0CHAIR",
        channel_id="C0REVIEW",
        form_content="id: agency-return\nsections: []\n",
        form_sha256="0" * 64,
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


@pytest.fixture
def review_draft() -> Callable[..., NewReview]:
    """``review_draft(team_id, reference, **changes)`` -> a ``NewReview``."""
    return new_review


@pytest.fixture
def open_review(uow_factory: UowFactory) -> Callable[..., Opened]:
    """Opens (and commits) a review for a team, creating the partnership and agencies first."""

    def _open(
        team_id: str = "T0001",
        reference: str = "RR-2026-014",
        agencies: Sequence[str] = ("police", "health"),
    ) -> Opened:
        with uow_factory() as uow:
            partnership = uow.partnerships.ensure(team_id, "Northshire Partnership")
            for key, name in AGENCIES.items():
                uow.partnerships.ensure_agency(partnership.id, key, name)
            invites = [NewReturn(key, f"U0{key.upper()}", date(2026, 11, 27)) for key in agencies]
            review = uow.reviews.create(new_review(team_id, reference), invites, SECTIONS, NOW)
            returns = uow.returns.list_for_review(review.id)
            uow.commit()
        return Opened(review, returns)

    return _open


@pytest.fixture
def return_id(open_review: Callable[..., Opened]) -> int:
    """The id of the police return of a freshly opened review."""
    return open_review().returns[0].id


@contextmanager
def held_elsewhere(hold: Callable[[Callable[[], None]], None]) -> Iterator[None]:
    """Run ``hold(wait)`` on a thread of its own: it takes a lock, then calls ``wait()``, which
    returns once the ``with`` block is left; inside the block, the lock is held."""
    locked, release = threading.Event(), threading.Event()

    def wait() -> None:
        locked.set()
        release.wait(10)

    holder = threading.Thread(target=hold, args=(wait,))
    holder.start()
    try:
        assert locked.wait(5), "the other thread did not take its lock"
        yield
    finally:
        release.set()
        holder.join()
