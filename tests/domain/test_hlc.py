"""Hybrid logical clock: monotonic under bad clocks, observe, clamp, string order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.clock import MAX_DRIFT_MS, ZERO, HybridClock, Stamp, clamp, is_stamp

NOW_MS = 1_774_000_000_000  # March 2026
NODE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def walls(*values: int) -> Callable[[], int]:
    it: Iterator[int] = iter(values)
    return lambda: next(it)


def test_stamps_increase_while_the_wall_clock_jumps_back_to_1970() -> None:
    clock = HybridClock(NODE, wall=walls(NOW_MS, NOW_MS + 500, 0, 0, NOW_MS + 400, NOW_MS + 900))
    stamps = [clock.now() for _ in range(6)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 6
    assert Stamp.parse(stamps[2]) == Stamp(NOW_MS + 500, 1, NODE)
    assert Stamp.parse(stamps[5]) == Stamp(NOW_MS + 900, 0, NODE)


def test_a_restarted_clock_resumes_after_its_persisted_stamp() -> None:
    first = HybridClock(NODE, wall=lambda: NOW_MS)
    issued = first.now()
    restarted = HybridClock(NODE, last=first.last, wall=lambda: 0)  # dead battery: 1970
    assert restarted.now() > issued
    assert restarted.last > issued


def test_a_fresh_clock_in_1970_still_issues_increasing_stamps() -> None:
    clock = HybridClock(NODE, ZERO, wall=lambda: 0)
    a, b = clock.now(), clock.now()
    assert ZERO < a < b


def test_observing_a_remote_stamp_ahead_moves_the_clock_past_it() -> None:
    clock = HybridClock(NODE, wall=lambda: NOW_MS)
    clock.now()
    remote = str(Stamp(NOW_MS + 60_000, 7, "server"))
    clock.observe(remote)
    assert Stamp.parse(clock.last) == Stamp(NOW_MS + 60_000, 8, NODE)
    assert clock.now() > remote


def test_observing_a_stamp_behind_never_moves_the_clock_back() -> None:
    clock = HybridClock(NODE, wall=lambda: NOW_MS)
    before = clock.now()
    clock.observe(str(Stamp(NOW_MS - 60_000, 99, "server")))
    assert clock.last > before
    assert Stamp.parse(clock.last).wall_ms == NOW_MS


def test_observing_a_stamp_at_the_same_wall_takes_the_larger_counter() -> None:
    clock = HybridClock(NODE, wall=lambda: NOW_MS)
    clock.now()
    clock.observe(str(Stamp(NOW_MS, 41, "server")))
    assert Stamp.parse(clock.last) == Stamp(NOW_MS, 42, NODE)


def test_observing_with_the_wall_clock_ahead_of_both_restarts_the_counter() -> None:
    clock = HybridClock(NODE, last=str(Stamp(NOW_MS, 5, NODE)), wall=lambda: NOW_MS + 10)
    clock.observe(str(Stamp(NOW_MS + 3, 9, "server")))
    assert Stamp.parse(clock.last) == Stamp(NOW_MS + 10, 0, NODE)


def test_a_stuck_clock_past_a_million_stamps_still_issues_valid_increasing_stamps() -> None:
    last = str(Stamp(0, 999_999, NODE))
    clock = HybridClock(NODE, last=last, wall=lambda: 0)
    nxt = clock.now()
    assert is_stamp(nxt)
    assert nxt > last
    assert Stamp.parse(nxt) > Stamp.parse(last)
    clock.observe(str(Stamp(5, 999_999, "server")))
    assert is_stamp(clock.last)
    assert clock.last > str(Stamp(5, 999_999, "server"))


def test_clamp_pulls_back_stamps_too_far_ahead_of_the_server() -> None:
    server = NOW_MS
    far = str(Stamp(server + MAX_DRIFT_MS + 1, 3, NODE))
    assert clamp(far, server) == str(Stamp(server + MAX_DRIFT_MS, 3, NODE))
    near = str(Stamp(server + MAX_DRIFT_MS, 3, NODE))
    assert clamp(near, server) == near
    past = str(Stamp(0, 1, NODE))
    assert clamp(past, server) == past
    assert clamp(far, server, max_drift_ms=0) == str(Stamp(server, 3, NODE))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12.000001.n",
        "000000000000001.1.n",
        "00000000000000a.000001.n",
        "000000000000001-000001-n",
    ],
)
def test_malformed_stamps_are_rejected(text: str) -> None:
    assert not is_stamp(text)
    with pytest.raises(ValueError):
        Stamp.parse(text)


STAMPS = st.builds(
    Stamp,
    st.integers(min_value=0, max_value=10**15 - 1),
    st.integers(min_value=0, max_value=999_999),
    st.text(alphabet="0123456789abcdef-", max_size=36),
)


@given(STAMPS, STAMPS)
def test_string_order_is_tuple_order(a: Stamp, b: Stamp) -> None:
    assert Stamp.parse(str(a)) == a
    assert (str(a) < str(b)) == (a < b)
    assert (str(a) == str(b)) == (a == b)


@given(st.lists(st.integers(min_value=0, max_value=2 * NOW_MS), min_size=1, max_size=50))
def test_now_is_strictly_increasing_whatever_the_wall_clock_does(readings: list[int]) -> None:
    clock = HybridClock(NODE, wall=walls(*readings))
    stamps = [clock.now() for _ in readings]
    assert all(a < b for a, b in pairwise(stamps))


@given(STAMPS, st.integers(min_value=0, max_value=2 * NOW_MS))
def test_clamped_stamps_are_never_ahead_of_the_limit(stamp: Stamp, server: int) -> None:
    clamped = Stamp.parse(clamp(str(stamp), server))
    assert clamped.wall_ms == min(stamp.wall_ms, server + MAX_DRIFT_MS)
    assert (clamped.counter, clamped.node) == (stamp.counter, stamp.node)


OPS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2 * NOW_MS),
        st.none()
        | st.builds(Stamp, st.integers(0, 2 * NOW_MS), st.integers(0, 999_999), st.just("s")),
    ),
    min_size=1,
    max_size=40,
)


@given(OPS)
def test_every_now_and_observe_moves_the_clock_forward(ops: list[tuple[int, Stamp | None]]) -> None:
    readings = iter(wall for wall, _ in ops)
    clock = HybridClock(NODE, wall=lambda: next(readings))
    previous = clock.last
    for _wall, remote in ops:
        if remote is None:
            clock.now()
        else:
            clock.observe(str(remote))
            assert Stamp.parse(clock.last) > Stamp(remote.wall_ms, remote.counter, NODE)
        assert is_stamp(clock.last)
        assert clock.last > previous
        previous = clock.last
