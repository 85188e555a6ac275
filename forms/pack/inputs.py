"""What the pack is built from: the review, its question-set snapshot and every nominated return.

The caller (the service layer) loads these from storage and passes them in; :func:`build_pack`
reads no clock and does no I/O: ``today`` and ``generated_at`` come from the caller's clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from forms.calendar import WorkingCalendar
from forms.model import QuestionSet
from forms.parsing import JSONValue
from forms.records import AgencyReturn, Review


@dataclass(frozen=True)
class ReturnInput:
    """One nominated agency's return and its stored answers (blank answers absent).

    ``reminders_sent`` counts reminders so far; ``amended_at`` is set when a submitted return
    was edited afterwards; ``entered_by`` names a coordinator who entered it on the agency's
    behalf, from a return the partnership received on ``received_on``.
    """

    ret: AgencyReturn
    answers: Mapping[str, JSONValue]
    reminders_sent: int = 0
    amended_at: datetime | None = None
    entered_by: str | None = None
    received_on: date | None = None


@dataclass(frozen=True)
class PackInput:
    """Everything a pack is built from.

    ``form`` is the review's own question-set snapshot. ``returns`` lists every nominated
    agency in the order the pack shows them. ``recipients`` and ``attendees`` are display
    names. ``changed_since`` holds ready-made notes ("Police: section B changed since pack v1").
    ``tz`` is the partnership's time zone: every time is shown in it. ``chair_name`` is the
    chair's display name (the review stores a Slack user id). ``draft`` marks the pack the owner
    gets before releasing it to the chair. ``retention_days`` feeds the handling note.
    """

    review: Review
    partnership: str
    form: QuestionSet
    returns: Sequence[ReturnInput]
    version: int
    generated_at: datetime
    today: date
    calendar: WorkingCalendar
    tz: ZoneInfo
    recipients: Sequence[str] = ()
    changed_since: Sequence[str] = ()
    case_summary: str | None = None
    attendees: Sequence[str] = ()
    chair_name: str | None = None
    draft: bool = False
    retention_days: int | None = None

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("generated_at must be a time-zone-aware datetime")
        if self.version < 1:
            raise ValueError(f"a pack version starts at 1, got {self.version}")
