"""What a report request asks for, checked: format, period, breakdown, year, scope, day.

Entry points (the router, the CLI) parse their text here once and pass the values on;
whatever cannot be read becomes an `InvalidReportRequest` (400) or `OutOfScope` (403)
with one sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from app.domain.areas import InvalidAreaCode, parse_scope_code
from app.domain.calendar import InvalidPeriod, Period
from app.domain.coverage import Breakdown, InvalidBreakdown, parse_breakdown
from app.domain.indicators import InvalidIndicatorInput, indicator_year
from app.ui.catalogue import message
from sync.server.errors import ApiError, BadRequest
from sync.server.scope import within


class InvalidReportRequest(BadRequest):
    """A period, breakdown, format, year or indicator value the reports cannot take."""

    code = "invalid_report"


class OutOfScope(ApiError):
    status, code, message = 403, "out_of_scope", "您无权查看该区划的报表。"


class ReportFormat(StrEnum):
    """The formats a report is rendered in."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def sentence(message: str) -> str:
    """A domain error's message as one sentence, ending with 。."""
    return message if message.endswith("。") else message + "。"


def parse_format(value: str | ReportFormat) -> ReportFormat:
    """json, csv or xlsx, in any case."""
    try:
        return ReportFormat(str(value).strip().lower())
    except ValueError:
        raise InvalidReportRequest(
            f"无法识别的输出格式：{value!r}（应为 json、csv 或 xlsx）。"
        ) from None


FIRST_YEAR, LAST_YEAR = 2000, 2100  # report periods; the calendar overflows near year 9999


def report_period(text: str) -> Period:
    """The report period `text` names, in the years reports cover."""
    try:
        period = Period.parse(text)
    except InvalidPeriod as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None
    if not FIRST_YEAR <= period.window.start.year <= LAST_YEAR:
        raise InvalidReportRequest(
            f"统计期的年份超出范围：{period.label!r}（应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间）。"
        )
    return period


def report_breakdown(by: str | Breakdown | None) -> Breakdown | None:
    """The breakdown named by `by`; None or "" for the overall figure only."""
    try:
        return parse_breakdown(by)
    except InvalidBreakdown as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None


def report_year(year: str | int) -> int:
    """A year of the target list's indicators."""
    try:
        return indicator_year(year)
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None


def report_scope(asked: str | None, held: Sequence[str]) -> tuple[str, ...]:
    """The areas a caller's report covers: all they hold, or one area inside them (else 403)."""
    if asked is None or not asked.strip():
        return tuple(held)
    try:
        code = parse_scope_code(asked)
    except InvalidAreaCode as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None
    if not within(code, held):
        raise OutOfScope(f"您无权查看区划 {code} 的报表（您负责：{'、'.join(held) or '无'}）。")
    return (code,)


def as_of_for(period: Period, as_of: date | None, today: date | None = None) -> date | None:
    """The day a report is counted to: `as_of` if given, today inside a period in progress."""
    if as_of is not None:
        return as_of
    today = today or date.today()
    window = period.window
    return today if window.start <= today < window.end else None
