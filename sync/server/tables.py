"""The county server's tables (SQLModel), on their own metadata apart from the device's.

Records of every type live in one table with a server sequence (``seq``): the change
feed is that table ordered by ``seq``. ``data`` is the record's JSON as the domain model
dumps it, kept as text so a pull sends it without parsing; ``stamps`` holds per-field
[HLC, seq, device] for the merge rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class ServerModel(SQLModel, registry=registry()):
    """Base of the server tables; their metadata is `ServerModel.metadata`."""


metadata = ServerModel.metadata


class Worker(ServerModel, table=True):
    """A member of one of the 五支队伍, with a role in the app."""

    __tablename__ = "workers"
    id: str = Field(primary_key=True)
    name: str
    role: str
    team: str
    status: str = "active"  # active | inactive
    created_at: datetime


class WorkerArea(ServerModel, table=True):
    """One scope code of a worker: a county (6), township (9) or village (12 digits)."""

    __tablename__ = "worker_areas"
    worker_id: str = Field(primary_key=True, foreign_key="workers.id")
    code: str = Field(primary_key=True)


class Area(ServerModel, table=True):
    """An area's name, for reports and the admin (retired codes stay readable)."""

    __tablename__ = "areas"
    code: str = Field(primary_key=True)
    name: str


class Device(ServerModel, table=True):
    """An enrolled device sandbox of one worker; `last_seq` is its push watermark."""

    __tablename__ = "devices"
    id: str = Field(primary_key=True)
    worker_id: str = Field(foreign_key="workers.id", index=True)
    public_key: str
    name: str = ""
    status: str = "active"  # active | revoked
    last_seq: int = Field(default=0, sa_type=BigInteger)
    enrolled_at: datetime
    revoked_at: datetime | None = None
    last_seen_at: datetime | None = None


class EnrollCode(ServerModel, table=True):
    """A one-time enrolment code, stored hashed; it expires and works once."""

    __tablename__ = "enroll_codes"
    code_hash: str = Field(primary_key=True)
    worker_id: str = Field(foreign_key="workers.id", index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    device_id: str | None = None


class Nonce(ServerModel, table=True):
    """Request nonces seen within the signature window (replay protection)."""

    __tablename__ = "nonces"
    device_id: str = Field(primary_key=True)
    nonce: str = Field(primary_key=True)
    seen_ms: int = Field(sa_type=BigInteger, index=True)


class RecordRow(ServerModel, table=True):
    """The server's copy of every record; `seq` orders the change feed."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_area_seq", "area_code", "seq"),)
    id: str = Field(primary_key=True)
    type: str = Field(index=True)
    area_code: str
    household_id: str | None = Field(default=None, index=True)
    seq: int = Field(sa_type=BigInteger, unique=True, index=True)
    data: str = Field(sa_column=Column(Text, nullable=False))
    stamps: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Move(ServerModel, table=True):
    """A record that left an area (its household moved): devices of that area evict it."""

    __tablename__ = "moves"
    seq: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    record_type: str
    record_id: str = Field(index=True)
    from_area: str = Field(index=True)


class Counter(ServerModel, table=True):
    """The server sequence; writers lock this row, so sequences commit in order."""

    __tablename__ = "counters"
    name: str = Field(primary_key=True)
    value: int = Field(default=0, sa_type=BigInteger)


class MutationLog(ServerModel, table=True):
    """Each mutation a device pushed and the answer it got, under (device, seq)."""

    __tablename__ = "mutations"
    device_id: str = Field(primary_key=True)
    seq: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    mutation_id: str
    record_type: str
    record_id: str = Field(index=True)
    kind: str
    status: str
    reason: str = ""
    server_seq: int = Field(default=0, sa_type=BigInteger)
    conflicts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: datetime


class Conflict(ServerModel, table=True):
    """A field value overwritten by a concurrent edit; a coordinator can revert it."""

    __tablename__ = "conflicts"
    id: str = Field(primary_key=True)
    record_type: str
    record_id: str = Field(index=True)
    area_code: str = Field(index=True)
    field: str
    kept: str = Field(sa_column=Column(Text, nullable=False))  # JSON value
    lost: str = Field(sa_column=Column(Text, nullable=False))
    kept_hlc: str
    lost_hlc: str
    kept_device: str
    lost_device: str
    state: str = Field(default="open", index=True)  # open | reverted | dismissed
    created_at: datetime
    resolved_by: str = ""
    resolved_at: datetime | None = None


class AuditEntry(ServerModel, table=True):
    """Who enrolled, exported, read or changed what, and when."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str  # worker id, or "cli" for the county admin's shell
    device_id: str = ""
    action: str = Field(index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RosterKey(ServerModel, table=True):
    """Maps a row of the provincial roster to the record it became (re-import is stable)."""

    __tablename__ = "roster_keys"
    kind: str = Field(primary_key=True)  # household | person
    key: str = Field(primary_key=True)
    record_id: str = Field(index=True)
    last_import: str = ""


class ServerMeta(ServerModel, table=True):
    """Server facts: the HLC, the county's recovery key pair."""

    __tablename__ = "server_meta"
    key: str = Field(primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
