"""Reports: what derives a member's flags (birth date, living alone: 高龄独居) and a major
event's days (重大变故响应率, the warnings) as report columns of `records`, in a covering
index of the members whose facts can matter (a flag, living alone, or an event's date);
and the days a household entered the monitored categories that expire (近3年退出救助,
2年内申请未通过, 1年内临时救助), in the covering index of households.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = {
    "person_birth_date": ("person", "birth_date"),
    "person_lives_alone": ("person", "lives_alone"),
    "person_event_date": ("person", "major_event_date"),
    "person_event_recorded_on": ("person", "major_event_recorded_on"),
    "household_exited_on": ("household", "exited_on"),
    "household_rejected_on": ("household", "rejected_on"),
    "household_temporary_aid_on": ("household", "temporary_aid_on"),
}
PERSON_COLUMNS = [name for name, (kind, _) in COLUMNS.items() if kind == "person"]
HOUSEHOLD_INDEX = "ix_records_household_facts"
HOUSEHOLD_INCLUDE = [
    "household_categories",
    "household_status",
    "household_registered_on",
    "household_left_on",
]
OLD_INDEX = "ix_records_person_flags"
OLD_WHERE = "type = 'person' AND person_flags <> '[]'"
INDEX = "ix_records_person_facts"
WHERE = (
    "type = 'person' AND (person_flags <> '[]' OR person_lives_alone IN ('true', '1') "
    "OR person_event_date IS NOT NULL)"
)


def _expression(dialect: str, record_type: str, key: str) -> str:
    field = (
        f"(data)::json ->> '{key}'" if dialect == "postgresql" else f"json_extract(data, '$.{key}')"
    )
    return f"CASE WHEN (type = '{record_type}') THEN {field} ELSE NULL END"


def _household_index(include: list[str]) -> None:
    op.create_index(
        HOUSEHOLD_INDEX,
        "records",
        ["area_code", "id"],
        postgresql_include=include,
        postgresql_where=sa.text("type = 'household'"),
        sqlite_where=sa.text("type = 'household'"),
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    kind = "STORED" if dialect == "postgresql" else "VIRTUAL"
    for name, (record_type, key) in COLUMNS.items():
        op.execute(
            f"ALTER TABLE records ADD COLUMN {name} TEXT GENERATED ALWAYS AS "
            f"({_expression(dialect, record_type, key)}) {kind}"
        )
    op.drop_index(HOUSEHOLD_INDEX, table_name="records")
    _household_index([*HOUSEHOLD_INCLUDE, *(n for n in COLUMNS if n not in PERSON_COLUMNS)])
    op.drop_index(OLD_INDEX, table_name="records")
    op.create_index(
        INDEX,
        "records",
        ["household_id"],
        postgresql_include=["person_flags", "person_left_on", *PERSON_COLUMNS, "id"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(HOUSEHOLD_INDEX, table_name="records")
    _household_index(HOUSEHOLD_INCLUDE)
    op.drop_index(INDEX, table_name="records")
    op.create_index(
        OLD_INDEX,
        "records",
        ["household_id"],
        postgresql_include=["person_flags", "person_left_on"],
        postgresql_where=sa.text(OLD_WHERE),
        sqlite_where=sa.text(OLD_WHERE),
    )
    for name in COLUMNS:
        op.execute(f"ALTER TABLE records DROP COLUMN {name}")
