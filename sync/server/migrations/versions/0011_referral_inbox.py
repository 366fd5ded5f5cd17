"""A charity's inbox: the recipient of a referral as a report column of `records` with its
own partial index (an organisation's referrals without parsing every record), and the log
of every disclosure to a charity's console user (`disclosures`).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "ix_records_referral_recipient"
WHERE = "type = 'referral'"


def _expression(dialect: str) -> str:
    field = (
        "(data)::json ->> 'recipient'"
        if dialect == "postgresql"
        else "json_extract(data, '$.recipient')"
    )
    return f"CASE WHEN (type = 'referral') THEN {field} ELSE NULL END"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    kind = "STORED" if dialect == "postgresql" else "VIRTUAL"
    op.execute(
        "ALTER TABLE records ADD COLUMN referral_recipient TEXT GENERATED ALWAYS AS "
        f"({_expression(dialect)}) {kind}"
    )
    op.create_index(
        INDEX,
        "records",
        ["referral_recipient", "seq"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("organisation_id", AutoString(), nullable=False),
        sa.Column("user_id", AutoString(), nullable=False),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("referral_id", AutoString(), nullable=False),
        sa.Column("household_id", AutoString(), nullable=False),
        sa.Column("person_id", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("purpose", AutoString(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "organisation_id", "referral_id", "household_id"):
        op.create_index(f"ix_disclosures_{column}", "disclosures", [column])


def downgrade() -> None:
    op.drop_table("disclosures")
    op.drop_index(INDEX, table_name="records")
    op.execute("ALTER TABLE records DROP COLUMN referral_recipient")
