"""AES-256-GCM column types for SQLModel (`Field(sa_type=Sealed(...))`).

The key is not global: each engine carries its codec on its dialect (`attach_codec`), so
two sandboxes open in one process never share keys. A value that fails authentication is
read as a `Damaged` marker instead of raising, so the repository can name the record and
still read every other one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from app.store.crypto import DecryptionFailed
from app.store.errors import Locked


class Codec(Protocol):
    key_id: bytes

    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...
    def open(self, blob: bytes, context: bytes) -> bytes: ...
    def blind_index(self, kind: str, normalised: str) -> bytes: ...


_ATTR = "doorstep_codec"


# One encoder for every sealed JSON value (json.dumps with options builds one per call).
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def attach_codec(engine: Engine, codec: Codec | None) -> None:
    setattr(engine.dialect, _ATTR, codec)


def codec_of(dialect: Dialect) -> Codec:
    codec = getattr(dialect, _ATTR, None)
    if codec is None:
        raise Locked()
    return codec  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Damaged:
    """Marks a value that failed to open; `column` names where."""

    column: str


class Sealed(TypeDecorator[Any]):
    """An encrypted column. `kind` is "text" (str) or "json" (any JSON value)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, table: str, column: str, kind: str = "text") -> None:
        super().__init__()
        self.table = table
        self.column = column
        self.kind = kind
        self._context = f"{table}.{column}".encode()

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        plain = _to_json(value).encode() if self.kind == "json" else str(value).encode("utf-8")
        return codec_of(dialect).seal(plain, self._context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        try:
            plain = codec_of(dialect).open(bytes(value), self._context)
            return json.loads(plain) if self.kind == "json" else plain.decode("utf-8")
        except (DecryptionFailed, UnicodeDecodeError, json.JSONDecodeError):
            return Damaged(self.column)


class SealedBytes(Sealed):
    """An encrypted binary column (photos, signatures)."""

    cache_ok = True

    def __init__(self, table: str, column: str, kind: str = "bytes") -> None:
        super().__init__(table, column, kind)

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return codec_of(dialect).seal(bytes(value), self._context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        try:
            return codec_of(dialect).open(bytes(value), self._context)
        except DecryptionFailed:
            return Damaged(self.column)
