"""Records of every type and their outbox: a change is written with its outbox mutation (and,
for a referral that discloses, its share-log entry) on the same connection, so a unit of
work keeps both or neither."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Connection, func, insert, select, update

from app.domain import identity
from app.domain.clock import MAX_DRIFT_MS
from app.domain.codes import RegisterStatus
from app.domain.ids import new_id
from app.domain.records import (
    BOOKKEEPING,
    DEVICE,
    MAX_RECORD_BYTES,
    Household,
    IllegalChange,
    Record,
    Writer,
    check_in_household,
    problem,
    record_bytes,
)
from app.store.errors import IllegalEdit, IntegrityError, NotFound, RecordTooLarge
from app.store.records import MAPPINGS, TYPE_ORDER, RecordMapping, mapping_for
from app.store.repositories.context import StoreContext
from app.store.repositories.logs import LogRepository
from app.store.tables import OutboxRow

R = TypeVar("R", bound=Record)

OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
BATCH = 2000  # rows per INSERT in a bulk write (and per progress report)

Progress = Callable[[int], None]


def check_size(record: Record, content: dict[str, Any]) -> None:
    """RecordTooLarge when `record` (whose `content()` is `content`) is over the size the
    server takes (`MAX_RECORD_BYTES`, counted as the server counts it): refused before it
    is queued, so it never sits in the outbox to be rejected."""
    size = record_bytes(content | {k: getattr(record, k) for k in BOOKKEEPING})
    if size > MAX_RECORD_BYTES:
        raise RecordTooLarge(size, MAX_RECORD_BYTES)


@dataclass(frozen=True)
class Mutation:
    """An outbox entry as the sync client sends it."""

    seq: int
    mutation_id: str
    record_type: str
    record_id: str
    kind: str
    kind_version: int
    base_seq: int
    hlc: str
    payload: dict[str, Any]
    state: str = "pending"
    reason: str | None = None  # the server's sentence, in Chinese
    reason_code: str = ""  # the same as a code, from a server that sends it
    reason_params: dict[str, Any] = field(default_factory=dict)


def _check(
    record: Record, rule: Callable[[Record], None], changed: Iterable[str] | None = None
) -> None:
    """IllegalEdit, with one sentence, unless `record` is valid as it stands (a copy made
    with `model_copy` is not validated; the input bounds hold for its `changed` fields, or
    all when new) and `rule` allows the change."""
    data = record.model_dump()
    try:
        if changed is None:
            type(record).model_validate(data)
        else:
            type(record).edited(data, changed)
        rule(record)
    except ValidationError as exc:
        raise IllegalEdit.like(problem(exc)) from None
    except IllegalChange as exc:
        raise IllegalEdit.like(exc) from None


def _record(value: R) -> R:
    """`value`, if it is a record: a summary (`HouseholdSummary`, `MemberSummary`, …) holds
    only what lists read, so writing it back would blank the rest. TypeError otherwise."""
    if not isinstance(value, Record):
        raise TypeError(f"{type(value).__name__} is not a record: edit the record itself")
    return value


def writer_at(wall_ms: int) -> Writer:
    """This device as the writer of new records at wall time `wall_ms`: dated at the latest
    now, with the clock tolerance the server grants (app.domain.clock.MAX_DRIFT_MS)."""
    return Writer(latest=datetime.fromtimestamp((wall_ms + MAX_DRIFT_MS) / 1000, UTC))


def _mutation(row: Any) -> Mutation:
    payload = row["payload"]
    refusal = row["refusal"] if isinstance(row["refusal"], dict) else {}
    if not isinstance(payload, dict):
        raise IntegrityError("outbox", str(row["seq"]), "payload")
    return Mutation(
        seq=row["seq"],
        mutation_id=row["mutation_id"],
        record_type=row["record_type"],
        record_id=row["record_id"],
        kind=row["kind"],
        kind_version=row["kind_version"],
        base_seq=row["base_seq"],
        hlc=row["hlc"],
        payload=payload,
        state=row["state"],
        reason=row["reason"] if isinstance(row["reason"], str) else None,
        reason_code=str(refusal.get("code", "")),
        reason_params=dict(refusal.get("params") or {}),
    )


class RecordRepository:
    """Households, persons, visits, needs, wishes, consents and referrals, sealed, with the
    outbox that queues their changes for sync.

    Writes stamp each record with the store's clock and this device and worker; they check
    the domain's rules (app.domain.records) and the size the server takes first.
    `queued` tells whether a write queued changes for sync.
    """

    def __init__(self, conn: Connection, store: StoreContext, logs: LogRepository) -> None:
        self._conn = conn
        self._store = store
        self._logs = logs
        self.queued = False

    # --- writes ---------------------------------------------------------------------

    def add(self, record: R) -> R:
        """Insert a new record and queue its creation for sync."""
        return self.add_many([record])[0]  # type: ignore[return-value]

    def add_many(
        self, records: Iterable[Record], *, queue: bool = True, progress: Progress | None = None
    ) -> list[Record]:
        """Insert records (unqueued when `queue` is False: an import of the server's own)."""
        stamped: list[Record] = []
        batch: dict[str, list[dict[str, Any]]] = {}
        outbox: list[dict[str, Any]] = []
        writer = writer_at(self._store.wall_ms())
        codec = self._store.codec
        areas: dict[str, str | None] = {}  # household id -> area code (None: not here)
        for record in records:
            record = self._stamp_new(_record(record))
            mapping = mapping_for(record.type_name)
            if queue:
                _check(record, lambda r: r.check_create(writer))
                self._check_area(record, areas)
            batch.setdefault(record.type_name, []).append(mapping.to_row(record, codec))
            if queue:
                content = record.content()
                check_size(record, content)
                outbox.append(self._outbox_row(record, "create", content, 0))
                self._logs.log_disclosure(record, None)
            stamped.append(record)
            if len(stamped) % BATCH == 0:
                self._flush(batch, outbox)
                if progress:
                    progress(BATCH)
        self._flush(batch, outbox)
        if progress:
            progress(len(stamped) % BATCH)
        self.queued = self.queued or (queue and bool(stamped))
        return stamped

    def _check_area(self, record: Record, areas: dict[str, str | None]) -> None:
        """IllegalEdit when a new record lies outside its household's area (a household
        written earlier in this transaction, or stored; one the store lacks is the
        server's to refuse)."""
        if isinstance(record, Household):
            areas[record.id] = record.area_code
            return
        household_id = getattr(record, "household_id", None)
        if household_id is None:  # a festival list hangs off no household
            return
        if household_id not in areas:
            table = mapping_for("household").table
            query = select(table.c.area_code).where(table.c.id == household_id)
            areas[household_id] = self._conn.execute(query).scalar()
        known = areas[household_id]
        try:
            if known is not None:
                check_in_household(record.area_code, known)
        except IllegalChange as exc:
            raise IllegalEdit.like(exc) from None

    def update(self, record: R, writer: Writer = DEVICE) -> R:
        """Write the changed fields of `record` and queue them; unchanged = no-op. The
        `writer` is this device (a reviewer's for a decision on a 主动发现 household)."""
        mapping = mapping_for(_record(record).type_name)
        current, base_seq = self._get_row(mapping, record.id)
        if current is None:
            raise NotFound(record.type_name, record.id)
        before, after = current.content(), record.content()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        self.queued = True
        if not changed:
            return current  # type: ignore[return-value]
        if writer.latest is None and not writer.server:
            writer = replace(writer, latest=writer_at(self._store.wall_ms()).latest)
        _check(record, lambda r: type(r).check_edit(before, changed, writer), changed)
        stamped = record.model_copy(
            update={k: getattr(current, k) for k in BOOKKEEPING}
            | {"updated_hlc": self._store.clock.now()}
        )
        check_size(stamped, after)
        kind, payload = "update", {"fields": changed}
        if record.type_name == "wish" and "state" in changed:
            kind = "transition"
            payload = {"from": before["state"], "to": after["state"], "fields": changed}
        row = mapping.to_row(stamped, self._store.codec)
        self._conn.execute(
            update(mapping.table).where(mapping.table.c.id == record.id).values(**row)
        )
        self._conn.execute(
            insert(OUTBOX).values(**self._outbox_row(stamped, kind, payload, base_seq))
        )
        self._logs.log_disclosure(stamped, before)
        return stamped

    def update_many(
        self, records: Iterable[Record], progress: Progress | None = None
    ) -> list[Record]:
        """`update` each of `records`, in order."""
        out = []
        for record in records:
            out.append(self.update(record))
            if progress:
                progress(1)
        return out

    def _stamp_new(self, record: R) -> R:
        stamp = self._store.clock.now()
        return record.model_copy(
            update={
                "created_hlc": record.created_hlc or stamp,
                "updated_hlc": stamp,
                "author_worker_id": record.author_worker_id or self._store.worker_id,
                "device_id": record.device_id or self._store.device_id,
            }
        )

    def _outbox_row(
        self, record: Record, kind: str, payload: dict[str, Any], base_seq: int
    ) -> dict[str, Any]:
        return {
            "mutation_id": new_id(),
            "record_type": record.type_name,
            "record_id": record.id,
            "kind": kind,
            "kind_version": 1,
            "base_seq": base_seq,
            "hlc": record.updated_hlc,
            "state": "pending",
            "payload": payload,
        }

    def _flush(self, batch: dict[str, list[dict[str, Any]]], outbox: list[dict[str, Any]]) -> None:
        for type_name in TYPE_ORDER:
            rows = batch.pop(type_name, None)
            if rows:
                self._conn.execute(insert(MAPPINGS[type_name].table), rows)
        if outbox:
            self._conn.execute(insert(OUTBOX), outbox)
            outbox.clear()

    # --- reads ----------------------------------------------------------------------

    def _get_row(self, mapping: RecordMapping, record_id: str) -> tuple[Record | None, int]:
        row = (
            self._conn.execute(select(mapping.table).where(mapping.table.c.id == record_id))
            .mappings()
            .first()
        )
        if row is None:
            return None, 0
        return mapping.from_row(row), int(row["server_seq"])

    def get(self, record_type: type[R], record_id: str) -> R:
        """The record; NotFound if there is none, IntegrityError if it is damaged."""
        record, _ = self._get_row(mapping_for(record_type.type_name), record_id)
        if record is None:
            raise NotFound(record_type.type_name, record_id)
        return record  # type: ignore[return-value]

    def exists(self, type_name: str, record_id: str) -> bool:
        table = mapping_for(type_name).table
        found = self._conn.execute(select(table.c.id).where(table.c.id == record_id)).first()
        return found is not None

    def existing_ids(self, type_name: str, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are stored already (one query per thousand ids)."""
        table = mapping_for(type_name).table
        wanted = list(ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            found.update(
                r[0] for r in self._conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))
            )
        return found

    def load_all(
        self,
        record_type: type[R],
        *,
        household_id: str | None = None,
        status: str | None = None,
        skip_damaged: bool = False,
        damaged: list[IntegrityError] | None = None,
    ) -> list[R]:
        """Every record of a type (or of one household, or in one `status` of a type whose
        status is a plain column); damaged ones raise or are skipped (and appended to
        `damaged`)."""
        mapping = mapping_for(record_type.type_name)
        query = select(mapping.table)
        if status is not None:
            query = query.where(mapping.table.c.status == status)
        if household_id is not None:
            key = (
                mapping.table.c.id
                if record_type.type_name == "household"
                else (mapping.table.c.household_id)
            )
            query = query.where(key == household_id)
        out: list[R] = []
        for row in self._conn.execute(query).mappings():
            try:
                out.append(mapping.from_row(row))  # type: ignore[arg-type]
            except IntegrityError as exc:
                if not skip_damaged:
                    raise
                if damaged is not None:
                    damaged.append(exc)
        return out

    def count_where(
        self,
        type_name: str,
        *,
        excluding: Mapping[str, Collection[str]] | None = None,
        **plain: str | None,
    ) -> int:
        """How many records of a type have these values in plain columns (None: no value)
        and none of the `excluding` values, counted without opening any (e.g. a worker's
        households still to visit, leaving out the lists that ended)."""
        table = mapping_for(type_name).table
        query = select(func.count()).select_from(table)
        for name, value in plain.items():
            column = table.c[name]
            query = query.where(column.is_(None) if value is None else column == value)
        for name, values in (excluding or {}).items():
            if values:
                query = query.where(table.c[name].not_in(sorted(values)))
        return int(self._conn.execute(query).scalar_one())

    def households_with_status(self, status: RegisterStatus) -> list[Household]:
        """The readable households of one register status (a plain column: no household of
        another status is decrypted), e.g. the reported ones of the 主动发现 queue."""
        mapping = mapping_for("household")
        query = select(mapping.table).where(mapping.table.c.register_status == status.value)
        out: list[Household] = []
        for row in self._conn.execute(query).mappings():
            try:
                out.append(mapping.from_row(row))  # type: ignore[arg-type]
            except IntegrityError:
                continue
        return out

    def with_blind_index(self, kind: str, value: str) -> list[str]:
        """Ids of persons whose `kind` ("id_number" or "phone") is `value`, found by blind
        index (no decryption)."""
        table = mapping_for("person").table
        if kind == "id_number":
            column, plain = table.c.id_number_bidx, identity.normalise_id_number(value)
        else:
            column, plain = table.c.phone_bidx, identity.normalise_phone(value).replace("-", "")
        bidx = self._store.codec.blind_index(kind, plain)
        return [r[0] for r in self._conn.execute(select(table.c.id).where(column == bidx))]

    def counts(self) -> dict[str, int]:
        """How many records of each type are stored."""
        return {
            name: int(self._conn.execute(select(func.count()).select_from(m.table)).scalar_one())
            for name, m in MAPPINGS.items()
        }

    # --- outbox ---------------------------------------------------------------------

    def pending(self, limit: int = 500) -> list[Mutation]:
        """The oldest changes waiting to be pushed."""
        rows = self._conn.execute(
            select(OUTBOX).where(OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq).limit(limit)
        ).mappings()
        return [_mutation(r) for r in rows]

    def pending_ids(self, record_type: str) -> set[str]:
        """The records of `record_type` with a change still waiting to be pushed."""
        rows = self._conn.execute(
            select(OUTBOX.c.record_id)
            .where(OUTBOX.c.state == "pending", OUTBOX.c.record_type == record_type)
            .distinct()
        )
        return {str(r[0]) for r in rows}

    def dead_letters(self) -> list[Mutation]:
        """Changes the server refused for good, oldest first."""
        rows = self._conn.execute(
            select(OUTBOX).where(OUTBOX.c.state == "dead").order_by(OUTBOX.c.seq)
        ).mappings()
        return [_mutation(r) for r in rows]

    def outbox_counts(self) -> dict[str, int]:
        rows = self._conn.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state))
        counts = {"pending": 0, "dead": 0}
        counts.update({state: int(n) for state, n in rows})
        return counts
