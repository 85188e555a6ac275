"""Everyday changes to a review (issues 8 and 9): on ``returns`` when a submitted return was last
amended, who entered it on the agency's behalf and when the partnership received it, why its
contact cannot be reached in Slack, and the reason its due date was extended (a Fernet token);
``delegations`` (each "Not me — pass it on", its reason a Fernet token) and ``absences`` (a
contact away until a date, with an optional deputy).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

SLACK_ID = 32


def upgrade() -> None:
    """Add the columns to returns and create delegations and absences."""
    op.add_column("returns", sa.Column("amended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("returns", sa.Column("entered_by", sa.String(SLACK_ID), nullable=True))
    op.add_column("returns", sa.Column("received_on", sa.Date(), nullable=True))
    op.add_column("returns", sa.Column("unreachable", sa.String(200), nullable=True))
    op.add_column("returns", sa.Column("extension_reason", sa.Text(), nullable=True))
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("from_user", sa.String(SLACK_ID), nullable=False),
        sa.Column("to_user", sa.String(SLACK_ID), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["returns.id"],
            name=op.f("fk_delegations_return_id_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    op.create_index(op.f("ix_delegations_return_id"), "delegations", ["return_id"])
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("user_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("deputy", sa.String(SLACK_ID), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_absences_team_id_user_id")),
    )


def downgrade() -> None:
    """Drop absences and delegations and the new returns columns."""
    op.drop_table("absences")
    op.drop_index(op.f("ix_delegations_return_id"), table_name="delegations")
    op.drop_table("delegations")
    for column in ("extension_reason", "unreachable", "received_on", "entered_by", "amended_at"):
        op.drop_column("returns", column)
