"""Hybrid logical clock (HLC): stamps that order events across devices without trusting clocks.

A stamp is a string ``"<wall ms, 15 digits>.<counter, 6 digits>.<node>"`` so that comparing
strings compares (wall, counter, node): the node (device id) breaks ties. A clock never
moves backwards: a tablet whose battery died and woke up in 1970 keeps counting from the
last stamp it issued or saw (persisted by its store), and the server clamps stamps that
run more than ``MAX_DRIFT_MS`` ahead of its own clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_DRIFT_MS = 5 * 60 * 1000
MAX_COUNTER = 999_999
ZERO = "000000000000000.000000."


@dataclass(frozen=True, order=True)
class Stamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:015d}.{self.counter:06d}.{self.node}"

    @classmethod
    def next(cls, wall_ms: int, counter: int, node: str) -> Stamp:
        """A counter past six digits carries into the wall time, so stamps keep their width."""
        if counter > MAX_COUNTER:
            return cls(wall_ms + 1, 0, node)
        return cls(wall_ms, counter, node)

    @classmethod
    def parse(cls, text: str) -> Stamp:
        wall, counter, node = text.split(".", 2)
        if len(wall) != 15 or len(counter) != 6 or not (wall.isdigit() and counter.isdigit()):
            raise ValueError(f"not an HLC stamp: {text!r}")
        return cls(int(wall), int(counter), node)


def is_stamp(text: str) -> bool:
    try:
        Stamp.parse(text)
    except (ValueError, AttributeError):
        return False
    return True


class HybridClock:
    """One node's clock. ``last`` is what its store persists between runs."""

    def __init__(self, node: str, last: str = ZERO, wall: Callable[[], int] | None = None) -> None:
        self.node = node
        self._wall = wall or (lambda: int(time.time() * 1000))
        prev = Stamp.parse(last) if last and last != ZERO else Stamp(0, 0, node)
        self._last = Stamp(prev.wall_ms, prev.counter, node)

    @property
    def last(self) -> str:
        return str(self._last)

    def now(self) -> str:
        """A stamp greater than every stamp this clock has issued or seen."""
        wall = self._wall()
        if wall > self._last.wall_ms:
            self._last = Stamp(wall, 0, self.node)
        else:
            self._last = Stamp.next(self._last.wall_ms, self._last.counter + 1, self.node)
        return str(self._last)

    def observe(self, remote: str) -> None:
        """Advance past a stamp seen from another node (the server at every sync)."""
        other = Stamp.parse(remote)
        wall = self._wall()
        top = max(wall, self._last.wall_ms, other.wall_ms)
        if top == self._last.wall_ms == other.wall_ms:
            counter = max(self._last.counter, other.counter) + 1
        elif top == self._last.wall_ms:
            counter = self._last.counter + 1
        elif top == other.wall_ms:
            counter = other.counter + 1
        else:
            counter = 0
        self._last = Stamp.next(top, counter, self.node)


def clamp(stamp: str, server_wall_ms: int, max_drift_ms: int = MAX_DRIFT_MS) -> str:
    """A stamp from a device whose clock runs ahead is pulled back to the server's limit."""
    parsed = Stamp.parse(stamp)
    limit = server_wall_ms + max_drift_ms
    if parsed.wall_ms <= limit:
        return stamp
    return str(Stamp(limit, parsed.counter, parsed.node))
