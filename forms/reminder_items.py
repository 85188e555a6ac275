"""The vocabulary of reminders, shared by the policy (``forms.reminders``), storage and the
bot: what kind of item, for whom, where it stands, and the records stored for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """What a due item is. The first six go to the return's contact."""

    DUE_SOON = "due_soon"  # n working days before the due date
    DUE_TODAY = "due_today"  # the morning of the due date
    OVERDUE = "overdue"  # each working-day morning while overdue
    PROVISIONAL = "provisional"  # on the date the contact promised, then daily
    SIGN_OFF = "sign_off"  # submitted with K1 = No: daily until signed off
    NUDGE = "nudge"  # /rrm remind: a coordinator's nudge, sent at once, never planned
    DIGEST = "digest"  # the coordinator's daily list of overdue agencies
    ESCALATION = "escalation"  # the overdue agency's escalation contact, once
    DEADLINE = "deadline"  # the 15th working day is 3 working days away
    PACK_DRAFT = "pack_draft"  # the draft pack to the owner, 2 working days before the meeting
    PACK_CHAIR = "pack_chair"  # the released pack to the chair, 09:00 the working day before


CONTACT_KINDS = frozenset(
    {Kind.DUE_SOON, Kind.DUE_TODAY, Kind.OVERDUE, Kind.PROVISIONAL, Kind.SIGN_OFF, Kind.NUDGE}
)
PACK_KINDS = frozenset({Kind.PACK_DRAFT, Kind.PACK_CHAIR})
class ReminderState(StrEnum):
    """Where a stored item stands (see ``storage.orm_reminders``)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Role(StrEnum):
    """Who an item goes to; the sweep sends to whoever holds the role when it is sent."""

    CONTACT = "contact"
    OWNER = "owner"
    CHANNEL = "channel"  # the partnership's coordinator channel
    ESCALATION = "escalation"
    CHAIR = "chair"


@dataclass(frozen=True, slots=True, order=True)
class DueItem:
    """One thing to send: at ``due_at`` (UTC), on working day ``day`` (partnership zone)."""

    due_at: datetime
    kind: Kind
    role: Role
    recipient: str
    return_id: int | None
    day: date

    @property
    def series(self) -> str:
        """Items of one series replace each other: after downtime only the latest goes."""
        if self.kind in CONTACT_KINDS:
            return f"contact:{self.return_id}"
        if self.return_id is not None:
            return f"{self.kind.value}:{self.return_id}"
        if self.kind in PACK_KINDS:
            return self.kind.value
        return f"{self.kind.value}:{self.role.value}"

    @property
    def slot(self) -> str:
        """The item's identity within its review: the same fact on the same day is one item,
        however often the review is re-planned. A nudge's slot is its hour (UTC): at most
        one nudge per return per hour, however many coordinators ask at once."""
        when = f"{self.due_at:%Y-%m-%dT%H}" if self.kind is Kind.NUDGE else self.day.isoformat()
        return f"{self.kind.value}:{self.role.value}:{self.return_id or 0}:{when}"


@dataclass(frozen=True, slots=True)
class Reminder:
    """A stored due item and where it stands."""

    id: int
    review_id: int
    return_id: int | None
    kind: Kind
    role: Role
    recipient: str
    series: str
    slot: str
    due_at: datetime
    send_after: datetime
    state: ReminderState
    attempts: int
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Synced:
    """What re-planning a review changed: items added, cancelled, restored or kept pending."""

    added: int = 0
    cancelled: int = 0
    restored: int = 0
    kept: int = 0
