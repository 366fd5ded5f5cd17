"""The staff of the worker's scope (app.domain.staff), sealed among the secrets: the server
sends them at enrolment and after a pull when they changed. Staff names are personal, so
they are not in the plaintext meta."""

from __future__ import annotations

import json

from app.domain.staff import Staff
from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository

STAFF_SECRET = "reports.staff"  # sealed secret key: JSON list of the staff


class StaffRepository:
    """The staff as the server last sent them."""

    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    def get(self) -> Staff:
        """The staff (none before the server sent any); IntegrityError if unreadable."""
        value = self._settings.secret(STAFF_SECRET)
        if not value:
            return Staff()
        try:
            return Staff.from_json(json.loads(value))
        except (ValueError, TypeError, KeyError):
            raise IntegrityError("secrets", STAFF_SECRET, "value") from None

    def put(self, staff: Staff) -> None:
        self._settings.set_secrets({STAFF_SECRET: json.dumps(staff.to_json(), ensure_ascii=False)})
