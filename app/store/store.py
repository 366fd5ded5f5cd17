"""The unlocked store of one worker sandbox: its engine, its clock and its units of work.

Every write goes through a unit of work (app/store/unit_of_work.py): one SQLite transaction
in which the repositories (app/store/repositories/) write records with their outbox
mutations, photos, settings and logs, kept together by `commit()` with the persisted HLC,
so a crash keeps all of it or none. Reads that meet a damaged value raise IntegrityError
naming the record; `load_all(..., skip_damaged=True)` reads the rest.

The read methods here are shorthands for a unit of work that only reads; the few write
methods (`add`, `add_many`, `update`, `set_meta`) are each a unit of work of their own, for
a caller that writes one thing alone. A use case that writes several things
together (a visit and its photo) opens one unit of work (app/services).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, select

from app.domain.clock import HybridClock
from app.domain.coverage import VisitFact
from app.domain.records import Record, Writer
from app.domain.staff import Staff
from app.store import facts
from app.store.columns import Codec, attach_codec
from app.store.errors import IntegrityError, Locked
from app.store.migrations import migrate
from app.store.records import mapping_for
from app.store.repositories.records import Mutation, Progress, check_size, writer_at
from app.store.repositories.settings import META
from app.store.unit_of_work import HLC_META, UnitOfWork

log = logging.getLogger("doorstep.store")

R = TypeVar("R", bound=Record)
T = TypeVar("T")

__all__ = [
    "Mutation",
    "Store",
    "UnitOfWork",
    "check_size",
    "open_engine",
]


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
            last = conn.execute(select(META.c.value).where(META.c.key == HLC_META)).scalar()
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
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction and its repositories: kept by `uow.commit()`, else dropped.
        After a commit that queued changes for sync, the `on_queued` listeners run."""
        if self.engine is None:
            raise Locked()
        with self.engine.connect() as conn:
            uow = UnitOfWork(self, conn, conn.begin())
            try:
                yield uow
            finally:
                if not uow.committed:
                    uow.rollback()
        if uow.committed and uow.records.queued:
            self._queued()

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

    def writer(self) -> Writer:
        """This device as the writer of new records: dated at the latest now, with the
        clock tolerance the server grants (app.domain.clock.MAX_DRIFT_MS)."""
        return writer_at(self.wall_ms())

    # --- settings -------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        with self.unit_of_work() as uow:
            return uow.settings.meta(key, default)

    def set_meta(self, key: str, value: str) -> None:
        with self.unit_of_work() as uow:
            uow.settings.set_meta(key, value)
            uow.commit()

    def secret(self, key: str) -> str | None:
        """A sealed credential (sync.client keeps the device's enrolment here)."""
        with self.unit_of_work() as uow:
            return uow.settings.secret(key)

    def staff(self) -> Staff:
        """The staff of the worker's scope as the server last sent them (none before)."""
        with self.unit_of_work() as uow:
            return uow.staff.get()

    # --- writes of records alone (a use case writes through a unit of work) ------------

    def add(self, record: R) -> R:
        """Insert a new record and queue its creation for sync, in a unit of work of its own."""
        return self.add_many([record])[0]  # type: ignore[return-value]

    def add_many(
        self, records: Iterable[Record], *, queue: bool = True, progress: Progress | None = None
    ) -> list[Record]:
        """Insert records in a unit of work of their own: all of them or none."""
        with self.unit_of_work() as uow:
            created = uow.records.add_many(records, queue=queue, progress=progress)
            uow.commit()
        return created

    def update(self, record: R) -> R:
        """Write the changed fields of `record` and queue them in a unit of work of its own;
        unchanged = no-op."""
        with self.unit_of_work() as uow:
            updated = uow.records.update(record)
            uow.commit()
        return updated

    # --- reads ----------------------------------------------------------------------

    def get(self, record_type: type[R], record_id: str) -> R:
        with self.unit_of_work() as uow:
            return uow.records.get(record_type, record_id)

    def exists(self, type_name: str, record_id: str) -> bool:
        with self.unit_of_work() as uow:
            return uow.records.exists(type_name, record_id)

    def existing_ids(self, type_name: str, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are stored already (one query per thousand ids)."""
        with self.unit_of_work() as uow:
            return uow.records.existing_ids(type_name, ids)

    def load_all(
        self,
        record_type: type[R],
        *,
        household_id: str | None = None,
        skip_damaged: bool = False,
        damaged: list[IntegrityError] | None = None,
    ) -> list[R]:
        """Every record of a type (or of one household); damaged ones raise or are skipped."""
        with self.unit_of_work() as uow:
            return uow.records.load_all(
                record_type, household_id=household_id, skip_damaged=skip_damaged, damaged=damaged
            )

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
        with self.unit_of_work() as uow:
            for row in uow.connection.execute(query).mappings():
                out = dict(row)
                for fieldname in sealed:
                    out[fieldname] = mapping.open_sealed(row, fieldname)
                yield out

    def summaries(self, kind: facts.Kind[T], damaged: list[str] | None = None) -> list[T]:
        """Every household, person or visit (`facts.HOUSEHOLDS` …) as a summary, without
        decrypting and validating each row: served from the kind's sealed snapshot plus the
        rows touched since (app/store/facts.py). Damaged rows are skipped and their ids
        appended to `damaged`."""
        with self.unit_of_work() as uow:
            now, self._snapshots[kind.type_name] = facts.current(
                uow.connection, kind, self._snapshots.get(kind.type_name)
            )
            uow.commit()
        if damaged is not None:
            damaged.extend(sorted(now.damaged))
        return list(now.items.values())

    def settle_summaries(self) -> None:
        """Write every summary snapshot as the rows are now (after bulk writes: an import,
        demo data, a sync from the command line), so the next unlock reads them at once."""
        for kind in facts.KINDS.values():
            with self.unit_of_work() as uow:
                _, self._snapshots[kind.type_name] = facts.current(
                    uow.connection, kind, self._snapshots.get(kind.type_name), settle=True
                )
                uow.commit()

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
        with self.unit_of_work() as uow:
            return uow.records.with_blind_index("id_number", id_number)

    def persons_with_phone(self, phone: str) -> list[str]:
        with self.unit_of_work() as uow:
            return uow.records.with_blind_index("phone", phone)

    def counts(self) -> dict[str, int]:
        with self.unit_of_work() as uow:
            return uow.records.counts()

    # --- outbox ---------------------------------------------------------------------

    def pending(self, limit: int = 500) -> list[Mutation]:
        with self.unit_of_work() as uow:
            return uow.records.pending(limit)

    def dead_letters(self) -> list[Mutation]:
        with self.unit_of_work() as uow:
            return uow.records.dead_letters()

    def outbox_counts(self) -> dict[str, int]:
        with self.unit_of_work() as uow:
            return uow.records.outbox_counts()

    # --- photos and logs ------------------------------------------------------------

    def get_photo(self, photo_id: str) -> tuple[bytes, str]:
        """The photo's bytes and type; NotFound also while it waits to be downloaded."""
        with self.unit_of_work() as uow:
            return uow.photos.get(photo_id)

    def photos_to_upload(self) -> list[tuple[str, str]]:
        """(photo id, record id) of the photos taken here that the server does not hold."""
        with self.unit_of_work() as uow:
            return uow.photos.to_upload()

    def photos_to_download(self, limit: int) -> list[str]:
        """Ids of photos that records here name and the device lacks (see PhotoRepository)."""
        with self.unit_of_work() as uow:
            return uow.photos.to_download(limit)

    def photo_counts(self) -> dict[str, int]:
        """Photos waiting to go up (taken here) and to come down (named by records here)."""
        with self.unit_of_work() as uow:
            return uow.photos.counts()

    def access_log(self) -> list[dict[str, Any]]:
        with self.unit_of_work() as uow:
            return uow.logs.access_log()

    def share_log(self, person_id: str | None = None) -> list[dict[str, Any]]:
        """Every share made from this device, oldest first (see LogRepository.share_log)."""
        with self.unit_of_work() as uow:
            return uow.logs.share_log(person_id)
