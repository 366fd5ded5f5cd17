"""The audit log (审计日志): enrolments, exports, reads of personal data, admin actions,
and every share with a charity (`SHARED`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.domain.consent import disclosure
from sync.server.tables import AuditEntry

SHARED = "shared"  # a referral disclosed a person's data to a charity (GB/T 35273 §9.2)


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


def log_disclosure(
    session: Session,
    referral_id: str,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
    *,
    actor: str,
    device_id: str = "",
) -> None:
    """Log a referral that discloses to a charity, or discloses anew (another recipient,
    purpose or data categories than `before`): person, recipient, purpose, categories, day."""
    shared = disclosure(referral_id, after)
    if shared is None or (before is not None and shared == disclosure(referral_id, before)):
        return
    record(session, SHARED, actor=actor, device_id=device_id, **shared.to_json())
