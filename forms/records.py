"""Domain records returned by the storage repositories: plain frozen dataclasses, no ORM.

Answers travel as ``dict[str, JSONValue]`` (question id -> value), the JSON contract shared with
the form engine: yes_no/single -> str, multi -> list[str], text -> str, date -> ISO str,
number -> int | float, repeat -> a list of rows ``{"row_id": str, "values": {field_id: value}}``
in stable order. A blank answer is an absent key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeAlias

from forms.parsing import JSONValue as JSONValue

Answers: TypeAlias = dict[str, JSONValue]


class ReviewStatus(StrEnum):
    """Stored status of a review."""

    OPEN = "open"
    LOCKED = "locked"
    CLOSED = "closed"


class ReturnState(StrEnum):
    """Stored state of an agency return (DESIGN §3); overdue and the like are derived."""

    INVITED = "invited"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    NIL = "nil"
    PROVISIONAL = "provisional"
    WITHDRAWN = "withdrawn"


RECEIVED_STATES = frozenset({ReturnState.SUBMITTED, ReturnState.NIL, ReturnState.PROVISIONAL})


class ReviewOutcome(StrEnum):
    """What the rapid review decided, recorded when it is closed (DESIGN §5 retention)."""

    LOCAL_REVIEW = "local_review"
    OTHER_LEARNING = "other_learning"
    NONE = "none"


class PackRelease(StrEnum):
    """Whether the owner let the meeting pack go to the chair (DESIGN §3 "The pack")."""

    PENDING = "pending"
    RELEASED = "released"
    HELD = "held"


class PackKind(StrEnum):
    """Why a pack was compiled: the owner's draft, released to the chair, asked for with
    ``/rrm pack`` (or ``rrm pack``), or sent to people a coordinator named."""

    DRAFT = "draft"
    RELEASED = "released"
    REQUESTED = "requested"
    NAMED = "named"


@dataclass(frozen=True, slots=True)
class Partnership:
    """A safeguarding partnership, one per Slack team."""

    id: int
    team_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Agency:
    """An agency of a partnership; ``key`` is its id in the partnership file (e.g. "police")."""

    id: int
    partnership_id: int
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class NewReview:
    """What is needed to open a review (the form snapshot included)."""

    team_id: str
    reference: str
    pseudonym: str
    under_1: bool
    incident_date: date | None
    notification_date: date
    meeting_at: datetime
    due_date: date
    period_from: date
    period_to: date
    incident_description: str | None
    owner: str
    chair: str
    channel_id: str
    form_content: str
    form_sha256: str


@dataclass(frozen=True, slots=True)
class Review:
    """A rapid review as stored."""

    id: int
    partnership_id: int
    team_id: str
    reference: str
    pseudonym: str
    under_1: bool
    incident_date: date | None
    notification_date: date
    meeting_at: datetime
    due_date: date
    period_from: date
    period_to: date
    incident_description: str | None
    owner: str
    chair: str
    channel_id: str
    status_ts: str | None
    status: ReviewStatus
    created_at: datetime
    closed_at: datetime | None
    form_content: str
    form_sha256: str
    case_summary: str | None = None
    attendees: tuple[str, ...] = ()
    pack_release: PackRelease = PackRelease.PENDING
    outcome: ReviewOutcome | None = None
    panel_sent_date: date | None = None
    hold_reason: str | None = None
    purged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewReturn:
    """A return to create for a review: which agency, who answers it, by when."""

    agency_key: str
    contact_user_id: str | None
    due_date: date


@dataclass(frozen=True, slots=True)
class AgencyReturn:
    """One agency's return for one review (answers are loaded separately)."""

    id: int
    review_id: int
    agency_id: int
    agency_key: str
    agency_name: str
    contact_user_id: str | None
    state: ReturnState
    due_date: date
    submitted_at: datetime | None
    dm_channel: str | None
    dm_ts: str | None
    created_at: datetime
    updated_at: datetime
    amended_at: datetime | None = None  # the last change after it was submitted
    entered_by: str | None = None  # the coordinator entering it on the agency's behalf
    received_on: date | None = None  # when the partnership received it (secure email)
    unreachable: str | None = None  # why its contact cannot be reached in Slack
    extension_reason: str | None = None  # why its due date was extended

    @property
    def on_behalf(self) -> bool:
        """Whether a coordinator is entering (or entered) this return for the agency."""
        return self.entered_by is not None


@dataclass(frozen=True, slots=True)
class Delegation:
    """A return passed on by one contact to another, with the reason they gave."""

    id: int
    return_id: int
    from_user: str
    to_user: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Absence:
    """A person away until ``until`` (inclusive), with an optional deputy."""

    team_id: str
    user_id: str
    until: date
    deputy: str | None
    created_at: datetime

    def active_on(self, day: date) -> bool:
        """Whether the person is still away on ``day``."""
        return day <= self.until


@dataclass(frozen=True, slots=True)
class SectionSaveResult:
    """Outcome of saving a page: the section's revision now, and whether anything changed.

    ``changed`` is False for a retry or double click whose values were already stored.
    """

    return_id: int
    section_id: str
    revision: int
    changed: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only audit row. ``details`` holds identifiers and counts, never answer text."""

    id: int
    team_id: str
    review_id: int | None
    return_id: int | None
    actor: str
    action: str
    details: dict[str, JSONValue]
    at: datetime


@dataclass(frozen=True, slots=True)
class NewPack:
    """A compiled pack to record: its version (1, 2, … per review), who it went to (Slack user
    ids) and the sha256 of what was rendered. Never any of its content."""

    review_id: int
    version: int
    kind: PackKind
    created_at: datetime
    created_by: str
    recipients: tuple[str, ...]
    html_sha256: str
    pdf_sha256: str | None


@dataclass(frozen=True, slots=True)
class PackRecord:
    """A pack as recorded: ``file_ids`` are the Slack files it was uploaded as (so that a purge
    or a newer version can delete them); ``pdf_sha256`` is None when no PDF was rendered."""

    id: int
    review_id: int
    version: int
    kind: PackKind
    created_at: datetime
    created_by: str
    recipients: tuple[str, ...]
    html_sha256: str
    pdf_sha256: str | None
    file_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PurgedData:
    """What a retention purge removed from one review: how many answer rows, which free-text
    fields were cleared, and the Slack file ids still to be deleted (kept for the next run)."""

    review_id: int
    answers: int
    fields: tuple[str, ...]
    files_left: tuple[str, ...]
