"""The reminder policy as a pure function: a review's whole timeline, in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from forms.calendar import WorkingCalendar
from forms.partnership import load_partnership_text
from forms.records import ReturnState
from forms.reminders import (
    CONTACT_KINDS,
    DAILY_HORIZON_WORKING_DAYS,
    DueItem,
    Kind,
    Policy,
    ReturnFacts,
    ReviewFacts,
    Role,
    fifteenth_working_day,
    plan,
)

LONDON = ZoneInfo("Europe/London")
CAL = WorkingCalendar(tz="Europe/London")
POLICY = Policy(coordinator_channel="C0COORDS", escalation={"police": "U0POLLEAD"})
NOTIFIED = date(2026, 12, 14)  # Monday; due Wed 23 Dec, meeting Mon 4 Jan 2027 at 10:00
DUE = date(2026, 12, 23)
MEETING = datetime(2027, 1, 4, 10, 0, tzinfo=LONDON)


def _return(rid: int = 11, agency: str = "police", **over: object) -> ReturnFacts:
    base: dict[str, object] = dict(
        id=rid, agency_key=agency, contact=f"U{rid}", state=ReturnState.INVITED, due=DUE
    )
    base.update(over)
    return ReturnFacts(**base)  # type: ignore[arg-type]


def _review(*returns: ReturnFacts, **over: object) -> ReviewFacts:
    base: dict[str, object] = dict(
        id=1, notified=NOTIFIED, meeting_at=MEETING, owner="U0COORD", chair="U0CHAIR",
        open=True, returns=returns,
    )
    base.update(over)
    return ReviewFacts(**base)  # type: ignore[arg-type]


def _local(item: DueItem) -> str:
    return item.due_at.astimezone(LONDON).strftime("%a %d %b %H:%M")


def _of(items: list[DueItem], *kinds: Kind, rid: int | None = None) -> list[str]:
    return [
        f"{_local(i)} {i.kind.value}"
        for i in items
        if i.kind in kinds and (rid is None or i.return_id == rid)
    ]


def test_a_waiting_return_across_christmas_and_new_year() -> None:
    items = plan(_review(_return()), POLICY, CAL)
    contact = _of(items, *CONTACT_KINDS)
    assert contact[:9] == [
        "Mon 21 Dec 09:00 due_soon",  # 2 working days before
        "Tue 22 Dec 09:00 due_soon",  # 1 working day before
        "Wed 23 Dec 09:00 due_today",
        "Thu 24 Dec 09:00 overdue",  # 1 working day overdue
        # 25 Dec, the weekend, 28 Dec (Boxing Day's substitute) are not working days
        "Tue 29 Dec 09:00 overdue",
        "Wed 30 Dec 09:00 overdue",
        "Thu 31 Dec 09:00 overdue",
        # 1 January and the weekend
        "Mon 04 Jan 09:00 overdue",
        "Tue 05 Jan 09:00 overdue",
    ]
    assert len(contact) == 3 + DAILY_HORIZON_WORKING_DAYS
    for item in items:
        local = item.due_at.astimezone(LONDON)
        assert CAL.is_working_day(local.date()) and local.time() == time(9, 0)
        assert item.due_at.tzinfo is UTC


def test_the_coordinator_and_escalation_and_the_chair() -> None:
    items = plan(_review(_return()), POLICY, CAL)
    assert _of(items, Kind.ESCALATION) == ["Thu 24 Dec 09:00 escalation"]
    digests = [i for i in items if i.kind is Kind.DIGEST]
    assert {i.role for i in digests} == {Role.OWNER, Role.CHANNEL}
    assert _of([i for i in digests if i.role is Role.OWNER], Kind.DIGEST)[:2] == [
        "Thu 24 Dec 09:00 digest",
        "Tue 29 Dec 09:00 digest",
    ]
    assert fifteenth_working_day(NOTIFIED, CAL) == date(2027, 1, 7)
    assert _of(items, Kind.DEADLINE) == ["Mon 04 Jan 09:00 deadline"] * 2  # owner, channel
    assert _of(items, Kind.PACK_DRAFT, Kind.PACK_CHAIR) == [
        "Wed 30 Dec 09:00 pack_draft",  # 2 working days before Monday 4 January
        "Thu 31 Dec 09:00 pack_chair",  # 09:00 the working day before
    ]
    chair = next(i for i in items if i.kind is Kind.PACK_CHAIR)
    assert (chair.role, chair.recipient) == (Role.CHAIR, "U0CHAIR")


def test_times_follow_the_clock_change_at_the_end_of_october() -> None:
    review = _review(
        _return(due=date(2026, 10, 27)),
        notified=date(2026, 10, 16),
        meeting_at=datetime(2026, 11, 3, 10, 0, tzinfo=LONDON),
    )
    items = [i for i in plan(review, POLICY, CAL) if i.kind in CONTACT_KINDS]
    utc = [(i.due_at.strftime("%a %d %b %H:%M"), i.kind.value) for i in items[:3]]
    assert utc == [
        ("Fri 23 Oct 08:00", "due_soon"),  # 09:00 BST
        ("Mon 26 Oct 09:00", "due_soon"),  # 09:00 GMT after the last Sunday of October
        ("Tue 27 Oct 09:00", "due_today"),
    ]


def test_a_received_return_is_left_alone_and_a_reopened_one_is_not() -> None:
    done = _return(state=ReturnState.SUBMITTED, submitted_on=date(2026, 12, 18))
    items = plan(_review(done), POLICY, CAL)
    assert [i.kind for i in items if i.return_id] == []
    assert not any(i.kind is Kind.DIGEST for i in items)
    reopened = plan(_review(_return(state=ReturnState.SUBMITTED, reopened=True)), POLICY, CAL)
    assert _of(reopened, *CONTACT_KINDS)[:3] == [
        "Mon 21 Dec 09:00 due_soon",
        "Tue 22 Dec 09:00 due_soon",
        "Wed 23 Dec 09:00 due_today",
    ]
    assert not any(i.kind in (Kind.DIGEST, Kind.ESCALATION) for i in reopened)


def test_provisional_on_the_promised_date_then_daily() -> None:
    promised = _return(
        state=ReturnState.PROVISIONAL, submitted_on=date(2026, 12, 17), promised=date(2026, 12, 24)
    )
    assert _of(plan(_review(promised), POLICY, CAL), *CONTACT_KINDS)[:3] == [
        "Thu 24 Dec 09:00 provisional",
        "Tue 29 Dec 09:00 provisional",
        "Wed 30 Dec 09:00 provisional",
    ]
    unpromised = _return(state=ReturnState.PROVISIONAL, submitted_on=date(2026, 12, 17))
    assert _of(plan(_review(unpromised), POLICY, CAL), *CONTACT_KINDS)[0] == (
        "Fri 18 Dec 09:00 provisional"
    )


def test_awaiting_sign_off_daily_from_the_next_working_day() -> None:
    ret = _return(
        state=ReturnState.SUBMITTED, submitted_on=date(2026, 12, 24), awaiting_sign_off=True
    )
    assert _of(plan(_review(ret), POLICY, CAL), *CONTACT_KINDS)[:2] == [
        "Tue 29 Dec 09:00 sign_off",
        "Wed 30 Dec 09:00 sign_off",
    ]


def test_one_contact_reminder_a_day_the_most_pressing_kind_winning() -> None:
    ret = _return(
        state=ReturnState.PROVISIONAL, submitted_on=date(2026, 12, 21),
        promised=date(2026, 12, 22), awaiting_sign_off=True,
    )
    items = [i for i in plan(_review(ret), POLICY, CAL) if i.kind in CONTACT_KINDS]
    days = [i.day for i in items]
    assert len(days) == len(set(days))
    assert items[0].kind is Kind.PROVISIONAL


def test_a_withdrawn_or_contactless_return_gets_nothing() -> None:
    items = plan(
        _review(_return(state=ReturnState.WITHDRAWN), _return(12, "health", contact=None)),
        POLICY,
        CAL,
    )
    assert not any(i.role is Role.CONTACT for i in items)
    assert any(i.kind is Kind.DIGEST for i in items)  # health is overdue, with no contact


def test_locked_and_closed_reviews() -> None:
    locked = plan(_review(_return(), open=False, locked=True), POLICY, CAL)
    assert {i.kind for i in locked} == {Kind.PACK_DRAFT, Kind.PACK_CHAIR}
    assert plan(_review(_return(), open=False), POLICY, CAL) == []


def test_the_partnership_file_overrides_the_policy() -> None:
    partnership = load_partnership_text(
        """
