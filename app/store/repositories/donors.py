"""The donors of the claimed wishes in a coordinator's scope (`app.domain.wishes.DonorContact`),
sealed among the secrets: the server sends them to coordinators' devices at every sync, and
the list received replaces the one held (a released or fulfilled wish's donor leaves it)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from app.domain.wishes import DonorContact
from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository

DONORS_SECRET = "wishes.donors"  # sealed secret key: JSON list of the donor contacts


class DonorRepository:
    """The donor contacts as the server last sent them, by wish id."""

    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    def get(self) -> dict[str, DonorContact]:
        """Wish id -> its donor (none before the server sent any); IntegrityError if
        unreadable."""
        value = self._settings.secret(DONORS_SECRET)
        if not value:
            return {}
        try:
            donors = [DonorContact.from_json(d) for d in json.loads(value)]
        except (ValueError, TypeError, KeyError):
            raise IntegrityError("secrets", DONORS_SECRET, "value") from None
        return {d.wish_id: d for d in donors}

    def put(self, donors: Iterable[DonorContact]) -> None:
        """Keep `donors` in place of the ones held."""
        text = json.dumps([d.to_json() for d in donors], ensure_ascii=False)
        self._settings.set_secrets({DONORS_SECRET: text})
