"""The device side of sync inside the store: pulled pages, push answers, eviction.

Each function is one SQLite transaction: a pulled page is written together with its
cursor, so an interrupted pull resumes at the last committed page; push answers clear
the outbox, send rejected mutations to the dead-letter list and restore the server's copy
of records whose change did not win. Rows with pending mutations keep the local overlay
(`sync.merge.overlay`) on top of what the server sent. A written record that names a
photo the device lacks queues that photo for download (an empty row in `photos`);
evicted records take their photos along.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, not_, or_, select, update

from app.domain.ids import new_id
from app.domain.records import RECORD_TYPES
from app.store.columns import Sealed
from app.store.records import MAPPINGS, TYPE_ORDER
from app.store.store import Mutation, Store
from app.store.tables import ConflictRow, MetaRow, OutboxRow, PhotoRow
from sync import merge
from sync.errors import MalformedAnswer
from sync.protocol import MutationAnswer, PullPage

OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
META = MetaRow.__table__  # type: ignore[attr-defined]
CONFLICTS = ConflictRow.__table__  # type: ignore[attr-defined]
PHOTOS = PhotoRow.__table__  # type: ignore[attr-defined]

CURSOR = "sync.cursor"
# The highest outbox seq the server has logged for this device (its push watermark).
WATERMARK = "sync.watermark"
SCOPE = "sync.scope"
BACKFILL = "sync.backfill"
# Set once the records held before photos synced have been searched for their photos.
PHOTOS_SCANNED = "sync.photos_scanned"  # also set by store migration V5 on an empty store

# The record fields that name a photo (visits, wishes; consent evidence; need fulfilment).
PHOTO_FIELDS = ("photo_id", "evidence_photo_id", "fulfilment_photo_id")


@dataclass
class PageResult:
    pulled: int = 0
    evicted: int = 0
    scope_changed: bool = False


@dataclass
class AnswerResult:
    pushed: int = 0
    conflicts: int = 0
    rejected: int = 0
    renumbered: int = 0  # pending mutations numbered again after the server's watermark


def _get_meta(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(META.c.value).where(META.c.key == key)).scalar()
    return None if value is None else str(value)


def _set_meta(conn: Connection, key: str, value: str | None) -> None:
    conn.execute(delete(META).where(META.c.key == key))
    if value is not None:
        conn.execute(insert(META).values(key=key, value=value))


@dataclass(frozen=True)
class SyncState:
    """Where the pull stands: the feed cursor, the scope of the last page, and any
    backfill in progress (``{"areas", "until", "cursor"}``)."""

    cursor: int
    scope: list[str]
    backfill: dict[str, Any] | None

    def after(self, cursor: int) -> SyncState:
        return SyncState(cursor, self.scope, self.backfill)


def sync_state(store: Store) -> SyncState:
    """Cursor, scope and any backfill in progress (plain meta, nothing personal)."""
    with store.reading() as conn:
        backfill = _get_meta(conn, BACKFILL)
        return SyncState(
            int(_get_meta(conn, CURSOR) or 0),
            json.loads(_get_meta(conn, SCOPE) or "[]"),
            json.loads(backfill) if backfill else None,
        )


def set_scope(store: Store, scope: list[str]) -> None:
    with store.transaction() as conn:
        _set_meta(conn, SCOPE, json.dumps(sorted(scope)))


def _pending_for(conn: Connection, record_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    ids = set(record_ids)
    if not ids:
        return {}
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


def _write_records(
    conn: Connection, store: Store, items: list[tuple[str, dict[str, Any], int]]
) -> int:
    """Upsert (type, record JSON, server seq) items, each under its pending overlay."""
    pending = _pending_for(conn, (data["id"] for _, data, _ in items))
    batch: dict[str, list[dict[str, Any]]] = {}
    codec = store.codec
    for type_name, data, server_seq in items:
        if data["id"] in pending:
            # The local overlay is what the person entered: it passes the domain rules again
            # (its input bounds were checked when it was queued; the server's values are stored).
            data = merge.overlay(data, pending[data["id"]])
            data = RECORD_TYPES[type_name].from_stored(data).model_dump(mode="json")
        else:
            # The server validated this record on the way in; the row is built as it came.
            data = dict(data)
        row = MAPPINGS[type_name].row_from_json(data, codec)
        row["server_seq"] = server_seq
        batch.setdefault(type_name, []).append(row)
    for type_name in TYPE_ORDER:
        rows = batch.get(type_name)
        if rows:
            _upsert_rows(conn, MAPPINGS[type_name].table, rows)
    _want_photos(conn, (data for _, data, _ in items))
    return len(items)


def _want_photos(conn: Connection, records: Iterable[dict[str, Any]]) -> None:
    """Queue for download the photos these records name that the device does not have."""
    wanted = [
        (photo_id, data["id"])
        for data in records
        for field in PHOTO_FIELDS
        if isinstance(photo_id := data.get(field), str) and photo_id
    ]
    if wanted:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO photos (id, record_id, mime, content, uploaded) "
            "VALUES (?, ?, '', NULL, 1)",
            wanted,
        )


def want_referenced_photos(store: Store) -> None:
    """Once per device: queue the photos named by records it received before photos
    synced (later records queue theirs as they are written)."""
    if store.meta(PHOTOS_SCANNED):
        return
    types = [
        name
        for name, cls in RECORD_TYPES.items()
        if name in MAPPINGS and set(PHOTO_FIELDS) & set(cls.model_fields)
    ]
    found: list[dict[str, Any]] = []
    for type_name in types:
        for row in store.iter_rows(type_name, ("id", "details")):
            details = row["details"]
            if isinstance(details, dict):
                found.append({"id": row["id"], **{f: details.get(f) for f in PHOTO_FIELDS}})
    with store.transaction() as conn:
        _want_photos(conn, found)
        _set_meta(conn, PHOTOS_SCANNED, "1")


def _evict_photos(conn: Connection, record_ids: list[str]) -> None:
    for start in range(0, len(record_ids), 1000):
        chunk = record_ids[start : start + 1000]
        conn.execute(delete(PHOTOS).where(PHOTOS.c.record_id.in_(chunk)))


def _upsert_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT OR REPLACE through the driver's executemany: a first sync writes tens of
    thousands of rows, and the statement layer would cost more than the encryption.
    Sealed columns are still sealed by their own column type."""
    columns = list(rows[0])
    binders = [
        table.c[name].type.process_bind_param if isinstance(table.c[name].type, Sealed) else None
        for name in columns
    ]
    dialect = conn.dialect
    sealed = [(i, bind) for i, bind in enumerate(binders) if bind is not None]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[name] for name in columns]
        for i, bind in sealed:
            values[i] = bind(values[i], dialect)
        params.append(tuple(values))
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT OR REPLACE INTO {table.name} ({names}) VALUES ({marks})", params)


