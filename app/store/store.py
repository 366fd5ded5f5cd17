"""The unlocked store of one worker sandbox: repositories, outbox and logs in one place.

Every change is written in one SQLite transaction together with its outbox mutation and
the persisted HLC, so a crash keeps both or neither. Reads that meet a damaged value
raise IntegrityError naming the record; `load_all(..., skip_damaged=True)` reads the rest.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)

from app.domain import identity
from app.domain.consent import disclosure
from app.domain.coverage import VisitFact
from app.domain.ids import new_id
from app.domain.records import (
    BOOKKEEPING,
    DEVICE,
    Household,
    IllegalChange,
    Record,
    Writer,
    check_in_household,
    problem,
)
from app.domain.staff import Staff
from app.store import facts
from app.store.columns import Codec, attach_codec
from app.store.errors import IllegalEdit, IntegrityError, Locked, NotFound, RecordTooLarge
from app.store.migrations import migrate
from app.store.records import MAPPINGS, TYPE_ORDER, RecordMapping, mapping_for
from app.store.tables import AccessLogRow, MetaRow, OutboxRow, PhotoRow, SecretRow, ShareLogRow
from sync.hlc import MAX_DRIFT_MS, HybridClock
from sync.protocol import MAX_RECORD_BYTES, record_bytes

log = logging.getLogger("doorstep.store")

R = TypeVar("R", bound=Record)
T = TypeVar("T")

OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
META = MetaRow.__table__  # type: ignore[attr-defined]
PHOTOS = PhotoRow.__table__  # type: ignore[attr-defined]
SHARES = ShareLogRow.__table__  # type: ignore[attr-defined]
ACCESS = AccessLogRow.__table__  # type: ignore[attr-defined]
SECRETS = SecretRow.__table__  # type: ignore[attr-defined]
# A photo row with no content waits for its download (sync.client); the sealed column
# itself is never compared in SQL.
HAS_CONTENT = text("photos.content IS NOT NULL")
NO_CONTENT = text("photos.content IS NULL")

Progress = Callable[[int], None]

# Meta key: local time of the last sync whose push and pull both completed.
LAST_SYNC_META = "last_sync_at"
# Meta key: JSON map of area code -> name, received at enrolment (names are not personal).
AREA_NAMES_META = "area_names"
# Sealed secret key: JSON list of the staff of the worker's scope (app.domain.staff), sent at
# enrolment and after each pull. Staff names are personal, so not in the plaintext meta.
STAFF_SECRET = "reports.staff"
# Meta key: digest of the staff last received (the server resends them when it differs).
STAFF_DIGEST_META = "staff_digest"


def open_engine(path: Path, codec: Codec) -> Engine:
    """A SQLite engine whose sealed columns use `codec`; temp data stays in memory."""
    engine = create_engine(f"sqlite:///{path}", hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # The stdlib driver's own transaction handling gets in the way of BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-32000")  # 32 MB: a first sync writes 50 MB of rows
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    attach_codec(engine, codec)
    return engine


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
    reason: str | None = None


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
        raise IllegalEdit(problem(exc)) from None
    except IllegalChange as exc:
        raise IllegalEdit(str(exc)) from None


class Store:
    """One unlocked sandbox. `close()` drops the key and the connections."""

    def __init__(
        self,
        path: Path,
        codec: Codec,
        *,
        device_id: str,
        worker_id: str = "",
        wall_ms: Callable[[], int] | None = None,
    ) -> None:
        self.path = path
        self.device_id = device_id
        self.worker_id = worker_id
        self._codec: Codec | None = codec
        self.engine: Engine | None = open_engine(path, codec)
        with self.engine.begin() as conn:
            migrate(conn)
            last = conn.execute(select(META.c.value).where(META.c.key == "hlc")).scalar()
        self.wall_ms = wall_ms or (lambda: int(time.time() * 1000))
        self.clock = HybridClock(device_id, last or "", wall=self.wall_ms)
        self._snapshots: dict[str, facts.Summaries[Any]] = {}  # as last read or written
        self._queued_listeners: list[Callable[[], None]] = []

    # --- plumbing -------------------------------------------------------------------

    @property
    def codec(self) -> Codec:
        if self._codec is None:
            raise Locked()
        return self._codec

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if self.engine is None:
            raise Locked()
        with self.engine.begin() as conn:
            yield conn
            self._set_meta(conn, "hlc", self.clock.last)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        if self.engine is None:
            raise Locked()
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        """Lock: forget the key and close every connection."""
        if self.engine is not None:
            attach_codec(self.engine, None)
            self.engine.dispose()
        wipe = getattr(self._codec, "wipe", None)
        if wipe is not None:
            wipe()
        self._codec = None
        self.engine = None
        self._snapshots = {}
        self._queued_listeners = []

    def on_queued(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every committed write that queued changes for sync (the
        sync bar counts them at once); a failing listener never fails the write."""
        self._queued_listeners.append(listener)

    def _queued(self) -> None:
        for listener in list(self._queued_listeners):
            try:
                listener()
            except Exception as exc:
                log.warning("a listener for queued changes failed: %s", type(exc).__name__)

    def _set_meta(self, conn: Connection, key: str, value: str) -> None:
        conn.execute(delete(META).where(META.c.key == key))
        conn.execute(insert(META).values(key=key, value=value))

    def meta(self, key: str, default: str | None = None) -> str | None:
        with self.reading() as conn:
            value = conn.execute(select(META.c.value).where(META.c.key == key)).scalar()
        return default if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            self._set_meta(conn, key, value)

    def secret(self, key: str) -> str | None:
        """A sealed credential (sync.client keeps the device's enrolment here)."""
        with self.reading() as conn:
            value = conn.execute(select(SECRETS.c.value).where(SECRETS.c.key == key)).scalar()
        if value is not None and not isinstance(value, str):
            raise IntegrityError("secrets", key, "value")
        return value

    def set_secrets(self, values: dict[str, str]) -> None:
        """Store sealed credentials, all in one transaction."""
        with self.transaction() as conn:
            for key, value in values.items():
                conn.execute(delete(SECRETS).where(SECRETS.c.key == key))
                conn.execute(insert(SECRETS).values(key=key, value=value))

    def staff(self) -> Staff:
        """The staff of the worker's scope as the server last sent them (none before)."""
        value = self.secret(STAFF_SECRET)
        if not value:
            return Staff()
        try:
            return Staff.from_json(json.loads(value))
        except (ValueError, TypeError, KeyError):
            raise IntegrityError("secrets", STAFF_SECRET, "value") from None

    def set_staff(self, staff: Staff) -> None:
        self.set_secrets({STAFF_SECRET: json.dumps(staff.to_json(), ensure_ascii=False)})

    # --- writes ---------------------------------------------------------------------

    def _stamp_new(self, record: R) -> R:
        stamp = self.clock.now()
        return record.model_copy(
            update={
                "created_hlc": record.created_hlc or stamp,
                "updated_hlc": stamp,
                "author_worker_id": record.author_worker_id or self.worker_id,
                "device_id": record.device_id or self.device_id,
            }
        )

    def add(self, record: R) -> R:
        """Insert a new record and queue its creation for sync."""
        return self.add_many([record])[0]  # type: ignore[return-value]

    def add_many(
        self, records: Iterable[Record], *, queue: bool = True, progress: Progress | None = None
    ) -> list[Record]:
        """Insert records in one transaction: all of them or none."""
        return self.write(records, (), queue=queue, progress=progress)[0]

    def write(
        self,
        creates: Iterable[Record],
        updates: Iterable[Record],
        *,
        queue: bool = True,
        progress: Progress | None = None,
    ) -> tuple[list[Record], list[Record]]:
        """New records and edits in one transaction, each queued for sync: all or none."""
        with self.transaction() as conn:
            created = self._insert(conn, creates, queue, progress)
            updated = []
            for record in updates:
                updated.append(self._update(conn, record))
                if progress:
                    progress(1)
        if (queue and created) or updated:
            self._queued()
        return created, updated

    def _insert(
        self,
        conn: Connection,
        records: Iterable[Record],
        queue: bool,
        progress: Progress | None,
    ) -> list[Record]:
        stamped: list[Record] = []
        batch: dict[str, list[dict[str, Any]]] = {}
        outbox: list[dict[str, Any]] = []
        writer = self.writer()
        areas: dict[str, str | None] = {}  # household id -> area code (None: not here)
        for record in records:
            record = self._stamp_new(record)
            mapping = mapping_for(record.type_name)
            if queue:
                _check(record, lambda r: r.check_create(writer))
                self._check_area(conn, record, areas)
            batch.setdefault(record.type_name, []).append(mapping.to_row(record, self.codec))
            if queue:
                content = record.content()
                check_size(record, content)
                outbox.append(self._outbox_row(record, "create", content, 0))
                self._log_disclosure(conn, record, None)
            stamped.append(record)
            if len(stamped) % 2000 == 0:
                self._flush(conn, batch, outbox)
                if progress:
                    progress(2000)
        self._flush(conn, batch, outbox)
        if progress:
            progress(len(stamped) % 2000)
        return stamped

    def _check_area(self, conn: Connection, record: Record, areas: dict[str, str | None]) -> None:
        """IllegalEdit when a new record lies outside its household's area (a household
        written earlier in this transaction, or stored; one the store lacks is the
        server's to refuse)."""
        if isinstance(record, Household):
            areas[record.id] = record.area_code
            return
        household_id = getattr(record, "household_id", "")
        if household_id not in areas:
            table = mapping_for("household").table
            query = select(table.c.area_code).where(table.c.id == household_id)
            areas[household_id] = conn.execute(query).scalar()
        known = areas[household_id]
        try:
            if known is not None:
                check_in_household(record.area_code, known)
        except IllegalChange as exc:
            raise IllegalEdit(str(exc)) from None

    def writer(self) -> Writer:
        """This device as the writer of new records: dated at the latest now, with the
        clock tolerance the server grants (sync.hlc.MAX_DRIFT_MS)."""
        return Writer(latest=datetime.fromtimestamp((self.wall_ms() + MAX_DRIFT_MS) / 1000, UTC))

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

    def _flush(
        self, conn: Connection, batch: dict[str, list[dict[str, Any]]], outbox: list[dict[str, Any]]
    ) -> None:
        for type_name in TYPE_ORDER:
            rows = batch.pop(type_name, None)
            if rows:
                conn.execute(insert(MAPPINGS[type_name].table), rows)
        if outbox:
            conn.execute(insert(OUTBOX), outbox)
            outbox.clear()

    def update(self, record: R) -> R:
        """Write the changed fields of `record` and queue them; unchanged = no-op."""
        return self.update_many([record])[0]  # type: ignore[return-value]

    def update_many(self, records: Iterable[Record]) -> list[Record]:
        return self.write((), records)[1]

    def _update(self, conn: Connection, record: R) -> R:
        mapping = mapping_for(record.type_name)
        current, base_seq = self._get_row(conn, mapping, record.id)
        if current is None:
            raise NotFound(record.type_name, record.id)
        before, after = current.content(), record.content()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if not changed:
            return current  # type: ignore[return-value]
        _check(record, lambda r: type(r).check_edit(before, changed, DEVICE), changed)
        stamped = record.model_copy(
            update={k: getattr(current, k) for k in BOOKKEEPING} | {"updated_hlc": self.clock.now()}
        )
        check_size(stamped, after)
        kind, payload = "update", {"fields": changed}
        if record.type_name == "wish" and "state" in changed:
            kind = "transition"
            payload = {"from": before["state"], "to": after["state"], "fields": changed}
        row = mapping.to_row(stamped, self.codec)
        conn.execute(update(mapping.table).where(mapping.table.c.id == record.id).values(**row))
        conn.execute(insert(OUTBOX).values(**self._outbox_row(stamped, kind, payload, base_seq)))
        self._log_disclosure(conn, stamped, before)
        return stamped

    def _log_disclosure(
        self, conn: Connection, record: Record, before: dict[str, Any] | None
    ) -> None:
        """A referral written here that discloses to a charity, or discloses anew (another
        recipient, purpose or categories), goes to the sealed share log in the same
        transaction."""
        if record.type_name != "referral":
            return
        shared = disclosure(record.id, record.content())
        if shared is None or (before is not None and shared == disclosure(record.id, before)):
            return
        conn.execute(
            insert(SHARES).values(
                id=new_id(),
                person_id=shared.person_id,
                hlc=record.updated_hlc,
                details=shared.to_json(),
            )
        )

    # --- reads ----------------------------------------------------------------------

    def _get_row(
        self, conn: Connection, mapping: RecordMapping, record_id: str
    ) -> tuple[Record | None, int]:
        row = (
            conn.execute(select(mapping.table).where(mapping.table.c.id == record_id))
            .mappings()
            .first()
        )
        if row is None:
            return None, 0
        return mapping.from_row(row), int(row["server_seq"])

    def get(self, record_type: type[R], record_id: str) -> R:
        with self.reading() as conn:
            record, _ = self._get_row(conn, mapping_for(record_type.type_name), record_id)
        if record is None:
            raise NotFound(record_type.type_name, record_id)
        return record  # type: ignore[return-value]

    def exists(self, type_name: str, record_id: str) -> bool:
        table = mapping_for(type_name).table
        with self.reading() as conn:
            return (
                conn.execute(select(table.c.id).where(table.c.id == record_id)).first() is not None
            )

    def existing_ids(self, type_name: str, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are stored already (one query per thousand ids)."""
        table = mapping_for(type_name).table
        wanted = list(ids)
        found: set[str] = set()
        with self.reading() as conn:
            for start in range(0, len(wanted), 1000):
                chunk = wanted[start : start + 1000]
                found.update(
                    r[0] for r in conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))
                )
        return found

    def load_all(
        self,
        record_type: type[R],
        *,
        household_id: str | None = None,
        skip_damaged: bool = False,
        damaged: list[IntegrityError] | None = None,
    ) -> list[R]:
        """Every record of a type (or of one household); damaged ones raise or are skipped."""
        mapping = mapping_for(record_type.type_name)
        query = select(mapping.table)
        if household_id is not None:
            key = (
                mapping.table.c.id
                if record_type.type_name == "household"
                else (mapping.table.c.household_id)
            )
            query = query.where(key == household_id)
        out: list[R] = []
        with self.reading() as conn:
            for row in conn.execute(query).mappings():
                try:
                    out.append(mapping.from_row(row))  # type: ignore[arg-type]
                except IntegrityError as exc:
                    if not skip_damaged:
                        raise
                    if damaged is not None:
                        damaged.append(exc)
        return out

    def iter_rows(
        self, type_name: str, columns: Sequence[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Decrypted rows without building records (fast paths such as the search index).

        Only `columns` are read (all when None); sealed fields hold their plaintext, or a
        `Damaged` marker when they fail to open or belong to another row.
        """
        mapping = mapping_for(type_name)
        wanted = tuple(columns or mapping.table.c.keys())
        sealed = [f for f in mapping.sealed if f in wanted]
        if sealed and "id" not in wanted:
            wanted = ("id", *wanted)
        query = select(*(mapping.table.c[name] for name in wanted))
        with self.reading() as conn:
            for row in conn.execute(query).mappings():
                out = dict(row)
                for fieldname in sealed:
                    out[fieldname] = mapping.open_sealed(row, fieldname)
                yield out

    def summaries(self, kind: facts.Kind[T], damaged: list[str] | None = None) -> list[T]:
        """Every household, person or visit (`facts.HOUSEHOLDS` …) as a summary, without
        decrypting and validating each row: served from the kind's sealed snapshot plus the
        rows touched since (app/store/facts.py). Damaged rows are skipped and their ids
        appended to `damaged`."""
        with self.transaction() as conn:
            now, self._snapshots[kind.type_name] = facts.current(
                conn, kind, self._snapshots.get(kind.type_name)
            )
        if damaged is not None:
            damaged.extend(sorted(now.damaged))
        return list(now.items.values())

    def settle_summaries(self) -> None:
        """Write every summary snapshot as the rows are now (after bulk writes: an import,
        demo data, a sync from the command line), so the next unlock reads them at once."""
        for kind in facts.KINDS.values():
            with self.transaction() as conn:
                _, self._snapshots[kind.type_name] = facts.current(
                    conn, kind, self._snapshots.get(kind.type_name), settle=True
                )

    def visit_facts(
        self, household_ids: set[str] | None = None, damaged: list[str] | None = None
    ) -> list[VisitFact]:
        """Visits reduced to what the Today list and reports read (see `summaries`)."""
        found = self.summaries(facts.VISITS, damaged)
        if household_ids is None:
            return found
        return [f for f in found if f.household_id in household_ids]

    def persons_with_id_number(self, id_number: str) -> list[str]:
        """Ids of persons with this ID number, by blind index (no decryption)."""
        table = mapping_for("person").table
        bidx = self.codec.blind_index("id_number", identity.normalise_id_number(id_number))
        with self.reading() as conn:
            rows = conn.execute(select(table.c.id).where(table.c.id_number_bidx == bidx))
            return [r[0] for r in rows]

    def persons_with_phone(self, phone: str) -> list[str]:
        table = mapping_for("person").table
        bidx = self.codec.blind_index("phone", identity.normalise_phone(phone).replace("-", ""))
        with self.reading() as conn:
            rows = conn.execute(select(table.c.id).where(table.c.phone_bidx == bidx))
            return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        with self.reading() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(m.table)).scalar_one())
                for name, m in MAPPINGS.items()
            }

    # --- outbox ---------------------------------------------------------------------

    def pending(self, limit: int = 500) -> list[Mutation]:
        with self.reading() as conn:
            rows = conn.execute(
                select(OUTBOX)
                .where(OUTBOX.c.state == "pending")
                .order_by(OUTBOX.c.seq)
                .limit(limit)
            ).mappings()
            return [self._mutation(r) for r in rows]

    def dead_letters(self) -> list[Mutation]:
        with self.reading() as conn:
            rows = conn.execute(
                select(OUTBOX).where(OUTBOX.c.state == "dead").order_by(OUTBOX.c.seq)
            ).mappings()
            return [self._mutation(r) for r in rows]

    @staticmethod
    def _mutation(row: Any) -> Mutation:
        payload = row["payload"]
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
        )

    def outbox_counts(self) -> dict[str, int]:
        with self.reading() as conn:
            rows = conn.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state))
            counts = {"pending": 0, "dead": 0}
            counts.update({state: int(n) for state, n in rows})
            return counts

    # --- photos and logs ------------------------------------------------------------

    def put_photo(self, record_id: str, content: bytes, mime: str = "image/jpeg") -> str:
        photo_id = new_id()
        with self.transaction() as conn:
            conn.execute(
                insert(PHOTOS).values(id=photo_id, record_id=record_id, mime=mime, content=content)
            )
        return photo_id

    def get_photo(self, photo_id: str) -> tuple[bytes, str]:
        """The photo's bytes and type; NotFound also while it waits to be downloaded."""
        with self.reading() as conn:
            row = conn.execute(select(PHOTOS).where(PHOTOS.c.id == photo_id)).mappings().first()
        if row is None or row["content"] is None:
            raise NotFound("photo", photo_id)
        if not isinstance(row["content"], bytes):
            raise IntegrityError("photo", photo_id, "content")
        return row["content"], row["mime"]

    def photos_to_upload(self) -> list[tuple[str, str]]:
        """(photo id, record id) of the photos taken here that the server does not hold."""
        with self.reading() as conn:
            rows = conn.execute(
                select(PHOTOS.c.id, PHOTOS.c.record_id)
                .where(PHOTOS.c.uploaded.is_(False), HAS_CONTENT)
                .order_by(PHOTOS.c.id)
            )
            return [(r[0], r[1]) for r in rows]

    def mark_photo_uploaded(self, photo_id: str) -> None:
        with self.transaction() as conn:
            conn.execute(update(PHOTOS).where(PHOTOS.c.id == photo_id).values(uploaded=True))

    def photos_to_download(self, limit: int) -> list[str]:
        """Ids of photos that records here name and the device lacks (a few, in any order,
        so that one the server cannot give does not hold back the others)."""
        with self.reading() as conn:
            rows = conn.execute(
                select(PHOTOS.c.id).where(NO_CONTENT).order_by(func.random()).limit(limit)
            )
            return [r[0] for r in rows]

    def put_downloaded_photo(self, photo_id: str, content: bytes, mime: str) -> bool:
        """Fill in a photo waiting for download; False if it is no longer wanted (evicted)."""
        with self.transaction() as conn:
            done = conn.execute(
                update(PHOTOS)
                .where(PHOTOS.c.id == photo_id, NO_CONTENT)
                .values(content=content, mime=mime, uploaded=True)
            ).rowcount
        return bool(done)

    def photo_counts(self) -> dict[str, int]:
        """Photos waiting to go up (taken here) and to come down (named by records here)."""
        with self.reading() as conn:
            up = conn.execute(
                select(func.count())
                .select_from(PHOTOS)
                .where(PHOTOS.c.uploaded.is_(False), HAS_CONTENT)
            ).scalar_one()
            down = conn.execute(
                select(func.count()).select_from(PHOTOS).where(NO_CONTENT)
            ).scalar_one()
        return {"upload": int(up), "download": int(down)}

    def log_access(self, action: str, record_id: str = "") -> None:
        """A deliberate read of personal data (an ID number shown in full, an export)."""
        with self.transaction() as conn:
            conn.execute(
                insert(ACCESS).values(
                    id=new_id(),
                    action=action,
                    record_id=record_id,
                    worker_id=self.worker_id,
                    hlc=self.clock.now(),
                )
            )

    def access_log(self) -> list[dict[str, Any]]:
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(select(ACCESS).order_by(ACCESS.c.hlc)).mappings()]

    def share_log(self, person_id: str | None = None) -> list[dict[str, Any]]:
        """Every share made from this device, oldest first: each row's `details` is a
        `Disclosure` (person, recipient, purpose, data categories, day), sealed on disk."""
        query = select(SHARES).order_by(SHARES.c.hlc)
        if person_id is not None:
            query = query.where(SHARES.c.person_id == person_id)
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]
