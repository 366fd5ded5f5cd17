"""Push log: the digest of each logged mutation, so that a sequence number sent again
with other content (a device restored from a backup, or its data dir copied) is told
apart from a retry. Rows logged before keep NULL and compare by mutation id.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mutations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mutations", schema=None) as batch_op:
        batch_op.drop_column("digest")
