"""Partnerships, reviews and returns, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError

from forms.records import NewReturn, NewReview, ReturnState, ReviewStatus
from storage.errors import DuplicateReference, NotFound
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
SECTIONS = ("A", "B", "C", "E")
DUE = date(2026, 11, 27)
UowFactory = Callable[[], SqlUnitOfWork]
OpenReview = Callable[..., Any]
Draft = Callable[..., NewReview]


def test_partnership_and_agencies_are_ensured_once(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        first = uow.partnerships.ensure("T0001", "Northshire")
        again = uow.partnerships.ensure("T0001", "Northshire SCP")
        police = uow.partnerships.ensure_agency(first.id, "police", "Police")
        assert uow.partnerships.ensure_agency(first.id, "police", "Police") == police
        uow.commit()
    assert again.id == first.id and again.name == "Northshire SCP"
    with uow_factory() as uow:
        assert uow.partnerships.get_by_team("T0001") == again
        assert uow.partnerships.list_agencies(first.id) == [police]
        assert uow.partnerships.get_agency(first.id, "police") == police
        assert uow.partnerships.get_agency(first.id, "health") is None
        assert uow.partnerships.get_by_team("T0OTHER") is None


def test_create_review_with_its_returns(open_review: OpenReview, uow_factory: UowFactory) -> None:
    opened = open_review()
    review = opened.review
    assert (review.reference, review.team_id, review.pseudonym) == (
        "RR-2026-014",
        "T0001",
        "Child A",
    )
    assert review.status is ReviewStatus.OPEN and review.created_at == NOW
    assert review.closed_at is None and review.status_ts is None
    assert review.form_sha256 == "0" * 64 and review.form_content.startswith("id: agency-return")
    assert [r.agency_key for r in opened.returns] == ["police", "health"]
    with uow_factory() as uow:
        assert uow.reviews.get(review.id) == review
        assert uow.reviews.get_by_reference("T0001", "RR-2026-014") == review
        assert uow.reviews.get_by_reference("T0002", "RR-2026-014") is None
        assert uow.returns.list_for_review(review.id) == opened.returns
        police = uow.returns.get(opened.returns[0].id)
        assert police is not None
        assert police.state is ReturnState.INVITED
        assert (police.agency_name, police.contact_user_id) == ("Northshire Police", "U0POLICE")
        assert police.due_date == DUE
        assert police.submitted_at is None and police.dm_ts is None
        assert uow.answers.revisions(police.id) == dict.fromkeys(SECTIONS, 0)
        assert uow.answers.get(police.id) == {}


def test_review_reference_is_unique_per_team(
    open_review: OpenReview, uow_factory: UowFactory, review_draft: Draft
) -> None:
    open_review("T0001", "RR-1")
    with pytest.raises(DuplicateReference), uow_factory() as uow:
        uow.reviews.create(review_draft("T0001", "RR-1"), [], SECTIONS, NOW)
    assert open_review("T0002", "RR-1").review.team_id == "T0002"
    with uow_factory() as uow:
        assert [r.reference for r in uow.reviews.list_for_team("T0001")] == ["RR-1"]
        assert [r.reference for r in uow.reviews.list_for_team("T0002")] == ["RR-1"]


def test_unknown_agency_creates_nothing(
    open_review: OpenReview, uow_factory: UowFactory, review_draft: Draft
) -> None:
    open_review()
    invites = [NewReturn("police", "U1", DUE), NewReturn("ambulance", "U2", DUE)]
    with pytest.raises(NotFound, match="agency 'ambulance'"), uow_factory() as uow:
        uow.reviews.create(review_draft("T0001", "RR-2"), invites, SECTIONS, NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reviews.get_by_reference("T0001", "RR-2") is None


def test_times_are_aware_utc_and_naive_ones_refused(
    open_review: OpenReview, uow_factory: UowFactory, review_draft: Draft
) -> None:
    open_review()
    london = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    with uow_factory() as uow:
        review = uow.reviews.create(
            review_draft("T0001", "RR-BST", meeting_at=london), [], SECTIONS, NOW
        )
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reviews.get(review.id)
        assert stored is not None
        assert stored.meeting_at == london
        assert stored.meeting_at.tzinfo is UTC and stored.meeting_at.hour == 9
        with pytest.raises(StatementError, match="naive datetime"):
            uow.reviews.set_status(review.id, ReviewStatus.CLOSED, datetime(2026, 1, 1))


def test_review_status_owner_and_card(open_review: OpenReview, uow_factory: UowFactory) -> None:
    review = open_review().review
    closed_at = NOW + timedelta(days=20)
    with uow_factory() as uow:
        uow.reviews.set_status_card(review.id, "1700000000.000100")
        uow.reviews.set_owner(review.id, "U0OTHER")
        uow.reviews.set_status(review.id, ReviewStatus.CLOSED, closed_at)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reviews.get(review.id)
        assert stored is not None
        assert (stored.status, stored.closed_at) == (ReviewStatus.CLOSED, closed_at)
        assert (stored.owner, stored.status_ts) == ("U0OTHER", "1700000000.000100")
        assert uow.reviews.list_for_team("T0001", [ReviewStatus.OPEN]) == []
        assert uow.reviews.list_for_team("T0001", [ReviewStatus.CLOSED]) == [stored]
        with pytest.raises(NotFound):
            uow.reviews.set_owner(999_999, "U0X")


def test_return_state_contact_submission_and_dm_card(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    return_id = open_review().returns[0].id
    later = NOW + timedelta(hours=3)
    with uow_factory() as uow:
        uow.returns.set_state(return_id, ReturnState.SUBMITTED, later)
        uow.returns.set_submitted_at(return_id, later, later)
        uow.returns.set_contact(return_id, "U0COLLEAGUE", later)
        uow.returns.set_dm_card(return_id, "D0DM", "1700000000.000200", later)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.returns.get(return_id)
        assert stored is not None
        assert stored.state is ReturnState.SUBMITTED
        assert stored.submitted_at == later and stored.updated_at == later
        assert stored.contact_user_id == "U0COLLEAGUE"
        assert (stored.dm_channel, stored.dm_ts) == ("D0DM", "1700000000.000200")
        assert uow.returns.get(999_999) is None
        with pytest.raises(NotFound):
            uow.returns.set_state(999_999, ReturnState.NIL, later)


def test_an_agency_added_later_gets_its_own_return(
    open_review: OpenReview, uow_factory: UowFactory
) -> None:
    opened = open_review(agencies=("police",))
    with uow_factory() as uow:
        added = uow.returns.add(opened.review.id, NewReturn("health", None, DUE), SECTIONS, NOW)
        uow.commit()
    assert (added.agency_key, added.contact_user_id, added.state) == (
        "health",
        None,
        ReturnState.INVITED,
    )
    with uow_factory() as uow:
        assert [r.agency_key for r in uow.returns.list_for_review(opened.review.id)] == [
            "police",
            "health",
        ]
        assert uow.answers.revisions(added.id) == dict.fromkeys(SECTIONS, 0)
