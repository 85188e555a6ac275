"""SQLAlchemy 2 typed models. The schema itself is created by the Alembic migrations.

Datetimes are timezone-aware UTC on both databases (``UTCDateTime``); JSON columns are TEXT.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from forms.records import PackKind, PackRelease, ReturnState, ReviewOutcome, ReviewStatus

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SLACK_ID = 32
KEY = 64


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PartnershipRow(Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class AgencyRow(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    key: Mapped[str] = mapped_column(String(KEY))
    name: Mapped[str] = mapped_column(String(200))


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("partnership_id", "reference"),
        CheckConstraint(_in("status", ReviewStatus), name="status"),
        CheckConstraint(_in("pack_release", PackRelease), name="pack_release"),
        CheckConstraint(_in("outcome", ReviewOutcome), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    reference: Mapped[str] = mapped_column(String(KEY))
    # A Fernet token (storage.crypto). SQLite keeps VARCHAR(200) from migration 0001: it does
    # not enforce lengths, and cannot retype a referenced column in a migration (see 0002).
    pseudonym: Mapped[str] = mapped_column(Text().with_variant(String(200), "sqlite"))
    under_1: Mapped[bool]
    incident_date: Mapped[date | None]
    notification_date: Mapped[date]
    meeting_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_date: Mapped[date]
    period_from: Mapped[date]
    period_to: Mapped[date]
    incident_description: Mapped[str | None] = mapped_column(Text)  # a Fernet token
    owner: Mapped[str] = mapped_column(String(SLACK_ID))
    chair: Mapped[str] = mapped_column(String(SLACK_ID))
    channel_id: Mapped[str] = mapped_column(String(SLACK_ID))
    status_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    form_content: Mapped[str] = mapped_column(Text)
    form_sha256: Mapped[str] = mapped_column(String(64))
    case_summary: Mapped[str | None] = mapped_column(Text)  # a Fernet token
    attendees: Mapped[str | None] = mapped_column(Text)  # a Fernet token of one name per line
    pack_release: Mapped[str] = mapped_column(String(16), server_default=PackRelease.PENDING.value)
    # Retention (migration 0005): set when the review is closed, put on hold, and purged.
    outcome: Mapped[str | None] = mapped_column(String(16))
    panel_sent_date: Mapped[date | None]
    hold_reason: Mapped[str | None] = mapped_column(Text)  # a Fernet token
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partnership: Mapped[PartnershipRow] = relationship(lazy="joined", innerjoin=True)


class ReturnRow(Base):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("review_id", "agency_id"),
        CheckConstraint(_in("state", ReturnState), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    contact_user_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    state: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dm_channel: Mapped[str | None] = mapped_column(String(SLACK_ID))
    dm_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Migration 0006: amended after submission, entered on behalf, unreachable contact, and
    # the reason of an extended due date (a Fernet token).
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entered_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    received_on: Mapped[date | None]
    unreachable: Mapped[str | None] = mapped_column(String(200))
    extension_reason: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[AgencyRow] = relationship(lazy="joined", innerjoin=True)


class DelegationRow(Base):
    """A return passed from one contact to another ("Not me — pass it on"); the reason is a
    Fernet token."""

    __tablename__ = "delegations"
    __table_args__ = (Index(None, "return_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    from_user: Mapped[str] = mapped_column(String(SLACK_ID))
    to_user: Mapped[str] = mapped_column(String(SLACK_ID))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AbsenceRow(Base):
    """A person away until a date (inclusive), with an optional deputy; one per person."""

    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str] = mapped_column(String(SLACK_ID))
    until: Mapped[date]
    deputy: Mapped[str | None] = mapped_column(String(SLACK_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnswerRow(Base):
    """One answer; a repeat question has one row per repeat row (``row_id`` '' otherwise)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("return_id", "question_id", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(KEY))
    row_id: Mapped[str] = mapped_column(String(KEY), server_default="")
    position: Mapped[int] = mapped_column(server_default="0")
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(SLACK_ID))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SectionRevisionRow(Base):
    __tablename__ = "section_revisions"

    return_id: Mapped[int] = mapped_column(
        ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True
    )
    section_id: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    revision: Mapped[int] = mapped_column(server_default="0")
    updated_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """Append-only: the application inserts audit rows and never updates or deletes them."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "review_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    actor: Mapped[str] = mapped_column(String(KEY))
    action: Mapped[str] = mapped_column(String(KEY))
    details: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PackRow(Base):
    """A compiled meeting pack: version, recipients, sha256 and Slack file ids — the bot keeps
    none of its content. ``recipients`` and ``file_ids`` are JSON lists."""

    __tablename__ = "packs"
    __table_args__ = (
        UniqueConstraint("review_id", "version"),
        CheckConstraint(_in("kind", PackKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(KEY))
    recipients: Mapped[str] = mapped_column(Text)
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    file_ids: Mapped[str] = mapped_column(Text, server_default="[]")


class PackChunkRow(Base):
    """A rendered chunk of a review's pack PDF, kept to be merged again (``forms.pack.pdf_cache``):
    its key (the sha256 of its HTML document and renderer) and its blob, a Fernet token. A cache:
    pruned to what the review's latest pack used, deleted by the purge and by a key rotation."""

    __tablename__ = "pack_chunks"
    __table_args__ = (UniqueConstraint("review_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    blob: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedRequestRow(Base):
    __tablename__ = "processed_requests"
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response: Mapped[str | None] = mapped_column(Text)


class KeyFingerprintRow(Base):
    """A Fernet token of a known constant, one per key that has encrypted data here: every
    configured key set must decrypt all of them (``storage.crypto.verify_or_record``)."""

    __tablename__ = "key_fingerprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


metadata = Base.metadata
