"""Rendered chunks of the pack's PDF, kept between pack versions: ``pack_chunks`` (per review, a
chunk's key — the sha256 of its HTML document and renderer — and its blob, a Fernet token; when
it was made and last used). A cache: deleted with the review's answers by the purge, and by a
key rotation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create pack_chunks."""
    op.create_table(
        "pack_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_pack_chunks_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_chunks")),
        sa.UniqueConstraint("review_id", "key", name=op.f("uq_pack_chunks_review_id_key")),
    )


def downgrade() -> None:
    """Drop pack_chunks."""
    op.drop_table("pack_chunks")
