"""The reminder policy (DESIGN §4), pure: given a review, its returns and the working calendar,
every item that will fall due — when, of which kind, for whom.

Nothing here reads the clock or talks to Slack or a database. ``plan`` computes a review's
whole timeline; ``bot.services.reminders`` stores it (pending items replaced whenever the facts
change) and the sweep sends what is due, each item exactly once.

Every item is timed at the opening of the reminder window (default 09:00) of a working day in
the partnership's time zone; the sweep holds it back further while it is outside the window in
the recipient's own Slack time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from forms.calendar import WorkingCalendar
from forms.partnership import EmailContact
from forms.partnership import Partnership as PartnershipFile
from forms.records import RECEIVED_STATES, ReturnState
from forms.reminder_items import (
    CONTACT_KINDS,
    PACK_KINDS,
    DueItem,
    Kind,
    Reminder,
    ReminderState,
    Role,
    Synced,
)
from forms.status import WAITING_STATES

RAPID_REVIEW_WORKING_DAYS = 15
"""The rapid review goes to the Panel within 15 working days of the notification."""
DEADLINE_WARNING_WORKING_DAYS = 3
PACK_TIME = time(9, 0)
DAILY_HORIZON_WORKING_DAYS = 20
"""A daily series (overdue, provisional, awaiting sign-off, the digest) is planned for at most
this many working days; after four weeks the coordinator is chasing by other means."""
__all__ = [
    "CONTACT_KINDS",
    "DAILY_HORIZON_WORKING_DAYS",
    "PACK_KINDS",
    "DueItem",
    "Kind",
    "Policy",
    "Reminder",
    "ReminderState",
    "ReturnFacts",
    "ReviewFacts",
    "Role",
    "Synced",
    "fifteenth_working_day",
    "meeting_day",
    "plan",
]


# One contact reminder a day: when two rules fall on the same day, the first one here wins.
_PRIORITY = (Kind.OVERDUE, Kind.DUE_TODAY, Kind.DUE_SOON, Kind.PROVISIONAL, Kind.SIGN_OFF)


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    """What the policy needs of one return. ``promised`` is the date a provisional return's
    contact said they would confirm by (A1b.date); ``awaiting_sign_off`` is K1 = No;
    ``reopened`` means Edit was pressed after the last submission and it was not sent again."""

    id: int
    agency_key: str
    contact: str | None
    state: ReturnState
    due: date
    submitted_on: date | None = None
    promised: date | None = None
    awaiting_sign_off: bool = False
    reopened: bool = False

    @property
    def waiting(self) -> bool:
        """Not received yet, or reopened and not submitted again: due-date reminders apply."""
        return self.state in WAITING_STATES or (self.reopened and self.state in RECEIVED_STATES)


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the policy needs of a review: its dates, people and returns."""

    id: int
    notified: date
    meeting_at: datetime
    owner: str
    chair: str
    open: bool
    locked: bool = False
    returns: tuple[ReturnFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    """The partnership's reminder settings (its file's ``reminders:``) and who hears of what:
    the coordinator channel, and each agency's escalation contact (a Slack user id, or
    ``email:ADDRESS`` to be looked up when it is sent)."""

    before_due: tuple[int, ...] = (2, 1)
    on_due_day: bool = True
    overdue_daily: bool = True
    window_start: time = time(9, 0)
    window_end: time = time(17, 30)
    coordinator_channel: str | None = None
    escalation: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, partnership: PartnershipFile) -> Policy:
        """The policy a partnership file sets."""
        r = partnership.reminders
        escalation = {
            a.id: _recipient(a.escalation_contact)
            for a in partnership.agencies
            if a.escalation_contact is not None
        }
        return cls(
            before_due=tuple(sorted(set(r.before_due_working_days), reverse=True)),
            on_due_day=r.on_due_day,
            overdue_daily=r.overdue_daily,
            window_start=time.fromisoformat(r.window_start),
            window_end=time.fromisoformat(r.window_end),
            coordinator_channel=partnership.coordinator_channel,
            escalation=escalation,
        )


def _recipient(contact: str | EmailContact) -> str:
    return f"email:{contact.email}" if isinstance(contact, EmailContact) else contact


def plan(review: ReviewFacts, policy: Policy, calendar: WorkingCalendar) -> list[DueItem]:
    """Every item of the review's timeline, in time order (past ones included: the caller
    keeps only what is still to come). A closed review has none; a locked one only its
    pack deliveries."""
    if not (review.open or review.locked):
        return []
    items = list(_packs(review, calendar))
    if review.open:
        items += _deadline(review, policy, calendar)
        for ret in review.returns:
            items += _contact(ret, policy, calendar)
            items += _escalation(ret, policy, calendar)
        items += _digests(review, policy, calendar)
    return sorted(items)


