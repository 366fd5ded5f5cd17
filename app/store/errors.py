"""Errors of the store: codes and parameters (`app.domain.errors`); the UI's catalogue
says each as one sentence a person can act on."""

from __future__ import annotations

from app.domain.errors import DoorstepError


class StoreError(DoorstepError):
    """Base class for store errors."""

    default_code = "store.failed"


class WrongPin(StoreError):
    """A wrong PIN; `remaining` tries before the waits begin or the lock-out."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__("pin.wrong", remaining=remaining)


class TryLater(StoreError):
    """Too many wrong PINs: the next try waits `seconds`."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__("pin.try_later", seconds=seconds)


class LockedOut(StoreError):
    """Too many wrong PINs: the sandbox opens only with the county's recovery key."""

    default_code = "pin.locked_out"


class Locked(StoreError):
    """The store's key is not in memory: unlock first."""

    default_code = "store.locked"


class IntegrityError(StoreError):
    """A stored value failed authentication: it was damaged or tampered with."""

    def __init__(self, record_type: str, record_id: str, column: str) -> None:
        self.record_type = record_type
        self.record_id = record_id
        self.column = column
        super().__init__(
            "store.integrity", record_type=record_type, record_id=record_id, column=column
        )


class NotFound(StoreError):
    """No record of that type with that id."""

    def __init__(self, record_type: str, record_id: str) -> None:
        super().__init__("store.not_found", record_type=record_type, record_id=record_id)


class SandboxError(StoreError):
    """The sandbox files are missing, malformed or from an unknown format; a PIN, name or
    choice of account the sandbox cannot take."""

    default_code = "sandbox.invalid"


class IllegalEdit(StoreError):
    """The change breaks a rule of the domain (insert-only records, wish lifecycle...): the
    domain's code and parameters (`IllegalEdit.like`)."""

    default_code = "change.illegal"


class PhotoTooLarge(IllegalEdit):
    """A photo larger than the server takes (`app.domain.records.MAX_PHOTO_BYTES`): refused
    before it is kept, so it never waits to be uploaded for ever."""

    def __init__(self, limit: int) -> None:
        super().__init__("photo.too_large", mb=limit // (1024 * 1024))


class RecordTooLarge(IllegalEdit):
    """A record too large to sync (`app.domain.records.MAX_RECORD_BYTES`): refused before queuing."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        super().__init__("record.too_large", kb=-(-size // 1024), limit_kb=limit // 1024)
