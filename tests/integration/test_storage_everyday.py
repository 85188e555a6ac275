"""Migration 0006 on SQLite and PostgreSQL: amended, on-behalf, unreachable and extended returns,
delegations, absences and a review's schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from forms.records import Absence
from storage.crypto import TextCipher
from storage.db import make_session_factory
from storage.errors import NotFound
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
UowFactory = Callable[[], SqlUnitOfWork]
OpenReview = Callable[..., Any]


def test_a_new_return_has_none_of_the_everyday_marks(
    return_id: int, uow_factory: UowFactory
) -> None:
    with uow_factory() as uow:
        ret = uow.returns.get(return_id)
    assert ret is not None
    assert (ret.amended_at, ret.entered_by, ret.received_on) == (None, None, None)
    assert (ret.unreachable, ret.extension_reason, ret.on_behalf) == (None, None, False)


def test_amended_on_behalf_unreachable_and_extended(
    return_id: int, uow_factory: UowFactory
) -> None:
    with uow_factory() as uow:
        uow.returns.set_amended(return_id, LATER, LATER)
        uow.returns.set_on_behalf(return_id, "U0COORD", date(2026, 11, 19), LATER)
        uow.returns.set_unreachable(return_id, "the Slack account is deactivated", LATER)
        extended = uow.returns.set_due(return_id, date(2026, 12, 2), "awaiting GP records", LATER)
        uow.commit()
    assert extended.due_date == date(2026, 12, 2)
    with uow_factory() as uow:
        ret = uow.returns.get(return_id)
    assert ret is not None and ret.on_behalf
    assert ret.amended_at == LATER and ret.updated_at == LATER
    assert (ret.entered_by, ret.received_on) == ("U0COORD", date(2026, 11, 19))
    assert ret.unreachable == "the Slack account is deactivated"
    assert ret.extension_reason == "awaiting GP records"
    with uow_factory() as uow:
        uow.returns.set_on_behalf(return_id, None, None, LATER)
        uow.returns.set_unreachable(return_id, None, LATER)
        cleared = uow.returns.set_due(return_id, date(2026, 12, 3), None, LATER)
        uow.commit()
    assert (cleared.entered_by, cleared.unreachable, cleared.extension_reason) == (None,) * 3


def test_unknown_return_is_not_found(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound):
        uow.returns.add_delegation(999, "U0A", "U0B", "on leave", NOW)


def test_delegations_are_kept_in_order_and_follow_the_contact(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    opened = open_review()
    police = opened.returns[0]
    with uow_factory() as uow:
        first = uow.returns.add_delegation(police.id, "U0POLICE", "U0DS", "not my case", NOW)
        uow.returns.set_contact(police.id, "U0DS", NOW)
        uow.returns.add_delegation(police.id, "U0DS", "U0DI", "moved team", LATER)
        uow.returns.set_contact(police.id, "U0DI", LATER)
        uow.commit()
    with uow_factory() as uow:
        chain = uow.returns.delegations(police.id)
        mine = uow.returns.list_for_contact("T0001", "U0DI")
        none = uow.returns.list_for_contact("T0OTHER", "U0DI")
    assert [(d.from_user, d.to_user, d.reason) for d in chain] == [
        ("U0POLICE", "U0DS", "not my case"),
        ("U0DS", "U0DI", "moved team"),
    ]
    assert chain[0] == first and chain[1].at == LATER
    assert [r.id for r in mine] == [police.id] and none == []


def test_list_for_contact_spans_reviews_newest_first(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    older = open_review(reference="RR-2026-001")
    newer = open_review(reference="RR-2026-002")
    with uow_factory() as uow:
        mine = uow.returns.list_for_contact("T0001", "U0POLICE")
    assert [r.review_id for r in mine] == [newer.review.id, older.review.id]


def test_reasons_are_encrypted_at_rest(engine: Engine, open_review: OpenReview) -> None:
    police = open_review().returns[0]
    cipher = TextCipher([Fernet.generate_key()])
    uow = SqlUnitOfWork(make_session_factory(engine), text=cipher)
    with uow:
        uow.returns.set_due(police.id, date(2026, 12, 2), "awaiting GP records", NOW)
        uow.returns.add_delegation(police.id, "U0POLICE", "U0DS", "not my case", NOW)
        uow.commit()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT extension_reason FROM returns")).scalars().all()
        reasons = connection.execute(text("SELECT reason FROM delegations")).scalars().all()
    assert "awaiting GP records" not in stored and "not my case" not in reasons
    with uow:
        assert uow.returns.delegations(police.id)[0].reason == "not my case"
        assert uow.returns.get(police.id).extension_reason == "awaiting GP records"  # type: ignore[union-attr]


def test_schedule_changes_only_what_is_given(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    review = open_review().review
    meeting = datetime(2026, 12, 11, 14, 0, tzinfo=UTC)
    with uow_factory() as uow:
        moved = uow.reviews.set_schedule(review.id, meeting_at=meeting)
        chaired = uow.reviews.set_schedule(
            review.id, chair="U0NEWCHAIR", due_date=date(2026, 12, 1)
        )
        uow.commit()
    assert moved.meeting_at == meeting and moved.due_date == review.due_date
    assert moved.chair == review.chair
    assert (chaired.chair, chaired.due_date, chaired.meeting_at) == (
        "U0NEWCHAIR",
        date(2026, 12, 1),
        meeting,
    )


def test_absences_are_set_replaced_and_cleared(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.absences.set("T0001", "U0POLICE", date(2026, 12, 1), "U0DEPUTY", NOW)
        again = uow.absences.set("T0001", "U0POLICE", date(2026, 12, 4), None, LATER)
        uow.absences.set("T0002", "U0POLICE", date(2026, 12, 9), None, NOW)
        uow.commit()
    assert again == Absence("T0001", "U0POLICE", date(2026, 12, 4), None, LATER)
    assert again.active_on(date(2026, 12, 4)) and not again.active_on(date(2026, 12, 5))
    with uow_factory() as uow:
        assert uow.absences.get("T0001", "U0POLICE") == again
        assert [a.team_id for a in uow.absences.list_for_team("T0001")] == ["T0001"]
        assert uow.absences.clear("T0001", "U0POLICE") is True
        assert uow.absences.clear("T0001", "U0POLICE") is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.absences.get("T0001", "U0POLICE") is None
        assert uow.absences.get("T0002", "U0POLICE") is not None


def test_purge_clears_the_reasons(open_review: OpenReview, uow_factory: UowFactory) -> None:
    police = open_review().returns[0]
    with uow_factory() as uow:
        uow.returns.set_due(police.id, date(2026, 12, 2), "awaiting GP records", NOW)
        uow.returns.add_delegation(police.id, "U0POLICE", "U0DS", "not my case", NOW)
        uow.retention.purge(police.review_id, LATER)
        uow.commit()
    with uow_factory() as uow:
        assert uow.returns.get(police.id).extension_reason is None  # type: ignore[union-attr]
        assert [d.reason for d in uow.returns.delegations(police.id)] == [""]


def test_migration_0006_goes_down_and_up_again(
    engine: Engine, open_review: OpenReview, uow_factory: UowFactory
) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from storage.migrate import alembic_config, head_revision, upgrade

    police = open_review().returns[0]
    with uow_factory() as uow:
        uow.returns.add_delegation(police.id, "U0POLICE", "U0DS", "not my case", NOW)
        uow.absences.set("T0001", "U0DS", date(2026, 12, 1), None, NOW)
        uow.chunks.put(police.review_id, {"a" * 64: b"a kept chunk"}, NOW)  # 0007 goes too
        uow.commit()
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
    names = set(inspect(engine).get_table_names())
    assert not names & {"delegations", "absences", "pack_chunks"}
    columns = {c["name"] for c in inspect(engine).get_columns("returns")}
    assert not columns & {"amended_at", "entered_by", "received_on", "unreachable"}
    assert upgrade(engine) == head_revision()
    with uow_factory() as uow:
        ret = uow.returns.set_unreachable(police.id, "no Slack user has that email", LATER)
        uow.commit()
    assert ret.unreachable == "no Slack user has that email" and ret.contact_user_id == "U0POLICE"
