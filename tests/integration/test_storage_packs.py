"""Pack records and the review's summary fields, on SQLite and PostgreSQL (migration 0003)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from forms.records import NewPack, PackKind, PackRelease
from storage.crypto import ENCRYPTED_COLUMNS, TextCipher, looks_like_token
from storage.db import make_session_factory
from storage.errors import NotFound
from storage.migrate import alembic_config, head_revision, upgrade
from storage.repositories.packs import DuplicatePackVersion
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import NOW, SECTIONS, new_review

UowFactory = Callable[[], SqlUnitOfWork]
OpenReview = Callable[..., Any]
SHA = "a" * 64
SUMMARY = "SUMMARYNEEDLE: Child A was taken to hospital; three agencies knew the family."
ATTENDEES = ("ATTENDEENEEDLE Jo Bloggs, DI, Northshire Police", "Dr A Patel, named GP")


def _pack(review_id: int, version: int, kind: PackKind = PackKind.REQUESTED) -> NewPack:
    return NewPack(
        review_id=review_id,
        version=version,
        kind=kind,
        created_at=NOW + timedelta(minutes=version),
        created_by="U0CHAIR",
        recipients=("U0CHAIR", "U0COORD"),
        html_sha256=SHA,
        pdf_sha256=None if kind is PackKind.DRAFT else "b" * 64,
    )


def test_pack_versions_count_up_per_review(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    first, other = open_review("T0001", "RR-1").review, open_review("T0001", "RR-2").review
    with uow_factory() as uow:
        assert uow.packs.next_version(first.id) == 1
        assert uow.packs.latest(first.id) is None
        for version in (1, 2):
            assert uow.packs.next_version(first.id) == version
            uow.packs.add(
                _pack(first.id, version, PackKind.DRAFT if version == 1 else PackKind.NAMED)
            )
        assert uow.packs.next_version(other.id) == 1
        uow.packs.add(_pack(other.id, 1))
        uow.commit()
    with uow_factory() as uow:
        packs = uow.packs.list_for_review(first.id)
        assert [(p.version, p.kind) for p in packs] == [(1, PackKind.DRAFT), (2, PackKind.NAMED)]
        assert packs[0].pdf_sha256 is None and packs[1].pdf_sha256 == "b" * 64
        assert packs[1].recipients == ("U0CHAIR", "U0COORD") and packs[1].file_ids == ()
        assert packs[1].created_at == NOW + timedelta(minutes=2)
        assert uow.packs.latest(first.id) == packs[1]
        assert uow.packs.get(packs[0].id) == packs[0]
        assert uow.packs.next_version(first.id) == 3
        assert [p.version for p in uow.packs.list_for_review(other.id)] == [1]


def test_a_version_taken_elsewhere_is_refused(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    review = open_review().review
    with uow_factory() as uow:
        uow.packs.add(_pack(review.id, 1))
        uow.commit()
    with pytest.raises(DuplicatePackVersion), uow_factory() as uow:
        uow.packs.add(_pack(review.id, 1))
    with pytest.raises(NotFound), uow_factory() as uow:
        uow.packs.add(_pack(review.id + 99, 1))
    with uow_factory() as uow:
        assert len(uow.packs.list_for_review(review.id)) == 1


def test_slack_file_ids_are_appended_once(open_review: OpenReview, uow_factory: UowFactory) -> None:
    review = open_review().review
    with uow_factory() as uow:
        pack = uow.packs.add(_pack(review.id, 1))
        uow.packs.add_files(pack.id, ["F001", "F002"])
        uow.commit()
    with uow_factory() as uow:
        again = uow.packs.add_files(pack.id, ["F002", "F003"])
        uow.commit()
    assert again.file_ids == ("F001", "F002", "F003")
    with uow_factory() as uow:
        assert uow.packs.get(pack.id) == again
        with pytest.raises(NotFound):
            uow.packs.add_files(pack.id + 99, ["F9"])


def test_teams_lists_every_partnership(open_review: OpenReview, uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.packs.teams() == []
    open_review("T0001", "RR-1")
    open_review("T0002", "RR-1")
    with uow_factory() as uow:
        assert uow.packs.teams() == ["T0001", "T0002"]


def test_summary_attendees_and_release_round_trip(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    review = open_review().review
    assert (review.case_summary, review.attendees) == (None, ())
    assert review.pack_release is PackRelease.PENDING
    with uow_factory() as uow:
        saved = uow.reviews.set_summary(review.id, SUMMARY, ATTENDEES)
        held = uow.reviews.set_pack_release(review.id, PackRelease.HELD)
        uow.commit()
    assert (saved.case_summary, saved.attendees) == (SUMMARY, ATTENDEES)
    assert held.pack_release is PackRelease.HELD
    with uow_factory() as uow:
        stored = uow.reviews.get(review.id)
        assert stored == held
        with pytest.raises(ValueError, match="line break"):
            uow.reviews.set_summary(review.id, None, ["two\nlines"])
        cleared = uow.reviews.set_summary(review.id, None, ())
        uow.commit()
    assert (cleared.case_summary, cleared.attendees) == (None, ())


def test_summary_and_attendees_are_encrypted_in_the_raw_row(engine: Engine) -> None:
    assert ("reviews", "case_summary") in ENCRYPTED_COLUMNS
    assert ("reviews", "attendees") in ENCRYPTED_COLUMNS
    cipher = TextCipher([Fernet.generate_key()])
    uow = SqlUnitOfWork(make_session_factory(engine), text=cipher)
    with uow:
        uow.partnerships.ensure("T0001", "Northshire")
        review = uow.reviews.create(new_review(), [], SECTIONS, NOW)
        uow.reviews.set_summary(review.id, SUMMARY, ATTENDEES)
        uow.commit()
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT case_summary, attendees, pack_release FROM reviews")
        ).one()
    assert looks_like_token(row[0]) and looks_like_token(row[1])
    assert "NEEDLE" not in str(row) and row[2] == "pending"
    with uow:
        stored = uow.reviews.get(review.id)
    assert stored is not None and (stored.case_summary, stored.attendees) == (SUMMARY, ATTENDEES)


def test_the_database_refuses_an_unknown_release_state_or_kind(
    engine: Engine, open_review: OpenReview
) -> None:
    review = open_review().review
    for statement in (
        "UPDATE reviews SET pack_release = 'maybe'",
        f"INSERT INTO packs (review_id, version, kind, created_at, created_by, recipients, "
        f"html_sha256) VALUES ({review.id}, 1, 'leaked', '2026-11-20', 'x', '[]', 'x')",
    ):
        with pytest.raises(IntegrityError, match=r"(?i)check"), engine.begin() as connection:
            connection.execute(text(statement))


def test_migration_0003_goes_down_and_up_again(engine: Engine, open_review: OpenReview) -> None:
    review = open_review().review
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0002")
    names = inspect(engine)
    assert "packs" not in names.get_table_names()
    assert "pack_release" not in {c["name"] for c in names.get_columns("reviews")}
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        state = connection.execute(
            text("SELECT pack_release FROM reviews WHERE id = :id"), {"id": review.id}
        ).scalar()
    assert state == "pending"


def test_pack_times_are_aware_utc(open_review: OpenReview, uow_factory: UowFactory) -> None:
    review = open_review().review
    with uow_factory() as uow:
        uow.packs.add(_pack(review.id, 1))
        uow.commit()
    with uow_factory() as uow:
        (pack,) = uow.packs.list_for_review(review.id)
    assert pack.created_at.tzinfo is not None
    assert pack.created_at.astimezone(UTC) == datetime(2026, 11, 20, 9, 31, tzinfo=UTC)
