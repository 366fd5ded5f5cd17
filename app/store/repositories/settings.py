"""Settings of the sandbox: the plaintext meta (sync cursor, last sync, area names) and the
sealed secrets (enrolment, the worker's name, the staff)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from app.store.errors import IntegrityError
from app.store.tables import MetaRow, SecretRow

META = MetaRow.__table__  # type: ignore[attr-defined]
SECRETS = SecretRow.__table__  # type: ignore[attr-defined]


class SettingsRepository:
    """Meta values (plaintext, not personal) and secrets (sealed) by key."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def meta(self, key: str, default: str | None = None) -> str | None:
        value = self._conn.execute(select(META.c.value).where(META.c.key == key)).scalar()
        return default if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(delete(META).where(META.c.key == key))
        self._conn.execute(insert(META).values(key=key, value=value))

    def delete_meta(self, key: str) -> None:
        self._conn.execute(delete(META).where(META.c.key == key))

    def secret(self, key: str) -> str | None:
        """A sealed value; IntegrityError when it does not open as text."""
        value = self._conn.execute(select(SECRETS.c.value).where(SECRETS.c.key == key)).scalar()
        if value is not None and not isinstance(value, str):
            raise IntegrityError("secrets", key, "value")
        return value

    def set_secrets(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._conn.execute(delete(SECRETS).where(SECRETS.c.key == key))
            self._conn.execute(insert(SECRETS).values(key=key, value=value))
