"""What sync keeps in the store, typed: the device's enrolment (sealed), where the pull
stands, the push watermark, whether older records were searched for their photos, when
the last sync completed, and the names of the areas the county sent at enrolment.

The keys below are this module's alone; sync (sync/) and the UI read and write these
values through `SyncStateRepository` (``uow.sync_state``), never by key.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository

SIGNING_KEY = "sync.signing_key"  # sealed: the device's Ed25519 private key, base64
SERVER_URL = "sync.server_url"  # sealed
CERT_PEM = "sync.cert_pem"  # sealed: the pinned certificate, when the QR code named one
WORKER = "sync.worker"  # sealed: the worker as the server enrolled them (JSON)
CURSOR = "sync.cursor"
WATERMARK = "sync.watermark"  # the highest outbox seq the server has logged for this device
SCOPE = "sync.scope"
BACKFILL = "sync.backfill"
# Set once the records held before photos synced have been searched for their photos
# (also by store migration V5 on an empty store).
PHOTOS_SCANNED = "sync.photos_scanned"
LAST_SYNC = "last_sync_at"  # local time (ISO) of the last sync whose push and pull completed
AREA_NAMES = "area_names"  # JSON map of area code -> name (names are not personal)


@dataclass(frozen=True)
class EnrolledWorker:
    """The worker this sandbox was enrolled for, as the server described them."""

    id: str
    name: str = ""
    role: str = ""
    team: str = ""
    areas: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EnrolledWorker:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            role=str(data.get("role") or ""),
            team=str(data.get("team") or ""),
            areas=tuple(str(a) for a in data.get("areas") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "team": self.team,
            "areas": list(self.areas),
        }


@dataclass(frozen=True)
class Enrolment:
    """The device's credentials with the county server (sealed in the store)."""

    signing_key: bytes  # Ed25519, raw private bytes
    server_url: str
    worker: EnrolledWorker
    cert_pem: str | None = None


@dataclass(frozen=True)
class Backfill:
    """Areas that joined the scope, pulled from the feed's start up to `until`."""

    areas: tuple[str, ...]
    until: int
    cursor: int = 0


@dataclass(frozen=True)
class PullState:
    """Where the pull stands: the feed cursor, the scope of the last page (None before
    the first pull) and any backfill in progress."""

    cursor: int = 0
    scope: tuple[str, ...] | None = None
    backfill: Backfill | None = None

    def after(self, cursor: int) -> PullState:
        return PullState(cursor, self.scope, self.backfill)


class SyncStateRepository:
    """Typed access to what sync keeps, on one unit of work's settings."""

    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    # --- enrolment (sealed) ---

    def enrolment(self) -> Enrolment | None:
        """The device's enrolment, or None for a standalone sandbox."""
        key = self._settings.secret(SIGNING_KEY)
        url = self._settings.secret(SERVER_URL)
        worker = self._settings.secret(WORKER)
        if not key or not url or not worker:
            return None
        try:
            return Enrolment(
                signing_key=base64.b64decode(key),
                server_url=url,
                worker=EnrolledWorker.from_json(json.loads(worker)),
                cert_pem=self._settings.secret(CERT_PEM) or None,
            )
        except (ValueError, TypeError, KeyError):
            raise IntegrityError("secrets", WORKER, "value") from None

    def enrol(self, enrolment: Enrolment) -> None:
        secrets = {
            SIGNING_KEY: base64.b64encode(enrolment.signing_key).decode(),
            SERVER_URL: enrolment.server_url,
            WORKER: json.dumps(enrolment.worker.to_json(), ensure_ascii=False),
        }
        if enrolment.cert_pem:
            secrets[CERT_PEM] = enrolment.cert_pem
        self._settings.set_secrets(secrets)

    # --- the pull ---

    def pull_state(self) -> PullState:
        backfill = self._settings.meta(BACKFILL)
        scope = self._settings.meta(SCOPE)
        parsed = json.loads(backfill) if backfill else None
        return PullState(
            cursor=int(self._settings.meta(CURSOR) or 0),
            scope=tuple(json.loads(scope)) if scope else None,
            backfill=None
            if parsed is None
            else Backfill(tuple(parsed["areas"]), int(parsed["until"]), int(parsed["cursor"])),
        )

    def set_cursor(self, cursor: int) -> None:
        self._settings.set_meta(CURSOR, str(cursor))

    def set_scope(self, scope: list[str]) -> None:
        self._settings.set_meta(SCOPE, json.dumps(sorted(scope)))

    def set_backfill(self, backfill: Backfill | None) -> None:
        if backfill is None:
            self._settings.delete_meta(BACKFILL)
            return
        value = {"areas": list(backfill.areas), "until": backfill.until, "cursor": backfill.cursor}
        self._settings.set_meta(BACKFILL, json.dumps(value))

    # --- the push ---

    def watermark(self) -> int:
        """The highest outbox seq the server has logged for this device (0: none)."""
        return int(self._settings.meta(WATERMARK) or 0)

    def set_watermark(self, watermark: int) -> None:
        self._settings.set_meta(WATERMARK, str(watermark))

    # --- photos ---

    def photos_scanned(self) -> bool:
        return bool(self._settings.meta(PHOTOS_SCANNED))

    def mark_photos_scanned(self) -> None:
        self._settings.set_meta(PHOTOS_SCANNED, "1")

    # --- the last sync ---

    def last_sync(self) -> str | None:
        """When the last sync whose push and pull both completed ended (ISO local time),
        None if never."""
        return self._settings.meta(LAST_SYNC) or None

    def set_last_sync(self, at: str) -> None:
        self._settings.set_meta(LAST_SYNC, at)

    # --- reference data ---

    def area_names(self) -> dict[str, str]:
        """Area code -> name (village, township or county) as the county sent them at
        enrolment; empty before, or when the value does not read as such a map."""
        try:
            names = json.loads(self._settings.meta(AREA_NAMES) or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}

    def set_area_names(self, names: dict[str, str]) -> None:
        self._settings.set_meta(AREA_NAMES, json.dumps(names, ensure_ascii=False))
