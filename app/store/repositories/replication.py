"""The store's side of replication: the SQL that writes pulled records, answers pushes,
evicts what left the scope and keeps the conflicts and dead letters.

What to write is decided in sync/replica.py (the device half of sync, with the merge
rules); this repository runs it in the unit of work it belongs to. A written record that
names a photo the device lacks queues that photo for download (an empty row in
`photos`); evicted records take their photos along.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, not_, or_, select, update

from app.domain.campaigns import township_lists_of
from app.domain.ids import new_id
from app.domain.records import PHOTO_FIELDS, RECORD_TYPES
from app.store.columns import Sealed
from app.store.records import MAPPINGS, TYPE_ORDER
from app.store.repositories.context import StoreContext
from app.store.tables import ConflictRow, OutboxRow, PhotoRow

OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
CONFLICTS = ConflictRow.__table__  # type: ignore[attr-defined]
PHOTOS = PhotoRow.__table__  # type: ignore[attr-defined]

# The record types that can name a photo.
PHOTO_RECORD_TYPES = tuple(
    name for name, cls in RECORD_TYPES.items() if set(PHOTO_FIELDS) & set(cls.model_fields)
)

# A pulled record as written: (record type, its JSON, the server's sequence).
Pulled = tuple[str, dict[str, Any], int]


class ReplicationRepository:
    """Replication's reads and writes on one unit of work's connection."""

    def __init__(self, conn: Connection, store: StoreContext) -> None:
        self._conn = conn
        self._store = store

    # --- pulled records ---

    def pending_for(self, record_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The pending mutations (kind, hlc, payload) of those of `record_ids` that have
        any, in outbox order."""
        ids = set(record_ids)
        if not ids:
            return {}
        conn = self._conn
        pending_ids = {
            r[0]
            for r in conn.execute(select(OUTBOX.c.record_id).where(OUTBOX.c.state == "pending"))
            if r[0] in ids
        }
        out: dict[str, list[dict[str, Any]]] = {}
        if not pending_ids:
            return out
        rows = conn.execute(
            select(OUTBOX)
            .where(OUTBOX.c.state == "pending", OUTBOX.c.record_id.in_(sorted(pending_ids)))
            .order_by(OUTBOX.c.seq)
        ).mappings()
        for row in rows:
            out.setdefault(row["record_id"], []).append(
                {"kind": row["kind"], "hlc": row["hlc"], "payload": row["payload"]}
            )
        return out

    def write_pulled(self, items: list[Pulled]) -> int:
        """Upsert records as the server holds them (each dict is consumed), parents
        first, and queue the photos they name."""
        codec = self._store.codec
        batch: dict[str, list[dict[str, Any]]] = {}
        wanted: list[tuple[str, str]] = []
        for type_name, data, server_seq in items:
            wanted.extend(_photos_named(data))
            row = MAPPINGS[type_name].row_from_json(data, codec)
            row["server_seq"] = server_seq
            batch.setdefault(type_name, []).append(row)
        for type_name in TYPE_ORDER:
            rows = batch.get(type_name)
            if rows:
                self._upsert_rows(MAPPINGS[type_name].table, rows)
        self._want_photos(wanted)
        return len(items)

    def _upsert_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """INSERT OR REPLACE through the driver's executemany: a first sync writes tens of
        thousands of rows, and the statement layer would cost more than the encryption.
        Sealed columns are still sealed by their own column type."""
        columns = list(rows[0])
        binders = [
            table.c[name].type.process_bind_param
            if isinstance(table.c[name].type, Sealed)
            else None
            for name in columns
        ]
        dialect = self._conn.dialect
        sealed = [(i, bind) for i, bind in enumerate(binders) if bind is not None]
        params: list[tuple[Any, ...]] = []
        for row in rows:
            values = [row[name] for name in columns]
            for i, bind in sealed:
                values[i] = bind(values[i], dialect)
            params.append(tuple(values))
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        self._conn.exec_driver_sql(
            f"INSERT OR REPLACE INTO {table.name} ({names}) VALUES ({marks})", params
        )

    def delete_records(self, items: Iterable[tuple[str, str]]) -> int:
        """Delete these (type, id) records; unknown types are ignored."""
        by_type: dict[str, list[str]] = {}
        for type_name, record_id in items:
            if type_name in MAPPINGS:
                by_type.setdefault(type_name, []).append(record_id)
        count = 0
        for type_name, ids in by_type.items():
            table = MAPPINGS[type_name].table
            count += self._conn.execute(delete(table).where(table.c.id.in_(ids))).rowcount or 0
        return count

    def evict_outside(self, scope: list[str]) -> int:
        """Delete every record whose area is outside `scope` (its plaintext area code)."""
        count = 0
        townships = township_lists_of(scope)
        for mapping in MAPPINGS.values():
            table = mapping.table
            kept = [table.c.area_code.like(f"{code}%") for code in scope]
            if mapping.type_name == "campaign" and townships:
                kept.append(table.c.area_code.in_(townships))  # `campaigns.visible_in`
            keep = or_(*kept) if scope else None
            leaving = select(table.c.id) if keep is None else select(table.c.id).where(not_(keep))
            self._conn.execute(delete(PHOTOS).where(PHOTOS.c.record_id.in_(leaving)))
            query = delete(table) if keep is None else delete(table).where(not_(keep))
            count += self._conn.execute(query).rowcount or 0
        return count

    # --- photos named by records ---

    def want_photos(self, records: Iterable[dict[str, Any]]) -> None:
        """Queue for download the photos these records name that the device lacks."""
        self._want_photos([p for data in records for p in _photos_named(data)])

    def _want_photos(self, wanted: list[tuple[str, str]]) -> None:
        """New photos queue down; an archived one named again goes back in the queue (up
        if its bytes are here: the server answers an upload it holds with 200 again)."""
        if wanted:
            self._conn.exec_driver_sql(
                "INSERT OR IGNORE INTO photos (id, record_id, mime, content, state) "
                "VALUES (?, ?, '', NULL, 'queued_down')",
                wanted,
            )
            self._conn.exec_driver_sql(
                "UPDATE photos SET state = CASE WHEN content IS NULL THEN 'queued_down'"
                " ELSE 'queued_up' END WHERE id = ? AND state = 'archived'",
                [(photo_id,) for photo_id, _ in wanted],
            )

    def unnamed_photos(self) -> list[str]:
        """Photos in the queue that no record here names any more: the record they belong
        to is gone (refused and dropped) or names another photo now. A record whose value
        fails to open keeps its photo."""
        photos = self._conn.execute(
            select(PHOTOS.c.id, PHOTOS.c.record_id).where(PHOTOS.c.state != "archived")
        ).all()
        owners: dict[str, set[str]] = {}
        for photo_id, record_id in photos:
            owners.setdefault(record_id, set()).add(photo_id)
        named: set[str] = set()
        record_ids = sorted(owners)
        for type_name in PHOTO_RECORD_TYPES:
            table = MAPPINGS[type_name].table
            for start in range(0, len(record_ids), 1000):
                chunk = record_ids[start : start + 1000]
                rows = self._conn.execute(
                    select(table.c.id, table.c.details).where(table.c.id.in_(chunk))
                )
                for record_id, details in rows:
                    if not isinstance(details, dict):
                        named |= owners[record_id]
                        continue
                    named |= {str(details.get(f)) for f in PHOTO_FIELDS} & owners[record_id]
        return sorted(photo_id for photo_id, _ in photos if photo_id not in named)

    def drop_photos(self, record_ids: list[str]) -> None:
        """Delete the photos of these records (evicted from the device)."""
        for start in range(0, len(record_ids), 1000):
            chunk = record_ids[start : start + 1000]
            self._conn.execute(delete(PHOTOS).where(PHOTOS.c.record_id.in_(chunk)))

    # --- push answers ---

    def sent(self, seq: int) -> None:
        """The server has this mutation: it leaves the outbox."""
        self._conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == seq))

    def dead_letter(
        self, seq: int, reason: str, code: str = "", params: dict[str, Any] | None = None
    ) -> None:
        """The server rejected this mutation: it waits in the dead-letter list with the
        server's sentence and, from a server that sends them, its code and parameters."""
        refusal = {"code": code, "params": params or {}} if code else None
        self._conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.seq == seq)
            .values(state="dead", reason=reason, refusal=refusal)
        )

    def add_conflict(
        self, record_type: str, record_id: str, details: dict[str, Any], hlc: str
    ) -> None:
        """A concurrent edit the server overwrote (`details`: field, kept, lost, stamps)."""
        self._conn.execute(
            insert(CONFLICTS)
            .values(
                id=details.get("id") or new_id(),
                record_type=record_type,
                record_id=record_id,
                state="open",
                hlc=hlc,
                details=details,
            )
            .prefix_with("OR REPLACE")
        )

    def renumber_pending(self, watermark: int) -> int:
        """Give the pending mutations new seqs after `watermark` and every seq this outbox
        has used, in their order, and make later mutations number on from there."""
        conn = self._conn
        used = conn.exec_driver_sql(
            "SELECT max(coalesce((SELECT max(seq) FROM outbox), 0),"
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0))"
        ).scalar_one()
        base = max(watermark, int(used))
        pending = conn.execute(
            select(OUTBOX.c.seq).where(OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq)
        ).scalars()
        moves = [(base + n, seq) for n, seq in enumerate(pending, start=1)]
        if moves:
            conn.exec_driver_sql("UPDATE outbox SET seq = ? WHERE seq = ?", moves)
            conn.exec_driver_sql(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox'", (base + len(moves),)
            )
        return len(moves)

    # --- what a coordinator reviews ---

    def conflicts(self, state: str = "open") -> list[dict[str, Any]]:
        """Conflicts the server reported on this device's changes (field, kept, lost)."""
        rows = self._conn.execute(
            select(CONFLICTS).where(CONFLICTS.c.state == state).order_by(CONFLICTS.c.hlc)
        ).mappings()
        return [dict(r) for r in rows]

    def close_conflict(self, conflict_id: str, *, keep_mine: bool) -> None:
        """A decided conflict: the server's value kept, or this device's restored."""
        self._conn.execute(
            update(CONFLICTS)
            .where(CONFLICTS.c.id == conflict_id, CONFLICTS.c.state == "open")
            .values(state="kept_local" if keep_mine else "kept_server")
        )

    def drop_dead_letter(self, seq: int, *, requeue_hlc: str | None) -> None:
        """A rejected change: dropped (the server's copy stays), or, with `requeue_hlc`,
        queued again as a new mutation (a new seq, so the server takes it for no replay)."""
        row = (
            self._conn.execute(select(OUTBOX).where(OUTBOX.c.seq == seq, OUTBOX.c.state == "dead"))
            .mappings()
            .first()
        )
        if row is None:
            return
        self._conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == seq))
        if requeue_hlc is not None:
            self._conn.execute(
                insert(OUTBOX).values(
                    mutation_id=new_id(),
                    record_type=row["record_type"],
                    record_id=row["record_id"],
                    kind=row["kind"],
                    kind_version=row["kind_version"],
                    base_seq=row["base_seq"],
                    hlc=requeue_hlc,
                    state="pending",
                    payload=row["payload"],
                )
            )


def _photos_named(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (photo_id, data["id"])
        for field in PHOTO_FIELDS
        if isinstance(photo_id := data.get(field), str) and photo_id
    ]
