"""The device's SQLite schema as SQLModel tables.

Plaintext only for what is not personal: ids, foreign keys, area codes, HLC stamps, record
kind, lifecycle state, sync bookkeeping. Every personal field is in a `Sealed` column: the
look-up fields in their own columns, the rest of a record in its sealed `details`.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from app.store.columns import Sealed, SealedBytes

metadata = SQLModel.metadata


class RecordRow(SQLModel):
    """Bookkeeping columns every record table has."""

    id: str = Field(primary_key=True)
    area_code: str = Field(index=True)
    created_hlc: str = ""
    updated_hlc: str = ""
    author_worker_id: str = ""
    device_id: str = ""
    server_seq: int = 0  # the server sequence this row was last seen at; 0 = never synced


class HouseholdRow(RecordRow, table=True):
    __tablename__ = "households"
    register_status: str
    address: str | None = Field(default=None, sa_type=Sealed("households", "address"))
    phone: str | None = Field(default=None, sa_type=Sealed("households", "phone"))
    phone_bidx: bytes | None = Field(default=None, index=True)
    details: Any = Field(default=None, sa_type=Sealed("households", "details", "json"))


class PersonRow(RecordRow, table=True):
    __tablename__ = "persons"
    household_id: str = Field(index=True)
    name: str | None = Field(default=None, sa_type=Sealed("persons", "name"))
    id_number: str | None = Field(default=None, sa_type=Sealed("persons", "id_number"))
    id_number_bidx: bytes | None = Field(default=None, index=True)
    phone: str | None = Field(default=None, sa_type=Sealed("persons", "phone"))
    phone_bidx: bytes | None = Field(default=None, index=True)
    details: Any = Field(default=None, sa_type=Sealed("persons", "details", "json"))


class VisitRow(RecordRow, table=True):
    __tablename__ = "visits"
    household_id: str = Field(index=True)
    kind: str
    mode: str
    outcome: str
    details: Any = Field(default=None, sa_type=Sealed("visits", "details", "json"))


class NeedRow(RecordRow, table=True):
    __tablename__ = "needs"
    household_id: str = Field(index=True)
    status: str
    details: Any = Field(default=None, sa_type=Sealed("needs", "details", "json"))


class ConsentRow(RecordRow, table=True):
    __tablename__ = "consents"
    household_id: str = Field(index=True)
    person_id: str = Field(index=True)
    action: str
    details: Any = Field(default=None, sa_type=Sealed("consents", "details", "json"))


class WishRow(RecordRow, table=True):
    __tablename__ = "wishes"
    household_id: str = Field(index=True)
    state: str
    details: Any = Field(default=None, sa_type=Sealed("wishes", "details", "json"))


class ReferralRow(RecordRow, table=True):
    __tablename__ = "referrals"
    household_id: str = Field(index=True)
    person_id: str = Field(index=True)
    direction: str
    status: str
    details: Any = Field(default=None, sa_type=Sealed("referrals", "details", "json"))


class RegisterChangeRow(RecordRow, table=True):
    __tablename__ = "register_changes"
    household_id: str = Field(index=True)
    details: Any = Field(default=None, sa_type=Sealed("register_changes", "details", "json"))


class DeliveryRow(RecordRow, table=True):
    """项目服务记录: which project helped the household, how and for how much, all sealed."""

    __tablename__ = "deliveries"
    household_id: str = Field(index=True)
    details: Any = Field(default=None, sa_type=Sealed("deliveries", "details", "json"))


class CampaignRow(RecordRow, table=True):
    """节日走访清单: its festival, rules and name in the sealed details."""

    __tablename__ = "campaigns"
    details: Any = Field(default=None, sa_type=Sealed("campaigns", "details", "json"))


class CampaignAssignmentRow(RecordRow, table=True):
    """A household on a festival list: who visits it and what was delivered, sealed."""

    __tablename__ = "campaign_assignments"
    household_id: str = Field(index=True)
    campaign_id: str = Field(index=True)
    worker_id: str = Field(index=True)  # who visits (a worker's id)
    visit_id: str | None = None  # the visit that delivered (none: still to visit)
    removed_on: str | None = None  # taken off the list (ISO day; none: on it)
    details: Any = Field(default=None, sa_type=Sealed("campaign_assignments", "details", "json"))


class PhotoRow(SQLModel, table=True):
    """Photos and drawn signatures, sealed like every other personal value.

    `state` is where the photo stands in the photo queue (sync/photos.py): ``queued_up``
    (taken here, the server does not hold it yet), ``queued_down`` (a record here names it
    and it has no `content` yet), ``synced`` (here and on the server) or ``archived`` (no
    record here names it any more: neither sent nor asked for).
    """

    __tablename__ = "photos"
    id: str = Field(primary_key=True)
    record_id: str = Field(index=True)
    mime: str = "image/jpeg"
    content: bytes | None = Field(default=None, sa_type=SealedBytes("photos", "content"))
    state: str = Field(default="queued_up", index=True)


class OutboxRow(SQLModel, table=True):
    """A pending mutation, written in the same transaction as the change it describes."""

    __tablename__ = "outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: int | None = Field(default=None, primary_key=True)  # per-device, never reused
    mutation_id: str = Field(unique=True)
    record_type: str
    record_id: str = Field(index=True)
    kind: str  # create | update | transition
    kind_version: int = 1
    base_seq: int = 0
    hlc: str
    state: str = Field(default="pending", index=True)  # pending | dead
    payload: Any = Field(default=None, sa_type=Sealed("outbox", "payload", "json"))
    reason: str | None = Field(default=None, sa_type=Sealed("outbox", "reason"))
    # a rejection's code and parameters ({"code", "params"}) when the server sent them
    refusal: dict[str, Any] | None = Field(
        default=None, sa_type=Sealed("outbox", "refusal", "json")
    )


class ShareLogRow(SQLModel, table=True):
    """Every share of personal data: date, recipient, purpose, categories (GB/T 35273 §9.2)."""

    __tablename__ = "share_log"
    id: str = Field(primary_key=True)
    person_id: str = Field(index=True)
    hlc: str
    details: Any = Field(default=None, sa_type=Sealed("share_log", "details", "json"))


class CountyShareRow(SQLModel, table=True):
    """The county's share log of this device's scope as the server sent it (each view or
    export of a person's data by a charity's console user): the server's number for the
    entry, the household it concerns, the rest sealed (it says who was referred to whom)."""

    __tablename__ = "county_shares"
    id: int = Field(primary_key=True)  # the server's number: the log's order and cursor
    household_id: str = Field(index=True)
    details: Any = Field(default=None, sa_type=Sealed("county_shares", "details", "json"))


class AccessLogRow(SQLModel, table=True):
    """Deliberate reads of personal data: ID number reveals, exports."""

    __tablename__ = "access_log"
    id: str = Field(primary_key=True)
    action: str
    record_id: str = ""
    worker_id: str = ""
    hlc: str


class ConflictRow(SQLModel, table=True):
    """A field overwritten by a concurrent edit, kept so a coordinator can revert it."""

    __tablename__ = "conflicts"
    id: str = Field(primary_key=True)
    record_type: str
    record_id: str = Field(index=True)
    state: str = Field(default="open", index=True)  # open | kept_server | kept_local
    hlc: str
    details: Any = Field(default=None, sa_type=Sealed("conflicts", "details", "json"))


class SecretRow(SQLModel, table=True):
    """Device credentials from enrolment (signing key, server address, pinned certificate)."""

    __tablename__ = "secrets"
    key: str = Field(primary_key=True)
    value: str | None = Field(default=None, sa_type=Sealed("secrets", "value"))


class MetaRow(SQLModel, table=True):
    """Non-personal bookkeeping: the HLC, the pull cursor, the schema's own facts."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


class SnapshotRow(SQLModel, table=True):
    """Summaries kept ready, sealed: one per record type (app/store/facts.py)."""

    __tablename__ = "snapshots"
    name: str = Field(primary_key=True)
    content: str | None = Field(default=None, sa_type=Sealed("snapshots", "content"))


class TouchedRow(SQLModel, table=True):
    """Households, persons and visits inserted, changed or deleted since their snapshot;
    filled by triggers (app/store/migrations.py, version 4)."""

    __tablename__ = "touched"
    type: str = Field(primary_key=True)
    id: str = Field(primary_key=True)


class DraftRow(SQLModel, table=True):
    """A form being filled in, kept sealed across an auto-lock and a restart (app/store/repositories/drafts.py)."""

    __tablename__ = "drafts"
    key: str = Field(primary_key=True)  # e.g. "visit:care:<household id>"
    household_id: str = Field(index=True)
    form: str  # which form: visit | knock
    saved_at: str  # local time, ISO 8601
    content: Any = Field(default=None, sa_type=Sealed("drafts", "content", "json"))
