"""What the sync bar and the sync problems screen read and do: changes waiting, the last
sync, the enrolled server, refused changes and conflicts, and resolving them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.domain.records import Record
from app.store.repositories.records import Mutation
from app.store.store import Store

if TYPE_CHECKING:
    from sync.client import SyncClient


class SyncState:
    """The sync side of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._server_address: str | None = None  # read once: see `server_address`

    def client(self, server_url: str | None) -> SyncClient:
        """The sync client for this store (optionally at an overriding address); ImportError
        where this build has no sync client."""
        from sync.client import SyncClient

        return SyncClient(self._store, server_url)

    def on_queued(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every saved change queued for sync."""
        self._store.on_queued(listener)

    def outbox_counts(self) -> dict[str, int]:
        """Changes waiting to be pushed ("pending") and refused for good ("dead")."""
        with self._store.unit_of_work() as uow:
            return uow.records.outbox_counts()

    def last_sync(self) -> str:
        """When the last complete sync ended (ISO local time), "" if never."""
        with self._store.unit_of_work() as uow:
            return uow.sync_state.last_sync() or ""

    def server_address(self) -> str:
        """The address this device was enrolled with ("" for a standalone sandbox, or when
        it cannot be read). A store is enrolled once, before it is first opened
        (`sync.enrolment`), so the address is read (decrypted) once, not on every redraw of
        the sync bar; an address that could not be read is asked again next time."""
        if self._server_address is None:
            try:
                with self._store.unit_of_work() as uow:
                    enrolment = uow.sync_state.enrolment()
            except Exception:
                return ""
            self._server_address = enrolment.server_url if enrolment is not None else ""
        return self._server_address

    def dead_letters(self) -> list[Mutation]:
        with self._store.unit_of_work() as uow:
            return uow.records.dead_letters()

    def conflicts(self, state: str = "open") -> list[dict[str, Any]]:
        """Conflicts the server resolved against this device (``details``: field, kept,
        lost): those nobody has looked at, or those closed as `state` (kept_local,
        kept_server)."""
        with self._store.unit_of_work() as uow:
            return uow.replication.conflicts(state)

    def record(self, record_type: type[Record], record_id: str) -> Record:
        """The record as stored here; StoreError if it is not (or cannot be read)."""
        with self._store.unit_of_work() as uow:
            return uow.records.get(record_type, record_id)

    def resolve_conflict(self, conflict_id: str, *, keep_mine: bool) -> None:
        """Close a conflict: the server's value kept, or this device's put back (the
        caller has asked the server to revert first)."""
        with self._store.unit_of_work() as uow:
            uow.replication.close_conflict(conflict_id, keep_mine=keep_mine)
            uow.commit()

    def resolve_dead_letter(self, seq: int, *, retry: bool) -> None:
        """Drop a refused change (the server's copy stays), or queue it again as a new
        mutation (a new sequence number, so the server does not take it for a replay)."""
        with self._store.unit_of_work() as uow:
            uow.replication.drop_dead_letter(
                seq, requeue_hlc=self._store.clock.now() if retry else None
            )
            uow.commit()
