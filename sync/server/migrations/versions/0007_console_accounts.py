"""The web console: accounts, server-side sessions, refused logins by client address.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("username", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("role", AutoString(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("organisation_id", AutoString(), nullable=True),
        sa.Column("password_hash", AutoString(), nullable=False),
        sa.Column("totp_secret", AutoString(), nullable=True),
        sa.Column("totp_step", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", AutoString(), nullable=False),
        sa.Column("user_id", AutoString(), nullable=False),
        sa.Column("csrf_token", AutoString(), nullable=False),
        sa.Column("second_factor_pending", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "console_login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", AutoString(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_console_login_failures_client"), ["client"], unique=False
        )


def downgrade() -> None:
    op.drop_table("console_login_failures")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
