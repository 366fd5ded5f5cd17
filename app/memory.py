"""Pausing Python's cyclic garbage collector around bulk work.

A first sync, a report or the roster builds tens or hundreds of thousands of small objects
that all live until the work ends and hold no cycles among them: the collector would only
walk them again and again as they are made (each pass longer than the last). Concurrent
users share one switch; it is restored when the last of them ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _CollectorPause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()


collector_paused = _CollectorPause()
