"""Initial schema: workers, devices, enrolment codes, records and their feed, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", AutoString(), nullable=False),
        sa.Column("device_id", AutoString(), nullable=False),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("record_type", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("field", AutoString(), nullable=False),
        sa.Column("kept", sa.Text(), nullable=False),
        sa.Column("lost", sa.Text(), nullable=False),
        sa.Column("kept_hlc", AutoString(), nullable=False),
        sa.Column("lost_hlc", AutoString(), nullable=False),
        sa.Column("kept_device", AutoString(), nullable=False),
        sa.Column("lost_device", AutoString(), nullable=False),
        sa.Column("state", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_by", AutoString(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflicts_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_state"), ["state"], unique=False)

    op.create_table(
        "counters",
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "moves",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("record_type", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(), nullable=False),
        sa.Column("from_area", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moves_from_area"), ["from_area"], unique=False)
        batch_op.create_index(batch_op.f("ix_moves_record_id"), ["record_id"], unique=False)

    op.create_table(
        "mutations",
        sa.Column("device_id", AutoString(), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mutation_id", AutoString(), nullable=False),
        sa.Column("record_type", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(), nullable=False),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("reason", AutoString(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )
    with op.batch_alter_table("mutations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mutations_record_id"), ["record_id"], unique=False)

    op.create_table(
        "nonces",
        sa.Column("device_id", AutoString(), nullable=False),
        sa.Column("nonce", AutoString(), nullable=False),
        sa.Column("seen_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "nonce"),
    )
    with op.batch_alter_table("nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonces_seen_ms"), ["seen_ms"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("type", AutoString(), nullable=False),
        sa.Column("area_code", AutoString(), nullable=False),
        sa.Column("household_id", AutoString(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("stamps", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_area_seq", ["area_code", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_seq"), ["seq"], unique=True)
        batch_op.create_index(batch_op.f("ix_records_type"), ["type"], unique=False)

    op.create_table(
        "roster_keys",
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(), nullable=False),
        sa.Column("last_import", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    with op.batch_alter_table("roster_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_keys_record_id"), ["record_id"], unique=False)

    op.create_table(
        "server_meta",
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "workers",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("role", AutoString(), nullable=False),
        sa.Column("team", AutoString(), nullable=False),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "devices",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("worker_id", AutoString(), nullable=False),
        sa.Column("public_key", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["workers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "enroll_codes",
        sa.Column("code_hash", AutoString(), nullable=False),
        sa.Column("worker_id", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("device_id", AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["workers.id"],
        ),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    with op.batch_alter_table("enroll_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enroll_codes_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "worker_areas",
        sa.Column("worker_id", AutoString(), nullable=False),
        sa.Column("code", AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["workers.id"],
        ),
        sa.PrimaryKeyConstraint("worker_id", "code"),
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name"), sa.column("value")), [{"name": "seq", "value": 0}]
    )


def downgrade() -> None:
    op.drop_table("worker_areas")
    with op.batch_alter_table("enroll_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enroll_codes_worker_id"))

    op.drop_table("enroll_codes")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_worker_id"))

    op.drop_table("devices")
    op.drop_table("workers")
    op.drop_table("server_meta")
    with op.batch_alter_table("roster_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_keys_record_id"))

    op.drop_table("roster_keys")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_type"))
        batch_op.drop_index(batch_op.f("ix_records_seq"))
        batch_op.drop_index(batch_op.f("ix_records_household_id"))
        batch_op.drop_index("ix_records_area_seq")

    op.drop_table("records")
    with op.batch_alter_table("nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonces_seen_ms"))

    op.drop_table("nonces")
    with op.batch_alter_table("mutations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mutations_record_id"))

    op.drop_table("mutations")
    with op.batch_alter_table("moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moves_record_id"))
        batch_op.drop_index(batch_op.f("ix_moves_from_area"))

    op.drop_table("moves")
    op.drop_table("counters")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_state"))
        batch_op.drop_index(batch_op.f("ix_conflicts_record_id"))
        batch_op.drop_index(batch_op.f("ix_conflicts_area_code"))

    op.drop_table("conflicts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("areas")
