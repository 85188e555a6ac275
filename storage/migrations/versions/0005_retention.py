"""Retention: on ``reviews`` the outcome recorded at close, the date the rapid review was sent to
the Panel, the reason of a hold (a Fernet token) and when the review was purged; and triggers that
make ``audit_log`` append-only in the database itself (an UPDATE or DELETE of an audit row fails
on SQLite and PostgreSQL alike, whatever code issues it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

OUTCOME = "outcome IN ('local_review', 'other_learning', 'none')"
REFUSAL = "audit_log is append-only: its rows are never updated or deleted"
_SQLITE_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")


def upgrade() -> None:
    """Add the retention columns to reviews and the append-only triggers on audit_log."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # As in 0003: a table constraint would need a table copy that the foreign keys into
        # reviews refuse; a column's own CHECK comes with ADD COLUMN.
        op.execute(
            "ALTER TABLE reviews ADD COLUMN outcome VARCHAR(16) "
            f"CONSTRAINT ck_reviews_outcome CHECK ({OUTCOME})"
        )
    else:
        op.add_column("reviews", sa.Column("outcome", sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f("ck_reviews_outcome"), "reviews", OUTCOME)
    op.add_column("reviews", sa.Column("panel_sent_date", sa.Date(), nullable=True))
    op.add_column("reviews", sa.Column("hold_reason", sa.Text(), nullable=True))
    op.add_column("reviews", sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    if sqlite:
        for name, event in zip(_SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    """Drop the triggers and the retention columns."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        op.drop_constraint(op.f("ck_reviews_outcome"), "reviews", type_="check")
    for column in ("purged_at", "hold_reason", "panel_sent_date", "outcome"):
        op.drop_column("reviews", column)
