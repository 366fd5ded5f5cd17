"""What the repositories need of the store they write in: who writes, the clock, the codec.

A protocol rather than the `Store` itself, so the repositories and the unit of work sit
below the store that opens them and the imports run one way (store → unit of work →
repositories).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.domain.clock import HybridClock
from app.store.columns import Codec


class StoreContext(Protocol):
    """The unlocked store's identity, clock and codec, as a repository reads them."""

    device_id: str
    worker_id: str
    clock: HybridClock
    wall_ms: Callable[[], int]

    @property
    def codec(self) -> Codec:
        """The sealing codec; raises `Locked` once the store is closed."""
        ...
