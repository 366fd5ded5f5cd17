"""The board keeps each listed wish's state beside its listing (kept by the change feed),
so it filters and counts without parsing record JSON; filled from the records.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("board_wishes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", AutoString(), nullable=False, server_default="published")
        )
        batch_op.create_index("ix_board_wishes_state", ["state"], unique=False)
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT r.id, r.data FROM records r JOIN board_wishes b ON b.wish_id = r.id")
    ).all()
    for wish_id, data in rows:
        conn.execute(
            sa.text("UPDATE board_wishes SET state = :state WHERE wish_id = :id"),
            {"state": json.loads(data).get("state", ""), "id": wish_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("board_wishes", schema=None) as batch_op:
        batch_op.drop_index("ix_board_wishes_state")
        batch_op.drop_column("state")
