"""The ``reminders`` table: every item the reminder policy says will fall due, and where it
stands (created by migration 0004).

A row is written ``pending`` when a review is planned; the sweep claims it (``claimed``, with
``claimed_by`` and ``claimed_at``: a claim older than the lease is taken back), then marks it
``sent`` once Slack accepted it, or ``failed``. Re-planning ``cancelled`` pending rows that no
longer apply; after downtime the earlier of several missed rows of one series are
``superseded``. ``send_after`` is when it may go next: the planned ``due_at``, or later when
it was held back to the recipient's window or waits before another attempt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from forms.reminders import Kind, ReminderState, Role
from storage.orm import KEY, Base, UTCDateTime

RECIPIENT = 320  # a Slack id, or email:ADDRESS of an escalation contact
ERROR = 300


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


STATES = tuple(s.value for s in ReminderState)
_PENDING = text("state = 'pending'")
_CLAIMED = text("state = 'claimed'")
KINDS = tuple(k.value for k in Kind)
ROLES = tuple(r.value for r in Role)


class ReminderRow(Base):
    """One due item of a review (``return_id`` None for the review-wide ones)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("review_id", "slot"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("role", ROLES), name="role"),
        # Partial indexes: small (only what is waiting, or claimed now), and no index on state
        # alone that a planner with stale statistics might prefer to the primary key.
        Index(None, "send_after", postgresql_where=_PENDING, sqlite_where=_PENDING),
        Index(None, "claimed_at", postgresql_where=_CLAIMED, sqlite_where=_CLAIMED),
        Index(None, "review_id", "series", "due_at"),
        Index(None, "return_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(RECIPIENT))
    series: Mapped[str] = mapped_column(String(KEY))
    slot: Mapped[str] = mapped_column(String(2 * KEY))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(KEY))
    attempts: Mapped[int] = mapped_column(server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(ERROR))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


__all__ = ["ERROR", "KINDS", "RECIPIENT", "ROLES", "STATES", "ReminderRow"]