def _at(day: date, clock: time, calendar: WorkingCalendar) -> datetime:
    return datetime.combine(day, clock, tzinfo=calendar.zone).astimezone(UTC)


def _daily(start: date, calendar: WorkingCalendar) -> Iterator[date]:
    """``start`` (or the next working day) and the working days after it, up to the horizon."""
    day = calendar.add_working_days(start, 0)
    for _ in range(DAILY_HORIZON_WORKING_DAYS):
        yield day
        day = calendar.next_working_day(day)


def _contact(ret: ReturnFacts, policy: Policy, cal: WorkingCalendar) -> list[DueItem]:
    """The contact's reminders: at most one a day, the most pressing kind winning."""
    if ret.contact is None or ret.state is ReturnState.WITHDRAWN:
        return []
    days: dict[date, Kind] = {}

    def add(day: date, kind: Kind) -> None:
        held = days.get(day)
        if held is None or _PRIORITY.index(kind) < _PRIORITY.index(held):
            days[day] = kind

    if ret.waiting:
        for n in policy.before_due:
            add(cal.add_working_days(ret.due, -n), Kind.DUE_SOON)
        if policy.on_due_day and cal.is_working_day(ret.due):
            add(ret.due, Kind.DUE_TODAY)
        if policy.overdue_daily:
            for day in _daily(cal.next_working_day(ret.due), cal):
                add(day, Kind.OVERDUE)
    elif ret.state is ReturnState.PROVISIONAL:
        start = ret.promised or cal.next_working_day(ret.submitted_on or ret.due)
        for day in _daily(start, cal):
            add(day, Kind.PROVISIONAL)
    if ret.awaiting_sign_off and ret.state in RECEIVED_STATES and ret.submitted_on:
        for day in _daily(cal.next_working_day(ret.submitted_on), cal):
            add(day, Kind.SIGN_OFF)
    at = policy.window_start
    return [
        DueItem(_at(day, at, cal), kind, Role.CONTACT, ret.contact, ret.id, day)
        for day, kind in days.items()
    ]


def _escalation(ret: ReturnFacts, policy: Policy, cal: WorkingCalendar) -> list[DueItem]:
    """The escalation contact hears once, on the first working day the return is overdue."""
    to = policy.escalation.get(ret.agency_key)
    if to is None or not ret.waiting or ret.state in RECEIVED_STATES:
        return []
    day = cal.next_working_day(ret.due)
    at = _at(day, policy.window_start, cal)
    return [DueItem(at, Kind.ESCALATION, Role.ESCALATION, to, ret.id, day)]


def _coordinator(
    kind: Kind, review: ReviewFacts, day: date, policy: Policy, cal: WorkingCalendar
) -> list[DueItem]:
    """The coordinator is told: a DM to the owner, and the coordinator channel if set."""
    at = _at(day, policy.window_start, cal)
    items = [DueItem(at, kind, Role.OWNER, review.owner, None, day)]
    if policy.coordinator_channel:
        items.append(DueItem(at, kind, Role.CHANNEL, policy.coordinator_channel, None, day))
    return items


def _digests(review: ReviewFacts, policy: Policy, cal: WorkingCalendar) -> list[DueItem]:
    """One overdue digest per review per working day while any return is overdue."""
    late = [r for r in review.returns if r.waiting and r.state not in RECEIVED_STATES]
    days: set[date] = set()
    for ret in late:
        days.update(_daily(cal.next_working_day(ret.due), cal))
    return [
        item for day in sorted(days) for item in _coordinator(Kind.DIGEST, review, day, policy, cal)
    ]


def fifteenth_working_day(notified: date, calendar: WorkingCalendar) -> date:
    """The day the rapid review is due with the Panel."""
    return calendar.add_working_days(notified, RAPID_REVIEW_WORKING_DAYS)


def _deadline(review: ReviewFacts, policy: Policy, cal: WorkingCalendar) -> list[DueItem]:
    due = fifteenth_working_day(review.notified, cal)
    day = cal.add_working_days(due, -DEADLINE_WARNING_WORKING_DAYS)
    return _coordinator(Kind.DEADLINE, review, day, policy, cal)


def meeting_day(review: ReviewFacts, calendar: WorkingCalendar) -> date:
    """The meeting's date in the partnership's time zone."""
    return review.meeting_at.astimezone(calendar.zone).date()


def _packs(review: ReviewFacts, cal: WorkingCalendar) -> list[DueItem]:
    meeting = meeting_day(review, cal)
    draft = cal.add_working_days(meeting, -2)
    chair = cal.add_working_days(meeting, -1)
    owner, chair_ = review.owner, review.chair
    return [
        DueItem(_at(draft, PACK_TIME, cal), Kind.PACK_DRAFT, Role.OWNER, owner, None, draft),
        DueItem(_at(chair, PACK_TIME, cal), Kind.PACK_CHAIR, Role.CHAIR, chair_, None, chair),
    ]
