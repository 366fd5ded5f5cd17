"""Calendar-aligned visit windows (ISO week, month, quarter, half-year, year) and report periods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.codes import Frequency
from app.domain.errors import DoorstepError


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


class InvalidPeriod(DoorstepError, ValueError):
    """A report period is `2026-11`, `2026-Q4`, `2026-H2` or `2026`."""

    default_code = "period.invalid"


# Reports cover the register's lifetime; the bounds also keep every window (an ISO week
# reaching into the next year) inside what `date` can hold.
MIN_YEAR, MAX_YEAR = 1900, 2100

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")


def parse_period(text: str) -> Window:
    m = _PERIOD.match(text.strip())
    if not m:
        raise InvalidPeriod("period.invalid", text=text)
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod("period.year_range", text=text)
    if m.group(2):
        return window_containing(Frequency.MONTHLY, date(year, int(m.group(2)), 1))
    if m.group(3):
        return window_containing(Frequency.QUARTERLY, date(year, int(m.group(3)) * 3, 1))
    if m.group(4):
        return window_containing(Frequency.HALF_YEARLY, date(year, int(m.group(4)) * 6, 1))
    return window_containing(Frequency.YEARLY, date(year, 1, 1))


@dataclass(frozen=True)
class Period:
    """A report period (统计期): its label as written — 2026-11, 2026-Q4, 2026-H2 or 2026 —
    and the window it spans. Entry points parse the text once (`Period.parse`) and pass
    the value on; the domain's reports take it as is."""

    label: str
    window: Window

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period `text` names; raises InvalidPeriod for one it cannot read."""
        return cls(text.strip(), parse_period(text))

    @classmethod
    def of_year(cls, year: int) -> Period:
        """The calendar year `year` (the target list's indicators are yearly)."""
        return cls(str(year), window_containing(Frequency.YEARLY, date(year, 1, 1)))

    def until(self, as_of: date | None) -> date:
        """The last day a report counts: the period's end, or `as_of` if that is earlier."""
        return self.window.end if as_of is None else min(self.window.end, as_of)


def as_period(period: Period | str) -> Period:
    """`period` as a Period, parsing it if it is still text (raises InvalidPeriod)."""
    return period if isinstance(period, Period) else Period.parse(period)