def _delete_records(conn: Connection, items: Iterable[tuple[str, str]]) -> int:
    by_type: dict[str, list[str]] = {}
    for type_name, record_id in items:
        if type_name in MAPPINGS:
            by_type.setdefault(type_name, []).append(record_id)
    count = 0
    for type_name, ids in by_type.items():
        table = MAPPINGS[type_name].table
        count += conn.execute(delete(table).where(table.c.id.in_(ids))).rowcount or 0
    return count


def _evict_outside(conn: Connection, scope: list[str]) -> int:
    """Delete every record whose area is outside `scope` (its plaintext area code)."""
    count = 0
    for mapping in MAPPINGS.values():
        table = mapping.table
        keep = or_(*[table.c.area_code.like(f"{code}%") for code in scope]) if scope else None
        leaving = select(table.c.id) if keep is None else select(table.c.id).where(not_(keep))
        conn.execute(delete(PHOTOS).where(PHOTOS.c.record_id.in_(leaving)))
        query = delete(table) if keep is None else delete(table).where(not_(keep))
        count += conn.execute(query).rowcount or 0
    return count


def apply_page(store: Store, page: PullPage, *, backfill: bool = False) -> PageResult:
    """Write one pulled page and its cursor in one transaction.

    A page that reports a new scope first evicts what left it; areas that joined the
    scope are queued as a backfill (pulled from the start up to the old cursor).
    """
    result = PageResult()
    with store.transaction() as conn:
        scope = sorted(page.scope)
        if not backfill:
            stored = json.loads(_get_meta(conn, SCOPE) or "null")
            if stored is not None and stored != scope:
                result.scope_changed = True
                result.evicted += _evict_outside(conn, scope)
                old_cursor = int(_get_meta(conn, CURSOR) or 0)
                added = [c for c in scope if not any(c.startswith(o) for o in stored)]
                if added and old_cursor > 0:
                    _set_meta(
                        conn,
                        BACKFILL,
                        json.dumps({"areas": added, "until": old_cursor, "cursor": 0}),
                    )
            _set_meta(conn, SCOPE, json.dumps(scope))
        # Defence in depth: a record outside the scope the server itself announced is dropped.
        allowed: dict[str, bool] = {}
        items = []
        for change in page.changes:
            area = change.r.get("area_code")
            if not isinstance(area, str) or not isinstance(change.r.get("id"), str):
                raise MalformedAnswer()
            if area not in allowed:
                allowed[area] = any(area.startswith(code) for code in scope)
            if allowed[area] and change.t in RECORD_TYPES:
                items.append((change.t, change.r, change.s))
        result.pulled = _write_records(conn, store, items)
        result.evicted += _delete_records(conn, ((e.t, e.id) for e in page.evictions))
        _evict_photos(conn, [e.id for e in page.evictions])
        if backfill:
            state = json.loads(_get_meta(conn, BACKFILL) or "null")
            if state is not None:
                state["cursor"] = page.cursor
                _set_meta(conn, BACKFILL, None if not page.more else json.dumps(state))
        else:
            _set_meta(conn, CURSOR, str(page.cursor))
    return result


