"""The bureau's indicator values keep their evidence note (佐证说明), and every entry is kept
in a history (who, when, the value before and after).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "indicator_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("previous", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("entered_by", AutoString(), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_indicator_entries_year", "indicator_entries", ["year"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_indicator_entries_year", table_name="indicator_entries")
    op.drop_table("indicator_entries")
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_column("evidence")
