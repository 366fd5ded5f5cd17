"""Drafts (草稿) of the forms being filled in: kept, resumed and thrown away."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.store.repositories.drafts import Draft
from app.store.store import Store


class Drafts:
    """The kept drafts of one unlocked store (app/store/repositories/drafts.py)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def keep(self, form: str, household_id: str, content: dict[str, Any], now: datetime) -> None:
        """Write (or overwrite) the draft of `form` for the household."""
        with self._store.unit_of_work() as uow:
            uow.drafts.keep(form, household_id, content, now)
            uow.commit()

    def find(self, form: str, household_id: str) -> Draft | None:
        """The kept draft of `form` for the household, if any."""
        with self._store.unit_of_work() as uow:
            return uow.drafts.find(form, household_id)

    def every(self) -> list[Draft]:
        """Every kept draft, the most recent first."""
        with self._store.unit_of_work() as uow:
            return uow.drafts.every()

    def discard(self, form: str, household_id: str) -> None:
        with self._store.unit_of_work() as uow:
            uow.drafts.discard(form, household_id)
            uow.commit()
