"""Mutations queued the way a tampered app would queue them: straight into the outbox,
past the device store's checks, so that what refuses them is the server's own check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from app.domain.ids import new_id
from app.store.repositories.records import OUTBOX
from app.store.store import Store


def forge(
    store: Store,
    record_type: str,
    record_id: str,
    kind: str,
    payload: dict[str, Any],
    base_seq: int = 0,
) -> None:
    """Queue one mutation as it stands, stamped by the device's clock."""
    with store.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(
            insert(OUTBOX).values(
                mutation_id=new_id(),
                record_type=record_type,
                record_id=record_id,
                kind=kind,
                kind_version=1,
                base_seq=base_seq,
                hlc=store.clock.now(),
                state="pending",
                payload=payload,
            )
        )
        uow.commit()
