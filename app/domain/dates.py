"""Dates as people type them: one parser for every date field of the app.

Accepted: 2026-12-03, 2026/12/3, 2026.12.3, 20261203, 2026年12月3日 and 12月3日 (the
year of `today`). Anything else is refused with the reason, never replaced by a default.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

from app.domain.errors import DoorstepError

MAX_DATE_TEXT = 40
_SEPARATED = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")


class DateError(DoorstepError, ValueError):
    """A typed text that is not a date; the code and parameters say why."""

    default_code = "date.format"


def parse_date(typed: str, today: date, *, not_after: date | None = None) -> date:
    """The date `typed` names; DateError if it is empty, not a date form, impossible
    (2026-02-30) or later than `not_after`."""
    value = typed.strip().translate(_FULL_WIDTH)
    if not value:
        raise DateError("date.empty")
    if len(value) > MAX_DATE_TEXT:
        raise DateError("date.format")
    for pattern, has_year in ((_SEPARATED, True), (_COMPACT, True), (_MONTH_DAY, False)):
        found = pattern.fullmatch(value)
        if found is None:
            continue
        numbers = [int(part) for part in found.groups()]
        year, month, day = numbers if has_year else [today.year, *numbers]
        return _checked(year, month, day, not_after)
    raise DateError("date.format")


def _checked(year: int, month: int, day: int, not_after: date | None) -> date:
    if not 1 <= month <= 12:
        raise DateError("date.no_month", month=month)
    last = monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last:
        raise DateError("date.no_day", month=month, day=day, last=last)
    if not 1900 <= year <= 9999:
        raise DateError("date.year", year=year)
    found = date(year, month, day)
    if not_after is not None and found > not_after:
        raise DateError("date.future", when=found.isoformat())
    return found
