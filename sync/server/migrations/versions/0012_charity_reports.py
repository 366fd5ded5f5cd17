"""反向转介: what charity staff reported in the console (the person as they sent it, and the
household and referral it became).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charity_reports",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("organisation_id", AutoString(), nullable=False),
        sa.Column("submitted_by", AutoString(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("id_number", AutoString(), nullable=False),
        sa.Column("phone", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("need_areas", sa.JSON(), nullable=False),
        sa.Column("household_id", AutoString(), nullable=False),
        sa.Column("referral_id", AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_charity_reports_organisation_id", "charity_reports", ["organisation_id"], unique=False
    )
    op.create_index(
        "ix_charity_reports_household_id", "charity_reports", ["household_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_charity_reports_household_id", table_name="charity_reports")
    op.drop_index("ix_charity_reports_organisation_id", table_name="charity_reports")
    op.drop_table("charity_reports")
