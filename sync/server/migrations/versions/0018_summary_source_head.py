"""Area summaries remember the head of the record types their report reads, so a change
of another type (a wish released) only restamps them instead of computing them again.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("area_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_head", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("area_summaries", schema=None) as batch_op:
        batch_op.drop_column("source_head")
