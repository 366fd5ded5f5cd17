"""How each record type maps onto its table: which fields are plaintext, which sealed."""

from __future__ import annotations

from collections.abc import Mapping as MappingT
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import RowMapping, Table

from app.domain import identity
from app.domain.records import (
    BOOKKEEPING,
    Campaign,
    CampaignAssignment,
    ConsentEvent,
    Delivery,
    Household,
    Need,
    Person,
    Record,
    Referral,
    RegisterChange,
    Visit,
    Wish,
)
from app.store.columns import Codec, Damaged
from app.store.errors import IntegrityError, StoreError
from app.store.tables import (
    CampaignAssignmentRow,
    CampaignRow,
    ConsentRow,
    DeliveryRow,
    HouseholdRow,
    NeedRow,
    PersonRow,
    ReferralRow,
    RegisterChangeRow,
    VisitRow,
    WishRow,
)


def _blind_id_number(value: str) -> str:
    return identity.normalise_id_number(value)


def _blind_phone(value: str) -> str:
    return identity.normalise_phone(value).replace("-", "")


RowLike = RowMapping | MappingT[str, Any]

ROW_SEP = "\x1f"
ROW_KEY = "_row"

BLIND_KINDS = {"id_number": _blind_id_number, "phone": _blind_phone}


@dataclass(frozen=True)
class RecordMapping:
    """`plain` fields are plaintext columns, `sealed` fields their own encrypted columns;
    every other field of the record goes into the encrypted `details` JSON."""

    record: type[Record]
    table: Table
    plain: tuple[str, ...]
    sealed: tuple[str, ...] = ()
    blind: tuple[tuple[str, str], ...] = ()  # (field, blind-index column); kind = field

    @property
    def type_name(self) -> str:
        return self.record.type_name

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """The record fields stored in columns of their own (everything else is `details`)."""
        return (*BOOKKEEPING, "area_code", *self.plain, *self.sealed)

    def to_row(self, record: Record, codec: Codec) -> dict[str, Any]:
        return self.row_from_json(record.model_dump(mode="json"), codec)

    def row_from_json(self, data: dict[str, Any], codec: Codec) -> dict[str, Any]:
        """The row for a record already in JSON form (as `model_dump(mode="json")` gives
        it, or as the sync server sends it); `data` is consumed."""
        row = {k: data.pop(k, None) for k in self.columns}
        for fieldname, column in self.blind:
            value = row.get(fieldname)
            row[column] = (
                codec.blind_index(fieldname, BLIND_KINDS[fieldname](value)) if value else None
            )
        # The row id sealed inside each value binds it to its row: a value copied onto
        # another record fails to open there, like one moved to another column.
        for fieldname in self.sealed:
            if row[fieldname] is not None:
                row[fieldname] = row["id"] + ROW_SEP + row[fieldname]
        data[ROW_KEY] = row["id"]
        row["details"] = data
        return row

    def open_sealed(self, row: RowLike, fieldname: str) -> str | Damaged | None:
        """One sealed field's plaintext, checked against the row it belongs to."""
        value = row[fieldname]
        if value is None or isinstance(value, Damaged):
            return value
        owner, sep, plain = value.partition(ROW_SEP) if isinstance(value, str) else ("", "", "")
        if not sep or owner != row["id"]:
            return Damaged(fieldname)
        return plain

    def from_row(self, row: RowLike) -> Record:
        """The record, or IntegrityError naming it when a sealed value fails to open."""
        record_id = row["id"]
        details = row["details"]
        if isinstance(details, Damaged) or not isinstance(details, dict):
            raise IntegrityError(self.type_name, record_id, "details")
        if details.get(ROW_KEY) != record_id:
            raise IntegrityError(self.type_name, record_id, "details")
        data = {k: row[k] for k in (*BOOKKEEPING, "area_code", *self.plain)}
        for fieldname in self.sealed:
            value = self.open_sealed(row, fieldname)
            if isinstance(value, Damaged):
                raise IntegrityError(self.type_name, record_id, fieldname)
            if value is not None:
                data[fieldname] = value
        data.update((k, v) for k, v in details.items() if k != ROW_KEY)
        return self.record.from_stored(data)


MAPPINGS: dict[str, RecordMapping] = {
    m.type_name: m
    for m in (
        RecordMapping(
            Household,
            HouseholdRow.__table__,  # type: ignore[attr-defined]
            plain=("register_status",),
            sealed=("address", "phone"),
            blind=(("phone", "phone_bidx"),),
        ),
        RecordMapping(
            Person,
            PersonRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id",),
            sealed=("name", "id_number", "phone"),
            blind=(("id_number", "id_number_bidx"), ("phone", "phone_bidx")),
        ),
        RecordMapping(
            Visit,
            VisitRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id", "kind", "mode", "outcome"),
        ),
        RecordMapping(Need, NeedRow.__table__, plain=("household_id", "status")),  # type: ignore[attr-defined]
        RecordMapping(
            ConsentEvent,
            ConsentRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id", "person_id", "action"),
        ),
        RecordMapping(Wish, WishRow.__table__, plain=("household_id", "state")),  # type: ignore[attr-defined]
        RecordMapping(
            Referral,
            ReferralRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id", "person_id", "direction", "status"),
        ),
        RecordMapping(
            RegisterChange,
            RegisterChangeRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id",),
        ),
        RecordMapping(Delivery, DeliveryRow.__table__, plain=("household_id",)),  # type: ignore[attr-defined]
        RecordMapping(Campaign, CampaignRow.__table__, plain=()),  # type: ignore[attr-defined]
        RecordMapping(
            CampaignAssignment,
            CampaignAssignmentRow.__table__,  # type: ignore[attr-defined]
            plain=("household_id", "campaign_id", "worker_id", "visit_id", "removed_on"),
        ),
    )
}

# Parents before children: the order records are written, exported and synced in.
TYPE_ORDER = (
    "household",
    "person",
    "visit",
    "need",
    "consent",
    "wish",
    "referral",
    "register_change",
    "delivery",
    "campaign",
    "campaign_assignment",
)


def mapping_for(type_name: str) -> RecordMapping:
    try:
        return MAPPINGS[type_name]
    except KeyError:
        raise StoreError("store.unknown_type", type=type_name) from None
