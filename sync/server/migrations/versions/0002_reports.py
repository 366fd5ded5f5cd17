"""Reports: generated report columns on `records`, their covering indexes, bureau values.

The report columns copy the few JSON fields coverage reads out of `data` (stored columns
on PostgreSQL, added in one table rewrite; virtual columns on SQLite, computed on read),
so reports select narrow columns from covering indexes. `indicator_values` holds the
target-list values the bureau enters (民政局填报).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS: dict[str, tuple[str, str]] = {
    "visit_at": ("visit", "visited_at"),
    "visit_mode": ("visit", "mode"),
    "visit_outcome": ("visit", "outcome"),
    "visit_worker": ("visit", "worker_id"),
    "visit_team": ("visit", "team"),
    "visit_amends": ("visit", "amends_visit_id"),
    "household_categories": ("household", "categories"),
    "household_status": ("household", "register_status"),
    "household_registered_on": ("household", "registered_on"),
    "household_left_on": ("household", "left_on"),
    "person_flags": ("person", "flags"),
}

# name, key columns, PostgreSQL INCLUDE columns, partial-index condition
INDEXES: list[tuple[str, list[str], list[str], str]] = [
    (
        "ix_records_visit_day",
        ["visit_at"],
        [
            "household_id",
            "area_code",
            "visit_mode",
            "visit_outcome",
            "visit_worker",
            "visit_team",
            "visit_amends",
            "id",
        ],
        "type = 'visit'",
    ),
    (
        "ix_records_visit_household",
        ["household_id", "visit_at"],
        ["visit_mode", "visit_outcome", "id"],
        "type = 'visit'",
    ),
    ("ix_records_visit_amends", ["visit_amends"], [], "visit_amends IS NOT NULL"),
    (
        "ix_records_household_facts",
        ["area_code", "id"],
        [
            "household_categories",
            "household_status",
            "household_registered_on",
            "household_left_on",
        ],
        "type = 'household'",
    ),
    (
        "ix_records_person_flags",
        ["household_id"],
        ["person_flags"],
        "type = 'person' AND person_flags <> '[]'",
    ),
]


def _expression(dialect: str, record_type: str, key: str) -> str:
    field = (
        f"(data)::json ->> '{key}'"
        if dialect == "postgresql"
        else (f"json_extract(data, '$.{key}')")
    )
    return f"CASE WHEN (type = '{record_type}') THEN {field} ELSE NULL END"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE records "
            + ", ".join(
                f"ADD COLUMN {name} TEXT GENERATED ALWAYS AS "
                f"({_expression(dialect, record_type, key)}) STORED"
                for name, (record_type, key) in COLUMNS.items()
            )
        )
    else:
        for name, (record_type, key) in COLUMNS.items():
            op.execute(
                f"ALTER TABLE records ADD COLUMN {name} TEXT GENERATED ALWAYS AS "
                f"({_expression(dialect, record_type, key)}) VIRTUAL"
            )
    for name, keys, include, where in INDEXES:
        op.create_index(
            name,
            "records",
            keys,
            postgresql_include=include,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    op.create_table(
        "indicator_values",
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("entered_by", AutoString(), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", "year"),
    )


def downgrade() -> None:
    op.drop_table("indicator_values")
    for name, *_ in INDEXES:
        op.drop_index(name, table_name="records")
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE records DROP COLUMN {name}")
