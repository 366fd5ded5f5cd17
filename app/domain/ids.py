"""Record ids: UUIDv7 (RFC 9562), time-ordered so new records sort last."""

from __future__ import annotations

import os
import re
import time
import uuid


def new_id(now_ms: int | None = None) -> str:
    """A fresh UUIDv7 as a 36-character string."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68) << 64  # 12 bits rand_a
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


_CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_record_id(value: str) -> bool:
    """A canonical, lower-case UUID string (what `new_id` makes)."""
    return isinstance(value, str) and _CANONICAL.match(value) is not None
