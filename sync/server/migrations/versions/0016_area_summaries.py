"""Area summaries: a report's figures per area, period and day, kept while the area's
change-feed head is unchanged (the console's coverage drill-down, warnings, indicators);
and the persons' and visits' report columns indexed by area, for reports over few areas.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_summaries",
        sa.Column("report", AutoString(), nullable=False),
        sa.Column("period", AutoString(), nullable=False),
        sa.Column("as_of", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("head", sa.BigInteger(), nullable=False),
        sa.Column("version", AutoString(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("report", "period", "as_of", "area_code"),
    )
    op.create_index(
        "ix_records_person_area",
        "records",
        ["area_code", "household_id"],
        postgresql_include=[
            "person_flags",
            "person_left_on",
            "person_birth_date",
            "person_lives_alone",
            "person_event_date",
            "person_event_recorded_on",
            "id",
        ],
        postgresql_where=sa.text("type = 'person'"),
        sqlite_where=sa.text("type = 'person'"),
    )
    op.create_index(
        "ix_records_visit_area",
        "records",
        ["area_code", "visit_at"],
        postgresql_include=[
            "household_id",
            "visit_mode",
            "visit_outcome",
            "visit_worker",
            "visit_team",
            "visit_amends",
            "id",
        ],
        postgresql_where=sa.text("type = 'visit'"),
        sqlite_where=sa.text("type = 'visit'"),
    )


def downgrade() -> None:
    op.drop_index("ix_records_visit_area", table_name="records")
    op.drop_index("ix_records_person_area", table_name="records")
    op.drop_table("area_summaries")
