"""Photos: the photos and drawn signatures devices upload beside their records.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("mime", AutoString(), nullable=False),
        sa.Column("sha256", AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_record_id"))
        batch_op.drop_index(batch_op.f("ix_photos_area_code"))
    op.drop_table("photos")
