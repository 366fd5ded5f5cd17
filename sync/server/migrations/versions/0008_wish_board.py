"""The public wish board: published listings, donors' claims, claim attempts.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_wishes",
        sa.Column("wish_id", AutoString(), nullable=False),
        sa.Column("township_code", AutoString(), nullable=False),
        sa.Column("need_area", AutoString(), nullable=False),
        sa.Column("value_yuan", sa.Integer(), nullable=False),
        sa.Column("title", AutoString(), nullable=False),
        sa.Column("story", AutoString(), nullable=False),
        sa.Column("published_by", AutoString(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("wish_id"),
    )
    op.create_index("ix_board_wishes_township_code", "board_wishes", ["township_code"])
    op.create_index("ix_board_wishes_need_area", "board_wishes", ["need_area"])
    op.create_index("ix_board_wishes_published_at", "board_wishes", ["published_at"])
    op.create_table(
        "wish_claims",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("wish_id", AutoString(), nullable=False),
        sa.Column("holding", AutoString(), nullable=True),
        sa.Column("code_hash", AutoString(), nullable=False),
        sa.Column("donor_name", AutoString(), nullable=False),
        sa.Column("donor_phone", AutoString(), nullable=False),
        sa.Column("delivery", AutoString(), nullable=False),
        sa.Column("organisation_id", AutoString(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holding"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_wish_claims_wish_id", "wish_claims", ["wish_id"])
    op.create_index("ix_wish_claims_donor_phone", "wish_claims", ["donor_phone"])
    op.create_table(
        "board_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_board_attempts_key", "board_attempts", ["key"])
    op.create_index("ix_board_attempts_at", "board_attempts", ["at"])


def downgrade() -> None:
    op.drop_table("board_attempts")
    op.drop_table("wish_claims")
    op.drop_table("board_wishes")