def apply_answers(
    store: Store, sent: list[Mutation], answers: list[MutationAnswer], watermark: int = 0
) -> AnswerResult:
    """Clear answered mutations, dead-letter rejections, keep conflicts, restore records.

    Answers ``renumber`` (the server logged other content under those seqs) leave their
    mutations pending, and every pending mutation is numbered again after `watermark`."""
    result = AnswerResult()
    by_seq = {m.seq: m for m in sent}
    restore: list[tuple[str, dict[str, Any], int]] = []
    drop: list[tuple[str, str]] = []
    renumber = False
    with store.transaction() as conn:
        for answer in answers:
            mutation = by_seq.get(answer.seq)
            if mutation is None:
                continue
            status = answer.status
            if status == "renumber":
                renumber = True
                continue
            if status == "rejected":
                conn.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.seq == mutation.seq)
                    .values(state="dead", reason=answer.reason or "服务器拒绝了此变更。")
                )
                result.rejected += 1
            else:
                conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == mutation.seq))
                result.pushed += 1
            for conflict in answer.conflicts:
                result.conflicts += 1
                conn.execute(
                    insert(CONFLICTS)
                    .values(
                        id=conflict.id or new_id(),
                        record_type=mutation.record_type,
                        record_id=mutation.record_id,
                        state="open",
                        hlc=conflict.kept_hlc,
                        details=conflict.model_dump(),
                    )
                    .prefix_with("OR REPLACE")
                )
            if answer.record is not None:
                restore.append((mutation.record_type, answer.record, answer.server_seq))
            elif status == "rejected":
                drop.append((mutation.record_type, mutation.record_id))
        if restore:
            _write_records(conn, store, restore)
        if drop:
            _delete_records(conn, drop)
        _set_meta(conn, WATERMARK, str(watermark))
        if renumber:
            result.renumbered = _renumber_pending(conn, watermark)
    return result


def _renumber_pending(conn: Connection, watermark: int) -> int:
    """Give the pending mutations new seqs after `watermark` and every seq this outbox
    has used, in their order, and make later mutations number on from there."""
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


def local_conflicts(store: Store, state: str = "open") -> list[dict[str, Any]]:
    """Conflicts the server reported on this device's changes (field, kept, lost)."""
    with store.reading() as conn:
        rows = conn.execute(
            select(CONFLICTS).where(CONFLICTS.c.state == state).order_by(CONFLICTS.c.hlc)
        ).mappings()
        return [dict(r) for r in rows]


def resolve_conflict(store: Store, conflict_id: str, *, keep_mine: bool) -> None:
    """Close a conflict a coordinator has decided: the server's value kept, or this
    device's value restored (the caller has asked the server to revert first)."""
    with store.transaction() as conn:
        conn.execute(
            update(CONFLICTS)
            .where(CONFLICTS.c.id == conflict_id, CONFLICTS.c.state == "open")
            .values(state="kept_local" if keep_mine else "kept_server")
        )


def resolve_dead_letter(store: Store, seq: int, *, retry: bool) -> None:
    """A rejected change: drop it (the server's copy stays), or queue it again as a new
    mutation (a new sequence number, so the server does not take it for a replay)."""
    with store.transaction() as conn:
        row = (
            conn.execute(select(OUTBOX).where(OUTBOX.c.seq == seq, OUTBOX.c.state == "dead"))
            .mappings()
            .first()
        )
        if row is None:
            return
        conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == seq))
        if retry:
            conn.execute(
                insert(OUTBOX).values(
                    mutation_id=new_id(),
                    record_type=row["record_type"],
                    record_id=row["record_id"],
                    kind=row["kind"],
                    kind_version=row["kind_version"],
                    base_seq=row["base_seq"],
                    hlc=store.clock.now(),
                    state="pending",
                    payload=row["payload"],
                )
            )
