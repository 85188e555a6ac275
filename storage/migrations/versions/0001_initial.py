"""Initial schema: partnerships, agencies, reviews, returns, answers, section revisions,
audit log, processed requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

SLACK_ID = 32
KEY = 64
REVIEW_STATUSES = "'open', 'locked', 'closed'"
RETURN_STATES = "'invited', 'in_progress', 'submitted', 'nil', 'provisional', 'withdrawn'"


def _utc(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        _str("team_id", SLACK_ID),
        _str("name", 200),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("team_id", name=op.f("uq_partnerships_team_id")),
    )
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        _str("key", KEY),
        _str("name", 200),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_agencies_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("partnership_id", "key", name=op.f("uq_agencies_partnership_id_key")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        _str("reference", KEY),
        _str("pseudonym", 200),
        sa.Column("under_1", sa.Boolean(), nullable=False),
        sa.Column("incident_date", sa.Date(), nullable=True),
        sa.Column("notification_date", sa.Date(), nullable=False),
        _utc("meeting_at"),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("incident_description", sa.Text(), nullable=True),
        _str("owner", SLACK_ID),
        _str("chair", SLACK_ID),
        _str("channel_id", SLACK_ID),
        _str("status_ts", SLACK_ID, nullable=True),
        _str("status", 16),
        _utc("created_at"),
        _utc("closed_at", nullable=True),
        sa.Column("form_content", sa.Text(), nullable=False),
        _str("form_sha256", 64),
        sa.CheckConstraint(f"status IN ({REVIEW_STATUSES})", name=op.f("ck_reviews_status")),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_reviews_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint(
            "partnership_id", "reference", name=op.f("uq_reviews_partnership_id_reference")
        ),
    )
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        _str("contact_user_id", SLACK_ID, nullable=True),
        _str("state", 16),
        sa.Column("due_date", sa.Date(), nullable=False),
        _utc("submitted_at", nullable=True),
        _str("dm_channel", SLACK_ID, nullable=True),
        _str("dm_ts", SLACK_ID, nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        sa.CheckConstraint(f"state IN ({RETURN_STATES})", name=op.f("ck_returns_state")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_returns_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_returns_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("review_id", "agency_id", name=op.f("uq_returns_review_id_agency_id")),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        _str("question_id", KEY),
        sa.Column("row_id", sa.String(length=KEY), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _str("updated_by", SLACK_ID),
        _utc("updated_at"),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
            name=op.f("fk_answers_return_id_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint(
            "return_id",
            "question_id",
            "row_id",
            name=op.f("uq_answers_return_id_question_id_row_id"),
        ),
    )
    op.create_table(
        "section_revisions",
        sa.Column("return_id", sa.Integer(), nullable=False),
        _str("section_id", KEY),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        _str("updated_by", SLACK_ID, nullable=True),
        _utc("updated_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
            name=op.f("fk_section_revisions_return_id_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("return_id", "section_id", name=op.f("pk_section_revisions")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _str("team_id", SLACK_ID),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("return_id", sa.Integer(), nullable=True),
        _str("actor", KEY),
        _str("action", KEY),
        sa.Column("details", sa.Text(), nullable=False),
        _utc("at"),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_audit_log_return_id_returns")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_audit_log_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_review_id"), "audit_log", ["review_id"])
    op.create_table(
        "processed_requests",
        _str("key", 255),
        _utc("created_at"),
        sa.Column("response", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_requests")),
    )
    op.create_index(op.f("ix_processed_requests_created_at"), "processed_requests", ["created_at"])


def downgrade() -> None:
    """Drop every table."""
    op.drop_index(op.f("ix_processed_requests_created_at"), table_name="processed_requests")
    op.drop_table("processed_requests")
    op.drop_index(op.f("ix_audit_log_review_id"), table_name="audit_log")
    for table in ("audit_log", "section_revisions", "answers", "returns", "reviews", "agencies"):
        op.drop_table(table)
    op.drop_table("partnerships")
