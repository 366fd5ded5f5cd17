"""The sealed logs: deliberate reads of personal data (access log) and every share with a
charity made from this device (share log, written with the referral that discloses)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from app.domain.consent import disclosure
from app.domain.ids import new_id
from app.domain.records import Record
from app.store.repositories.context import StoreContext
from app.store.tables import AccessLogRow, ShareLogRow

SHARES = ShareLogRow.__table__  # type: ignore[attr-defined]
ACCESS = AccessLogRow.__table__  # type: ignore[attr-defined]


class LogRepository:
    """The access log and the share log."""

    def __init__(self, conn: Connection, store: StoreContext) -> None:
        self._conn = conn
        self._store = store

    def log_access(self, action: str, record_id: str = "") -> None:
        """A deliberate read of personal data (an ID number shown in full, an export), by
        this worker, now."""
        self._conn.execute(
            insert(ACCESS).values(
                id=new_id(),
                action=action,
                record_id=record_id,
                worker_id=self._store.worker_id,
                hlc=self._store.clock.now(),
            )
        )

    def access_log(self) -> list[dict[str, Any]]:
        return [
            dict(r) for r in self._conn.execute(select(ACCESS).order_by(ACCESS.c.hlc)).mappings()
        ]

    def log_disclosure(self, record: Record, before: dict[str, Any] | None) -> None:
        """A referral that discloses to a charity, or discloses anew (another recipient,
        purpose or categories) than `before`, goes to the share log."""
        if record.type_name != "referral":
            return
        shared = disclosure(record.id, record.content())
        if shared is None or (before is not None and shared == disclosure(record.id, before)):
            return
        self._conn.execute(
            insert(SHARES).values(
                id=new_id(),
                person_id=shared.person_id,
                hlc=record.updated_hlc,
                details=shared.to_json(),
            )
        )

    def share_log(self, person_id: str | None = None) -> list[dict[str, Any]]:
        """Every share made from this device, oldest first: each row's `details` is a
        `Disclosure` (person, recipient, purpose, data categories, day), sealed on disk."""
        query = select(SHARES).order_by(SHARES.c.hlc)
        if person_id is not None:
            query = query.where(SHARES.c.person_id == person_id)
        return [dict(r) for r in self._conn.execute(query).mappings()]
