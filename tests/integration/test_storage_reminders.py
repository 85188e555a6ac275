"""The reminders repository on SQLite and PostgreSQL: re-planning, claiming, superseding,
leases, retries and nudges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from forms.reminders import DueItem, Kind, ReminderState, Role
from tests.integration.conftest import Opened, UowFactory

NOW = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


def _item(
    kind: Kind, return_id: int | None, at: datetime, recipient: str = "U0POLICE"
) -> DueItem:
    role = Role.CONTACT if return_id is not None else Role.OWNER
    return DueItem(at, kind, role, recipient, return_id, at.date())


def _plan(opened: Opened) -> list[DueItem]:
    police = opened.returns[0].id
    day = timedelta(days=1)
    return [
        _item(Kind.DUE_SOON, police, NOW - day),
        _item(Kind.DUE_SOON, police, NOW),
        _item(Kind.DUE_TODAY, police, NOW + day),
        _item(Kind.DIGEST, None, NOW + 2 * day, "U0COORD"),
    ]


def _states(uow_factory: UowFactory, review_id: int) -> list[tuple[str, str]]:
    with uow_factory() as uow:
        return [(r.slot, r.state.value) for r in uow.reminders.list_for_review(review_id)]


def test_sync_adds_what_is_to_come_and_cancels_or_restores_pending(
    uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    opened = open_review()
    review_id, plan = opened.review.id, _plan(opened)
    with uow_factory() as uow:
        synced = uow.reminders.sync(review_id, plan, NOW)
        uow.commit()
    assert (synced.added, synced.cancelled) == (3, 0)  # yesterday's is not added
    with uow_factory() as uow:
        again = uow.reminders.sync(review_id, plan, NOW)
        dropped = uow.reminders.sync(review_id, plan[:2], NOW)
        uow.commit()
    assert (again.added, again.kept) == (0, 3)
    assert (dropped.cancelled, dropped.kept) == (2, 1)
    with uow_factory() as uow:
        restored = uow.reminders.sync(review_id, plan, NOW + timedelta(hours=1))
        uow.commit()
    assert restored.restored == 2  # tomorrow's and the digest; today's 09:00 has passed
    states = dict(_states(uow_factory, review_id))
    assert sorted(states.values()) == ["pending", "pending", "pending"]


def test_each_due_item_is_claimed_once_and_earlier_ones_of_a_series_are_superseded(
    uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    opened = open_review()
    police, health = (r.id for r in opened.returns)
    hour = timedelta(hours=1)
    plan = [
        _item(Kind.DUE_SOON, police, NOW),
        _item(Kind.DUE_TODAY, police, NOW + hour),
        _item(Kind.OVERDUE, police, NOW + 5 * hour),  # not due yet
        _item(Kind.DUE_SOON, health, NOW, "U0HEALTH"),
    ]
    with uow_factory() as uow:
        uow.reminders.sync(opened.review.id, plan, NOW - hour)
        uow.commit()
    with uow_factory() as uow:
        claimed, superseded = uow.reminders.claim_due(NOW + 2 * hour, "w1/0", 100)
        uow.commit()
    assert superseded == 1
    assert sorted((c.kind.value, c.recipient) for c in claimed) == [
        ("due_soon", "U0HEALTH"),
        ("due_today", "U0POLICE"),
    ]
    assert all(c.state is ReminderState.CLAIMED and c.claimed_by == "w1/0" for c in claimed)
    with uow_factory() as uow:
        assert uow.reminders.claim_due(NOW + 2 * hour, "w2/0", 100) == ([], 0)


def test_a_claim_is_finished_only_by_its_holder_and_a_lapsed_one_is_taken_back(
    uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    opened = open_review()
    with uow_factory() as uow:
        uow.reminders.sync(opened.review.id, _plan(opened)[1:3], NOW - timedelta(hours=1))
        (item,), _ = uow.reminders.claim_due(NOW, "w1/0", 10)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.reminders.mark_sent(item.id, "w2/0", NOW, "U0POLICE")
        assert uow.reminders.release(
            item.id, "w1/0", NOW + timedelta(minutes=1), error="429", attempted=True
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.reminders.claim_due(NOW, "w1/1", 10) == ([], 0)  # waiting to retry
        (again,), _ = uow.reminders.claim_due(NOW + timedelta(minutes=1), "w1/2", 10)
        uow.commit()
    assert (again.attempts, again.last_error) == (1, "429")
    with uow_factory() as uow:
        assert uow.reminders.reclaim_expired(NOW) == 0
        assert uow.reminders.reclaim_expired(NOW + timedelta(minutes=2)) == 1
        (third,), _ = uow.reminders.claim_due(NOW + timedelta(minutes=2), "w3/0", 10)
        assert uow.reminders.mark_sent(third.id, "w3/0", NOW, "U0POLICE2")
        assert not uow.reminders.give_up(third.id, "w3/0", ReminderState.FAILED, "late")
        uow.commit()
    with uow_factory() as uow:
        stored = uow.reminders.get(third.id)
        counts = uow.reminders.count_by_state()
        sent = uow.reminders.sent_counts(opened.review.id)
    assert stored and (stored.state, stored.recipient) == (ReminderState.SENT, "U0POLICE2")
    assert counts[ReminderState.SENT] == 1 and counts[ReminderState.PENDING] == 1
    assert sent == {opened.returns[0].id: 1}


def test_nudges_at_most_one_per_return_and_hour(
    uow_factory: UowFactory, open_review: Callable[..., Opened]
) -> None:
    opened = open_review()
    police = opened.returns[0].id
    nudge = DueItem(NOW, Kind.NUDGE, Role.CONTACT, "U0POLICE", police, date(2026, 12, 21))
    with uow_factory() as uow:
        assert uow.reminders.last_nudge(police) is None
        first = uow.reminders.add_nudge(opened.review.id, nudge, "coord-1")
        uow.commit()
    assert first and first.state is ReminderState.CLAIMED
    with uow_factory() as uow:
        assert uow.reminders.add_nudge(opened.review.id, nudge, "coord-2") is None
        assert uow.reminders.last_nudge(police) == NOW
        uow.reminders.sync(opened.review.id, [], NOW)  # a re-plan leaves nudges alone
        uow.commit()
    with uow_factory() as uow:
        assert uow.reminders.get(first.id) == first
