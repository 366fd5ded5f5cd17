"""The staff of the worker's scope (app.domain.staff), sealed among the secrets: the server
sends them at enrolment and after a pull when they changed, with a digest the device sends
back so the server resends them only when they differ. Staff names are personal, so they
are not in the plaintext meta (the digest is)."""

from __future__ import annotations

import json

from app.domain.staff import Staff
from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository

STAFF_SECRET = "reports.staff"  # sealed secret key: JSON list of the staff
DIGEST_META = "staff_digest"  # meta key: the digest of the staff last received


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

    def digest(self) -> str:
        """The digest the server sent with the staff last kept ("" if none)."""
        return self._settings.meta(DIGEST_META) or ""

    def put(self, staff: Staff, digest: str | None = None) -> None:
        """Keep the staff and, when given, the digest the server sent with them (in the
        same unit of work, so the two never disagree)."""
        self._settings.set_secrets({STAFF_SECRET: json.dumps(staff.to_json(), ensure_ascii=False)})
        if digest is not None:
            self._settings.set_meta(DIGEST_META, digest)
