"""The device half of sync: what a pulled page and a push answer change on the device.

Each function is one unit of work on the store (app/store/unit_of_work.py); the SQL is
the store's (`uow.replication`, `uow.sync_state`), the decisions are here. A pulled page
is written together with its cursor, so an interrupted pull resumes at the last committed
page; a page that reports a new scope first evicts what left it and queues the areas that
joined it as a backfill. Rows with pending mutations keep the local overlay
(`sync.merge.overlay`) on top of what the server sent. Push answers clear the outbox,
send rejected mutations to the dead-letter list with the server's copy of the record,
keep conflicts for a coordinator, and renumber the pending mutations when the server
says their seqs were used for other changes (a copied store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.domain.campaigns import visible_in
from app.domain.records import PHOTO_FIELDS, RECORD_TYPES, Campaign
from app.store.records import MAPPINGS
from app.store.repositories.replication import Pulled, ReplicationRepository
from app.store.repositories.sync_state import Backfill, PullState
from app.store.store import Mutation, Store
from sync import merge
from sync.errors import MalformedAnswer
from sync.protocol import MutationAnswer, PullPage

REJECTED = "服务器拒绝了此变更。"


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


def pull_state(store: Store) -> PullState:
    """Cursor, scope and any backfill in progress."""
    with store.unit_of_work() as uow:
        return uow.sync_state.pull_state()


def _write(replication: ReplicationRepository, items: Iterable[Pulled]) -> int:
    """Write records as the server sent them, each under its pending overlay: the local
    overlay is what the person entered, so it passes the domain rules again (its input
    bounds were checked when it was queued; the server's values are stored as they are)."""
    items = list(items)
    pending = replication.pending_for(data["id"] for _, data, _ in items)
    written: list[Pulled] = []
    for type_name, data, server_seq in items:
        if data["id"] in pending:
            data = merge.overlay(data, pending[data["id"]])
            data = RECORD_TYPES[type_name].from_stored(data).model_dump(mode="json")
        else:
            data = dict(data)
        written.append((type_name, data, server_seq))
    return replication.write_pulled(written)


def _in_scope(page: PullPage, scope: list[str]) -> list[Pulled]:
    """The page's records whose area lies in `scope` (defence in depth: the server sends
    no other), of the types this device keeps; a festival list of a township reaches the
    devices of its villages too (`app.domain.campaigns.visible_in`)."""
    allowed: dict[str, bool] = {}
    items: list[Pulled] = []
    for change in page.changes:
        area = change.r.get("area_code")
        if not isinstance(area, str) or not isinstance(change.r.get("id"), str):
            raise MalformedAnswer()
        if area not in allowed:
            allowed[area] = any(area.startswith(code) for code in scope)
        if change.t == Campaign.type_name:
            if visible_in(area, scope):
                items.append((change.t, change.r, change.s))
        elif allowed[area] and change.t in RECORD_TYPES:
            items.append((change.t, change.r, change.s))
    return items


def apply_page(store: Store, page: PullPage, *, backfill: bool = False) -> PageResult:
    """Write one pulled page and its cursor in one unit of work."""
    result = PageResult()
    scope = sorted(page.scope)
    with store.unit_of_work() as uow:
        replication, state = uow.replication, uow.sync_state
        before = state.pull_state()
        if not backfill:
            if before.scope is not None and list(before.scope) != scope:
                result.scope_changed = True
                result.evicted += replication.evict_outside(scope)
                added = [c for c in scope if not any(c.startswith(o) for o in before.scope)]
                if added and before.cursor > 0:
                    state.set_backfill(Backfill(tuple(added), until=before.cursor))
            state.set_scope(scope)
        result.pulled = _write(replication, _in_scope(page, scope))
        result.evicted += replication.delete_records((e.t, e.id) for e in page.evictions)
        replication.drop_photos([e.id for e in page.evictions])
        if backfill:
            running = state.pull_state().backfill
            if running is not None:
                state.set_backfill(
                    Backfill(running.areas, running.until, page.cursor) if page.more else None
                )
        else:
            state.set_cursor(page.cursor)
        uow.commit()
    return result


def apply_answers(
    store: Store, sent: list[Mutation], answers: list[MutationAnswer], watermark: int = 0
) -> AnswerResult:
    """Clear answered mutations, dead-letter rejections, keep conflicts, restore records.

    Answers ``renumber`` (the server logged other content under those seqs) leave their
    mutations pending, and every pending mutation is numbered again after `watermark`."""
    result = AnswerResult()
    by_seq = {m.seq: m for m in sent}
    restore: list[Pulled] = []
    drop: list[tuple[str, str]] = []
    renumber = False
    with store.unit_of_work() as uow:
        replication = uow.replication
        for answer in answers:
            mutation = by_seq.get(answer.seq)
            if mutation is None:
                continue
            if answer.status == "renumber":
                renumber = True
                continue
            if answer.status == "rejected":
                replication.dead_letter(
                    mutation.seq, answer.reason or REJECTED, answer.code, answer.params
                )
                result.rejected += 1
            else:
                replication.sent(mutation.seq)
                result.pushed += 1
            for conflict in answer.conflicts:
                result.conflicts += 1
                replication.add_conflict(
                    mutation.record_type,
                    mutation.record_id,
                    conflict.model_dump(),
                    conflict.kept_hlc,
                )
            if answer.record is not None:
                restore.append((mutation.record_type, answer.record, answer.server_seq))
            elif answer.status == "rejected":
                drop.append((mutation.record_type, mutation.record_id))
        if restore:
            _write(replication, restore)
        if drop:
            replication.delete_records(drop)
        uow.sync_state.set_watermark(watermark)
        if renumber:
            result.renumbered = replication.renumber_pending(watermark)
        uow.commit()
    return result


def want_referenced_photos(store: Store) -> None:
    """Once per device: queue the photos named by records it received before photos
    synced (later records queue theirs as they are written)."""
    with store.unit_of_work() as uow:
        if uow.sync_state.photos_scanned():
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
    with store.unit_of_work() as uow:
        uow.replication.want_photos(found)
        uow.sync_state.mark_photos_scanned()
        uow.commit()
