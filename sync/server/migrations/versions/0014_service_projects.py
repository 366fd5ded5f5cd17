"""Service projects (慈善帮扶项目库): what organisations run, for which needs and areas,
when, and with what money.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_projects",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("organisation_id", AutoString(), nullable=False),
        sa.Column("need_areas", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("funding", AutoString(), nullable=False),
        sa.Column("budget_yuan", sa.BigInteger(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("brand", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_projects_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_projects_funding"), ["funding"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_projects_funding"))
        batch_op.drop_index(batch_op.f("ix_service_projects_organisation_id"))
    op.drop_table("service_projects")
