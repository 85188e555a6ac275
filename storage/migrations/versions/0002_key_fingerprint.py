"""Encryption at rest: the key fingerprints table, and reviews.pseudonym widened to TEXT on
PostgreSQL (it now holds a Fernet token, longer than 200 characters for a long pseudonym;
SQLite does not enforce the length).

Values stored before this revision are plain; the first start with a key encrypts them
(``storage.crypto.verify_or_record``), since a migration has no key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``key_fingerprints``; make ``reviews.pseudonym`` TEXT (PostgreSQL)."""
    op.create_table(
        "key_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_fingerprints")),
    )
    _pseudonym_type(sa.String(length=200), sa.Text())


def downgrade() -> None:
    """Drop ``key_fingerprints``; ``reviews.pseudonym`` back to VARCHAR(200). Decrypt first
    (there is no tool for that): the tokens do not fit and are unreadable without the key."""
    _pseudonym_type(sa.Text(), sa.String(length=200))
    op.drop_table("key_fingerprints")


def _pseudonym_type(old: sa.types.TypeEngine[str], new: sa.types.TypeEngine[str]) -> None:
    # Only PostgreSQL enforces the length. SQLite ignores it, and could change the declared
    # type only by copying the table, which the foreign keys from returns and audit_log refuse
    # inside the migration's transaction; the model declares VARCHAR(200) there (storage.orm).
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "reviews", "pseudonym", existing_type=old, type_=new, existing_nullable=False
        )
