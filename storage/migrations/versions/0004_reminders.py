"""Reminders: the ``reminders`` table, every item the reminder policy says will fall due and
where it stands (pending, claimed, sent, superseded, failed, cancelled).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

KEY = 64
STATES = "'pending', 'claimed', 'sent', 'superseded', 'failed', 'cancelled'"
KINDS = (
    "'due_soon', 'due_today', 'overdue', 'provisional', 'sign_off', 'nudge', 'digest', "
    "'escalation', 'deadline', 'pack_draft', 'pack_chair'"
)
ROLES = "'contact', 'owner', 'channel', 'escalation', 'chair'"


def upgrade() -> None:
    """Create ``reminders`` with its indexes: pending items by time and claimed ones by claim
    time (partial indexes), a review's series, a return's items."""
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("series", sa.String(length=KEY), nullable=False),
        sa.Column("slot", sa.String(length=2 * KEY), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=KEY), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_reminders_state")),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_reminders_kind")),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_reminders_role")),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_reminders_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
            name=op.f("fk_reminders_return_id_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("review_id", "slot", name=op.f("uq_reminders_review_id_slot")),
    )
    for column, state in (("send_after", "pending"), ("claimed_at", "claimed")):
        where = sa.text(f"state = '{state}'")
        op.create_index(
            op.f(f"ix_reminders_{column}"),
            "reminders",
            [column],
            postgresql_where=where,
            sqlite_where=where,
        )
    op.create_index(
        op.f("ix_reminders_review_id_series_due_at"),
        "reminders",
        ["review_id", "series", "due_at"],
    )
    op.create_index(op.f("ix_reminders_return_id"), "reminders", ["return_id"])


def downgrade() -> None:
    """Drop ``reminders`` (pending reminders are lost: re-planned at the next change)."""
    op.drop_index(op.f("ix_reminders_return_id"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_review_id_series_due_at"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_claimed_at"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_send_after"), table_name="reminders")
    op.drop_table("reminders")
