"""The audit log (审计日志): enrolments, exports, reads of personal data, admin actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from sync.server.tables import AuditEntry


def record(
    session: Session, action: str, *, actor: str, device_id: str = "", **detail: Any
) -> None:
    """Add an entry to the log inside the caller's transaction."""
    session.add(
        AuditEntry(
            at=datetime.now(UTC), actor=actor, device_id=device_id, action=action, detail=detail
        )
    )


def entries(session: Session, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query))
