"""The service project a need is matched to (匹配项目) as a report column of `records`, with
its own partial index: an organisation's console lists the needs matched to its project
without parsing every need of the project's areas.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEX = "ix_records_need_project"
WHERE = "type = 'need'"


def _expression(dialect: str) -> str:
    field = (
        "(data)::json ->> 'project_id'"
        if dialect == "postgresql"
        else "json_extract(data, '$.project_id')"
    )
    return f"CASE WHEN (type = 'need') THEN {field} ELSE NULL END"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    kind = "STORED" if dialect == "postgresql" else "VIRTUAL"
    op.execute(
        "ALTER TABLE records ADD COLUMN need_project TEXT GENERATED ALWAYS AS "
        f"({_expression(dialect)}) {kind}"
    )
    op.create_index(
        INDEX,
        "records",
        ["need_project", "seq"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="records")
    op.execute("ALTER TABLE records DROP COLUMN need_project")