name: P
timezone: Europe/London
referral_route: call
reminders: {before_due_working_days: [3], on_due_day: false, overdue_daily: false,
            window_start: "10:00", window_end: "16:00"}
agencies:
  - {id: police, name: Police, contacts: [U0P], escalation_contact: {email: lead@p.example}}
"""
    )
    policy = Policy.of(partnership)
    assert policy.escalation == {"police": "email:lead@p.example"}
    assert policy.coordinator_channel is None
    items = plan(_review(_return()), policy, CAL)
    assert _of(items, *CONTACT_KINDS) == ["Fri 18 Dec 10:00 due_soon"]
    assert {i.role for i in items if i.kind is Kind.DIGEST} == {Role.OWNER}
    assert _of(items, Kind.ESCALATION) == ["Thu 24 Dec 10:00 escalation"]
    assert _of(items, Kind.PACK_CHAIR) == ["Thu 31 Dec 09:00 pack_chair"]


def test_extra_closed_days_are_skipped() -> None:
    cal = WorkingCalendar([date(2026, 12, 22)])
    items = plan(_review(_return()), POLICY, cal)
    assert _of(items, *CONTACT_KINDS)[:2] == [
        "Fri 18 Dec 09:00 due_soon",  # 2 working days before, counting over the closed day
        "Mon 21 Dec 09:00 due_soon",
    ]


@pytest.mark.parametrize(
    ("item", "series", "slot"),
    [
        (DueItem(datetime(2026, 12, 21, 9, tzinfo=UTC), Kind.DUE_SOON, Role.CONTACT, "U1", 7,
                 date(2026, 12, 21)), "contact:7", "due_soon:contact:7:2026-12-21"),
        (DueItem(datetime(2026, 12, 21, 9, tzinfo=UTC), Kind.DIGEST, Role.CHANNEL, "C1", None,
                 date(2026, 12, 21)), "digest:channel", "digest:channel:0:2026-12-21"),
        (DueItem(datetime(2026, 12, 21, 9, tzinfo=UTC), Kind.ESCALATION, Role.ESCALATION, "U2",
                 7, date(2026, 12, 21)), "escalation:7", "escalation:escalation:7:2026-12-21"),
        (DueItem(datetime(2026, 12, 21, 9, 40, tzinfo=UTC), Kind.NUDGE, Role.CONTACT, "U1", 7,
                 date(2026, 12, 21)), "contact:7", "nudge:contact:7:2026-12-21T09"),
        (DueItem(datetime(2026, 12, 21, 9, tzinfo=UTC), Kind.PACK_CHAIR, Role.CHAIR, "U3", None,
                 date(2026, 12, 21)), "pack_chair", "pack_chair:chair:0:2026-12-21"),
    ],
)
def test_series_and_slots(item: DueItem, series: str, slot: str) -> None:
    assert (item.series, item.slot) == (series, slot)
