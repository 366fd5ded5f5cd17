"""The bureau's annotations (批注) of computed indicators, every one kept (who, when, what).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "indicator_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("written_by", AutoString(), nullable=False),
        sa.Column("writer", AutoString(), nullable=False),
        sa.Column("written_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_indicator_notes_year", "indicator_notes", ["year"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_indicator_notes_year", table_name="indicator_notes")
    op.drop_table("indicator_notes")
