"""Retention in storage, on SQLite and PostgreSQL (DESIGN §5): closing records the outcome, a
hold is kept encrypted, the purge deletes the answers and free text of a review and keeps a
minimal record, and the database itself refuses to change or delete an audit row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from forms.records import NewPack, PackKind, ReviewOutcome, ReviewStatus
from storage.crypto import FernetCodec, Keyring, TextCipher
from storage.db import make_session_factory
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import NOW, SECTIONS, Opened, UowFactory, new_review

NEEDLES = ("PURGENEEDLE answer", "ROWPURGENEEDLE", "INCIDENTPURGENEEDLE")


def fill(uow_factory: UowFactory, opened: Opened) -> None:
    """Answers on both returns, a pack with two Slack files and two audit entries."""
    review = opened.review
    with uow_factory() as uow:
        for ret in opened.returns:
            uow.answers.save_section(ret.id, "A", 0, {"A1": NEEDLES[0]}, "U0X", NOW)
            uow.answers.save_section(
                ret.id, "B", 0, {"B1": [{"row_id": "r1", "values": {"x": NEEDLES[1]}}]}, "U0X", NOW
            )
        pack = uow.packs.add(NewPack(review.id, 1, PackKind.REQUESTED, NOW, "U0CHAIR",
                                     ("U0CHAIR",), "0" * 64, None))  # fmt: skip
        uow.packs.add_files(pack.id, ["F0PDF", "F0HTML"])
        uow.reviews.set_summary(review.id, "Summary PURGENEEDLE", ["DI PURGENEEDLE"])
        uow.audit.add("T0001", "U0COORD", "review.opened", NOW, review_id=review.id)
        uow.audit.add("T0001", "U0X", "page.saved", NOW, review_id=review.id,
                      return_id=opened.returns[0].id, details={"section": "A"})  # fmt: skip
        uow.commit()


def test_close_and_hold_are_kept_with_the_review(
    uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    review = open_review().review
    with uow_factory() as uow:
        closed = uow.retention.close(review.id, ReviewOutcome.OTHER_LEARNING, date(2026, 12, 1), NOW)
        uow.retention.set_hold(review.id, "Inquest <listed>")
        uow.commit()
    with uow_factory() as uow:
        again = uow.reviews.get(review.id)
        assert again is not None
        assert (again.status, again.closed_at, again.outcome, again.panel_sent_date) == (
            ReviewStatus.CLOSED, NOW, ReviewOutcome.OTHER_LEARNING, date(2026, 12, 1))  # fmt: skip
        assert again.hold_reason == "Inquest <listed>" == uow.retention.held()[0].hold_reason
        assert [r.id for r in uow.retention.closed_before(NOW)] == [review.id]
        assert uow.retention.closed_before(NOW - timedelta(seconds=1)) == []
        assert [r.id for r in uow.retention.find("RR-2026-014")] == [review.id]
        uow.retention.set_hold(review.id, None)
        uow.commit()
    with uow_factory() as uow:
        assert uow.retention.held() == []
    assert closed.outcome is ReviewOutcome.OTHER_LEARNING


def test_purge_deletes_answers_and_free_text_and_keeps_the_minimal_record(
    engine: Engine, uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    opened = open_review()
    other = open_review(reference="RR-2026-099")
    fill(uow_factory, opened)
    fill(uow_factory, other)
    review = opened.review

    with uow_factory() as uow:
        assert uow.retention.pack_files(review.id) == ["F0PDF", "F0HTML"]
        purged = uow.retention.purge(review.id, NOW, files_left=["F0HTML"])
        uow.commit()

    assert purged.answers == 4 and purged.files_left == ("F0HTML",)
    assert set(purged.fields) == {"pseudonym", "incident_description", "case_summary", "attendees"}
    with engine.connect() as connection:
        counts = text(
            "SELECT r.review_id, count(a.id) FROM returns r LEFT JOIN answers a "
            "ON a.return_id = r.id GROUP BY r.review_id ORDER BY r.review_id"
        )
        rows = connection.execute(counts).all()
        assert [tuple(r) for r in rows] == [(review.id, 0), (other.review.id, 4)]
        kept = connection.execute(
            text("SELECT reference, pseudonym, incident_description, case_summary, attendees, "
                 "notification_date, purged_at FROM reviews WHERE id = :id"), {"id": review.id}
        ).one()  # fmt: skip
        assert kept[0] == "RR-2026-014" and kept[1] == "" and kept[2:5] == (None, None, None)
        assert kept[5] is not None and kept[6] is None  # a copy is left: not finished yet
        states = connection.execute(
            text("SELECT state FROM returns WHERE review_id = :id"), {"id": review.id}
        ).scalars().all()  # fmt: skip
        assert states == ["invited", "invited"]
        audit = connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        assert audit == 4
    with uow_factory() as uow:
        assert uow.retention.pack_files(review.id) == ["F0HTML"]
        done = uow.retention.purge(review.id, NOW)
        uow.commit()
        assert done.answers == 0 and done.files_left == ()
    with uow_factory() as uow:
        after = uow.reviews.get(review.id)
        assert after is not None and after.purged_at == NOW
        assert uow.answers.get(other.returns[0].id)["A1"] == NEEDLES[0]  # the other is intact


def test_purged_text_is_not_left_in_the_sqlite_file(tmp_path: Path) -> None:
    from storage.db import make_engine
    from storage.migrate import upgrade
    from tests.integration.conftest import AGENCIES

    path = tmp_path / "rrm.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    uow = SqlUnitOfWork(make_session_factory(engine))  # plain text: easy to find in the file
    with uow:
        partnership = uow.partnerships.ensure("T0001", "P")
        for key, name in AGENCIES.items():
            uow.partnerships.ensure_agency(partnership.id, key, name)
        from forms.records import NewReturn

        review = uow.reviews.create(
            new_review(incident_description=NEEDLES[2]),
            [NewReturn("police", "U0P", date(2026, 11, 27))], SECTIONS, NOW,
        )  # fmt: skip
        (ret,) = uow.returns.list_for_review(review.id)
        uow.answers.save_section(ret.id, "A", 0, {"A1": NEEDLES[0] * 50}, "U0X", NOW)
        uow.commit()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert NEEDLES[0].encode() in path.read_bytes()

    with uow:
        uow.retention.purge(review.id, NOW)
        uow.commit()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()

    wal = tmp_path / "rrm.db-wal"
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert NEEDLES[0].encode() not in raw and NEEDLES[2].encode() not in raw


def test_the_hold_reason_is_encrypted_at_rest(engine: Engine) -> None:
    keys = Keyring([Fernet.generate_key().decode()])
    uow = SqlUnitOfWork(make_session_factory(engine), FernetCodec(keys), TextCipher(keys))
    with uow:
        uow.partnerships.ensure("T0001", "P")
        review = uow.reviews.create(new_review(), [], SECTIONS, NOW)
        uow.retention.set_hold(review.id, "HOLDNEEDLE criminal case")
        uow.commit()
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT hold_reason FROM reviews WHERE id = :id"), {"id": review.id}
        ).scalar_one()
    assert "HOLDNEEDLE" not in stored
    assert TextCipher(keys).decrypt(stored) == "HOLDNEEDLE criminal case"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET details = '{}'",
        "UPDATE audit_log SET actor = 'U0SOMEONE' WHERE action = 'review.opened'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'page.saved'",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    engine: Engine, uow_factory: UowFactory, open_review: Callable[..., Opened], statement: str
) -> None:
    fill(uow_factory, open_review())
    with engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
        with pytest.raises(DatabaseError, match="audit_log is append-only"):
            connection.execute(text(statement))
        connection.rollback()
        assert connection.execute(text("SELECT * FROM audit_log ORDER BY id")).all() == before


def test_stored_responses_are_forgotten_but_claims_stay(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.requests.claim("view:old", NOW - timedelta(days=2))
        uow.requests.store_response("view:old", {"view": NEEDLES[0]})
        uow.requests.claim("view:new", NOW)
        uow.requests.store_response("view:new", {"view": NEEDLES[0]})
        uow.commit()
    with uow_factory() as uow:
        assert uow.retention.forget_responses(NOW - timedelta(days=1)) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.requests.get_response("view:old") is None
        assert uow.requests.get_response("view:new") == {"view": NEEDLES[0]}
        assert not uow.requests.claim("view:old", NOW)


def test_migration_0005_goes_down_and_up_again(
    engine: Engine, uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from storage.migrate import alembic_config, head_revision, upgrade

    opened = open_review()
    fill(uow_factory, opened)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")
    columns = {c["name"] for c in inspect(engine).get_columns("reviews")}
    assert not columns & {"outcome", "panel_sent_date", "hold_reason", "purged_at"}
    with engine.begin() as connection:  # no trigger any more: the schema is 0004's again
        connection.execute(text("UPDATE audit_log SET details = details"))
    assert upgrade(engine) == head_revision()
    with uow_factory() as uow:
        closed = uow.retention.close(opened.review.id, ReviewOutcome.NONE, date(2026, 12, 1), NOW)
        uow.commit()
    assert closed.outcome is ReviewOutcome.NONE
    with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
        connection.execute(text("DELETE FROM audit_log"))
