"""The unit of work's commit/rollback, the audit log and processed requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.errors import NotFound
from storage.ports import UnitOfWork
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
UowFactory = Callable[[], SqlUnitOfWork]


def test_the_sql_unit_of_work_satisfies_the_protocol(uow_factory: UowFactory) -> None:
    uow: UnitOfWork = uow_factory()
    with uow:
        assert uow.audit.list_for_review(1) == []


def test_unit_of_work_rolls_back_unless_committed(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.partnerships.ensure("T0LOST", "Never committed")
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        uow.partnerships.ensure("T0BOOM", "Failed half-way")
        raise RuntimeError("boom")
    with uow_factory() as uow:
        uow.partnerships.ensure("T0KEPT", "Committed")
        uow.commit()
        uow.partnerships.ensure("T0AFTER", "After the commit")
    with uow_factory() as uow:
        assert uow.partnerships.get_by_team("T0LOST") is None
        assert uow.partnerships.get_by_team("T0BOOM") is None
        assert uow.partnerships.get_by_team("T0AFTER") is None
        assert uow.partnerships.get_by_team("T0KEPT") is not None


def test_explicit_rollback_and_misuse(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        uow.commit()
    with uow:
        uow.partnerships.ensure("T0RB", "Rolled back")
        uow.rollback()
        assert uow.partnerships.get_by_team("T0RB") is None
        with pytest.raises(RuntimeError, match="already in use"), uow:
            pass


def test_audit_entries_append_and_list(
    open_review: Callable[..., Any], uow_factory: UowFactory
) -> None:
    opened = open_review()
    review_id, return_id = opened.review.id, opened.returns[0].id
    with uow_factory() as uow:
        uow.audit.add(
            "T0001",
            "U0COORD",
            "review.open",
            NOW,
            review_id=review_id,
            details={"agencies": ["police", "health"]},
        )
        uow.audit.add(
            "T0001",
            "U0POLICE",
            "page.save",
            NOW + timedelta(minutes=5),
            review_id=review_id,
            return_id=return_id,
            details={"section": "A", "revision": 1, "changed": True},
        )
        uow.audit.add("T0001", "U0COORD", "team.event", NOW)  # no review
        uow.commit()
    with uow_factory() as uow:
        entries = uow.audit.list_for_review(review_id)
        uow.audit.add(
            "T0001", "U0COORD", "review.close", NOW + timedelta(days=1), review_id=review_id
        )
        uow.commit()
    assert [(e.actor, e.action) for e in entries] == [
        ("U0COORD", "review.open"),
        ("U0POLICE", "page.save"),
    ]
    assert entries[0].details == {"agencies": ["police", "health"]}
    assert entries[1].details == {"section": "A", "revision": 1, "changed": True}
    assert entries[1].return_id == return_id and entries[1].at == NOW + timedelta(minutes=5)
    with uow_factory() as uow:
        assert [e.action for e in uow.audit.list_for_review(review_id)] == [
            "review.open",
            "page.save",
            "review.close",
        ]
        chosen = uow.audit.list_for_review(review_id, ("review.close", "review.open"))
        assert [e.action for e in chosen] == ["review.open", "review.close"]
        assert uow.audit.list_for_review(review_id, ()) == []
        assert not {"update", "delete", "remove", "purge"} & set(dir(uow.audit))


@pytest.mark.parametrize(
    "details",
    [{"answers": {"A1": "Yes"}}, {"rows": [{"row_id": "r1"}]}, {"text": "x" * 501}],
)
def test_audit_details_refuse_answer_shaped_content(uow_factory: UowFactory, details: Any) -> None:
    with pytest.raises(ValueError, match="audit detail"), uow_factory() as uow:
        uow.audit.add("T0001", "U0X", "page.save", NOW, details=details)


def test_processed_request_claim_store_and_replay(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.requests.claim("view:V1:h1", NOW)
        assert not uow.requests.claim("view:V1:h1", NOW)
        uow.requests.store_response("view:V1:h1", {"response_action": "update", "n": 2})
        assert uow.requests.claim("view:V1:h2", NOW)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.requests.claim("view:V1:h1")
        assert uow.requests.get_response("view:V1:h1") == {"response_action": "update", "n": 2}
        assert uow.requests.get_response("view:V1:h2") is None
        assert uow.requests.get_response("never") is None
        assert uow.requests.claimed_at("view:V1:h2") == NOW
        assert uow.requests.claimed_at("never") is None
        with pytest.raises(NotFound):
            uow.requests.store_response("never", {})


def test_a_rolled_back_claim_is_forgotten_and_old_claims_purge(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.requests.claim("event:Ev1", NOW)
    with uow_factory() as uow:
        assert uow.requests.claim("event:Ev1", NOW)
        assert uow.requests.claim("event:Ev2", NOW + timedelta(days=2))
        uow.commit()
    with uow_factory() as uow:
        assert uow.requests.purge_before(NOW + timedelta(days=1)) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.requests.claim("event:Ev1", NOW)
        assert not uow.requests.claim("event:Ev2", NOW)
