"""Calendar-aligned windows: ISO weeks across year ends, quarters, half-years, periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import (
    InvalidPeriod,
    Period,
    Window,
    as_period,
    next_window,
    parse_period,
    previous_window,
    window_containing,
    windows_ending_in,
)
from app.domain.codes import Frequency

F = Frequency


def test_iso_week_53_spans_the_2026_year_end() -> None:
    # 2026-12-31 is a Thursday and 2027-01-01 a Friday: both in ISO week 2026-W53.
    week = Window(date(2026, 12, 28), date(2027, 1, 3))
    assert window_containing(F.WEEKLY, date(2026, 12, 31)) == week
    assert window_containing(F.WEEKLY, date(2027, 1, 1)) == week
    assert next_window(F.WEEKLY, week) == Window(date(2027, 1, 4), date(2027, 1, 10))


def test_iso_week_1_of_2026_starts_in_2025() -> None:
    assert window_containing(F.WEEKLY, date(2026, 1, 1)) == Window(
        date(2025, 12, 29), date(2026, 1, 4)
    )


def test_weeks_run_monday_to_sunday() -> None:
    assert window_containing(F.WEEKLY, date(2026, 3, 2)).start == date(2026, 3, 2)  # Monday
    assert window_containing(F.WEEKLY, date(2026, 3, 8)).start == date(2026, 3, 2)  # Sunday


@pytest.mark.parametrize(
    ("freq", "day", "start", "end"),
    [
        (F.MONTHLY, date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29)),
        (F.MONTHLY, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (F.QUARTERLY, date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (F.QUARTERLY, date(2026, 5, 15), date(2026, 4, 1), date(2026, 6, 30)),
        (F.QUARTERLY, date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30)),
        (F.QUARTERLY, date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
        (F.HALF_YEARLY, date(2026, 6, 30), date(2026, 1, 1), date(2026, 6, 30)),
        (F.HALF_YEARLY, date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 31)),
        (F.YEARLY, date(2026, 8, 8), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_calendar_aligned_windows(freq: Frequency, day: date, start: date, end: date) -> None:
    assert window_containing(freq, day) == Window(start, end)


def test_next_and_previous_cross_the_year_end() -> None:
    q4 = window_containing(F.QUARTERLY, date(2026, 11, 1))
    assert next_window(F.QUARTERLY, q4) == Window(date(2027, 1, 1), date(2027, 3, 31))
    assert previous_window(F.QUARTERLY, next_window(F.QUARTERLY, q4)) == q4
    h1 = window_containing(F.HALF_YEARLY, date(2027, 2, 1))
    assert previous_window(F.HALF_YEARLY, h1) == Window(date(2026, 7, 1), date(2026, 12, 31))


def test_weeks_ending_in_a_month_are_those_whose_sunday_is_in_it() -> None:
    # November 2026: Sundays on the 1st, 8th, 15th, 22nd and 29th.
    weeks = windows_ending_in(F.WEEKLY, parse_period("2026-11"))
    assert [w.end for w in weeks] == [date(2026, 11, d) for d in (1, 8, 15, 22, 29)]
    assert weeks[0].start == date(2026, 10, 26)


def test_windows_ending_in_a_period() -> None:
    year = parse_period("2026")
    assert len(windows_ending_in(F.MONTHLY, year)) == 12
    assert [w.end for w in windows_ending_in(F.QUARTERLY, year)] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]
    # A quarterly household is due only in a month that closes a quarter.
    assert windows_ending_in(F.QUARTERLY, parse_period("2026-11")) == []
    assert windows_ending_in(F.QUARTERLY, parse_period("2026-12")) == [
        Window(date(2026, 10, 1), date(2026, 12, 31))
    ]
    assert windows_ending_in(F.YEARLY, parse_period("2026-H1")) == []
    # 2026-W53 ends on 2027-01-03: it counts in January 2027, not in December 2026.
    assert windows_ending_in(F.WEEKLY, parse_period("2026-12"))[-1].end == date(2026, 12, 27)
    assert windows_ending_in(F.WEEKLY, parse_period("2027-01"))[0].end == date(2027, 1, 3)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        (" 2026-Q2 ", date(2026, 4, 1), date(2026, 6, 30)),
    ],
)
def test_parse_period(text: str, start: date, end: date) -> None:
    assert parse_period(text) == Window(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "26",
        "2026-13",
        "2026-00",
        "2026-1",
        "2026-Q0",
        "2026-Q5",
        "2026-H3",
        "2026/11",
        "0000",
        "9999-12",
        "9999",
        "9998",
        "1899-12",
    ],
)
def test_bad_periods_raise_invalid_period(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(text)


DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@given(st.sampled_from(list(Frequency)), DAYS)
def test_the_window_containing_a_day_contains_it(freq: Frequency, day: date) -> None:
    window = window_containing(freq, day)
    assert day in window
    assert window_containing(freq, window.start) == window
    assert window_containing(freq, window.end) == window


@given(st.sampled_from(list(Frequency)), DAYS)
def test_windows_tile_the_calendar_without_gaps(freq: Frequency, day: date) -> None:
    window = window_containing(freq, day)
    after = next_window(freq, window)
    before = previous_window(freq, window)
    assert after.start == window.end + timedelta(days=1)
    assert before.end == window.start - timedelta(days=1)
    assert previous_window(freq, after) == window


@given(st.sampled_from(list(Frequency)), DAYS, st.integers(min_value=0, max_value=400))
def test_windows_ending_in_a_period_are_exactly_those_whose_end_is_inside(
    freq: Frequency, start: date, length: int
) -> None:
    period = Window(start, start + timedelta(days=length))
    found = windows_ending_in(freq, period)
    expected = sorted(
        {window_containing(freq, period.start + timedelta(days=i)) for i in range(length + 1)}
        | {window_containing(freq, period.end)}
    )
    assert found == [w for w in expected if w.end in period]


def test_a_period_is_parsed_once_into_its_label_and_window() -> None:
    october = Period.parse(" 2026-10 ")
    assert october == Period("2026-10", Window(date(2026, 10, 1), date(2026, 10, 31)))
    assert as_period("2026-10") == october and as_period(october) is october
    assert Period.of_year(2026) == Period.parse("2026")
    assert october.until(None) == date(2026, 10, 31)
    assert october.until(date(2026, 10, 12)) == date(2026, 10, 12)
    assert october.until(date(2026, 11, 3)) == date(2026, 10, 31)
    with pytest.raises(InvalidPeriod):
        Period.parse("2026-13")
