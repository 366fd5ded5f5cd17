"""Drafts (草稿): forms being filled in, kept sealed in the store across a lock or restart.

A draft is what the form holds, as JSON, under a key naming the form and its household.
It is personal data like any other value, so it is sealed; it never reaches the outbox
and is deleted when the form is saved (in the unit of work that saves it) or discarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from app.store.columns import Damaged
from app.store.errors import IntegrityError
from app.store.tables import DraftRow

DRAFTS = DraftRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Draft:
    """One kept form: which form, whose household, when it was last changed, its fields."""

    key: str
    form: str
    household_id: str
    saved_at: datetime
    content: dict[str, Any]


def draft_key(form: str, household_id: str) -> str:
    return f"{form}:{household_id}"


class DraftRepository:
    """The kept drafts, by form and household."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def keep(self, form: str, household_id: str, content: dict[str, Any], now: datetime) -> None:
        """Write (or overwrite) the draft of `form` for the household, sealed."""
        key = draft_key(form, household_id)
        row = {
            "key": key,
            "household_id": household_id,
            "form": form,
            "saved_at": now.isoformat(timespec="seconds"),
            "content": {"household_id": household_id, "fields": content},
        }
        self._conn.execute(delete(DRAFTS).where(DRAFTS.c.key == key))
        self._conn.execute(insert(DRAFTS).values(**row))

    def find(self, form: str, household_id: str) -> Draft | None:
        """The kept draft of `form` for the household, if any."""
        key = draft_key(form, household_id)
        row = self._conn.execute(select(DRAFTS).where(DRAFTS.c.key == key)).mappings().first()
        return None if row is None else _draft(row)

    def every(self) -> list[Draft]:
        """Every kept draft, the most recent first."""
        query = select(DRAFTS).order_by(DRAFTS.c.saved_at.desc())
        return [_draft(row) for row in self._conn.execute(query).mappings().all()]

    def discard(self, form: str, household_id: str) -> None:
        key = draft_key(form, household_id)
        self._conn.execute(delete(DRAFTS).where(DRAFTS.c.key == key))


def _draft(row: Any) -> Draft:
    content = row["content"]
    # The sealed value names its household: a value moved to another row fails here.
    if (
        isinstance(content, Damaged)
        or not isinstance(content, dict)
        or content.get("household_id") != row["household_id"]
        or not isinstance(content.get("fields"), dict)
    ):
        raise IntegrityError("drafts", row["key"], "content")
    return Draft(
        key=row["key"],
        form=row["form"],
        household_id=row["household_id"],
        saved_at=datetime.fromisoformat(row["saved_at"]),
        content=content["fields"],
    )
