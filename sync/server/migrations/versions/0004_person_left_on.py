"""Reports: the day a member left the register (`left_on`, set by a newer roster) as a
report column of `records`, in the covering index of members with flags, so coverage reads
who still counts without opening each member's JSON.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_records_person_flags"
WHERE = "type = 'person' AND person_flags <> '[]'"


def _expression(dialect: str) -> str:
    field = (
        "(data)::json ->> 'left_on'"
        if dialect == "postgresql"
        else ("json_extract(data, '$.left_on')")
    )
    return f"CASE WHEN (type = 'person') THEN {field} ELSE NULL END"


def _index(include: list[str]) -> None:
    op.create_index(
        INDEX,
        "records",
        ["household_id"],
        postgresql_include=include,
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    kind = "STORED" if dialect == "postgresql" else "VIRTUAL"
    op.execute(
        "ALTER TABLE records ADD COLUMN person_left_on TEXT GENERATED ALWAYS AS "
        f"({_expression(dialect)}) {kind}"
    )
    op.drop_index(INDEX, table_name="records")
    _index(["person_flags", "person_left_on"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="records")
    _index(["person_flags"])
    op.execute("ALTER TABLE records DROP COLUMN person_left_on")
