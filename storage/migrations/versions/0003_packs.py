"""Meeting packs: the ``packs`` table (version, recipients, sha256 and Slack file ids of every
compiled pack — never its content), and on ``reviews`` the coordinator's case summary and the
attendees (both Fernet tokens) and whether the pack was released to the chair.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

KEY = 64
PACK_KINDS = "'draft', 'released', 'requested', 'named'"
PACK_RELEASE = "pack_release IN ('pending', 'released', 'held')"


def upgrade() -> None:
    """Create ``packs``; add ``case_summary``, ``attendees`` and ``pack_release`` to reviews."""
    op.create_table(
        "packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=KEY), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_ids", sa.Text(), server_default="[]", nullable=False),
        sa.CheckConstraint(f"kind IN ({PACK_KINDS})", name=op.f("ck_packs_kind")),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_packs_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packs")),
        sa.UniqueConstraint("review_id", "version", name=op.f("uq_packs_review_id_version")),
    )
    op.add_column("reviews", sa.Column("case_summary", sa.Text(), nullable=True))
    op.add_column("reviews", sa.Column("attendees", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a table constraint only by copying the table, which the foreign keys
        # into reviews refuse inside the migration's transaction (see 0002); a column's own
        # CHECK comes with ADD COLUMN, and lets DROP COLUMN work again on downgrade.
        op.execute(
            "ALTER TABLE reviews ADD COLUMN pack_release VARCHAR(16) DEFAULT 'pending' NOT NULL "
            f"CONSTRAINT ck_reviews_pack_release CHECK ({PACK_RELEASE})"
        )
    else:
        op.add_column(
            "reviews",
            sa.Column(
                "pack_release", sa.String(length=16), server_default="pending", nullable=False
            ),
        )
        op.create_check_constraint(op.f("ck_reviews_pack_release"), "reviews", PACK_RELEASE)


def downgrade() -> None:
    """Drop the review columns and ``packs`` (the Slack copies are not deleted: purge first)."""
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_reviews_pack_release"), "reviews", type_="check")
    for column in ("pack_release", "attendees", "case_summary"):
        op.drop_column("reviews", column)
    op.drop_table("packs")
