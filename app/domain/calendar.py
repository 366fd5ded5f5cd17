"""Calendar-aligned visit windows: ISO week, month, quarter, half-year, year."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.codes import Frequency


@dataclass(frozen=True, order=True)
class Window:
    """An inclusive date range."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def window_containing(freq: Frequency, day: date) -> Window:
    if freq == Frequency.WEEKLY:
        start = day - timedelta(days=day.isoweekday() - 1)
        return Window(start, start + timedelta(days=6))
    months = {
        Frequency.MONTHLY: 1,
        Frequency.QUARTERLY: 3,
        Frequency.HALF_YEARLY: 6,
        Frequency.YEARLY: 12,
    }[freq]
    first = (day.month - 1) // months * months + 1
    return Window(date(day.year, first, 1), _month_end(day.year, first + months - 1))


def next_window(freq: Frequency, window: Window) -> Window:
    return window_containing(freq, window.end + timedelta(days=1))


def previous_window(freq: Frequency, window: Window) -> Window:
    return window_containing(freq, window.start - timedelta(days=1))


def windows_ending_in(freq: Frequency, period: Window) -> list[Window]:
    """Windows of type `freq` whose last day lies inside `period`, in order."""
    out: list[Window] = []
    w = window_containing(freq, period.start)
    while w.start <= period.end:
        if w.end in period:
            out.append(w)
        w = next_window(freq, w)
    return out


class InvalidPeriod(ValueError):
    """A report period is `2026-11`, `2026-Q4`, `2026-H2` or `2026`."""


# Reports cover the register's lifetime; the bounds also keep every window (an ISO week
# reaching into the next year) inside what `date` can hold.
MIN_YEAR, MAX_YEAR = 1900, 2100

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")


def parse_period(text: str) -> Window:
    m = _PERIOD.match(text.strip())
    if not m:
        raise InvalidPeriod(f"无法识别的统计期：{text!r}（应为 2026-11、2026-Q4、2026-H2 或 2026）")
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod(f"统计期的年份超出范围：{text!r}")
    if m.group(2):
        return window_containing(Frequency.MONTHLY, date(year, int(m.group(2)), 1))
    if m.group(3):
        return window_containing(Frequency.QUARTERLY, date(year, int(m.group(3)) * 3, 1))
    if m.group(4):
        return window_containing(Frequency.HALF_YEARLY, date(year, int(m.group(4)) * 6, 1))
    return window_containing(Frequency.YEARLY, date(year, 1, 1))
