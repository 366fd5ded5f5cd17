"""Reports rendered for a reader: JSON, CSV or XLSX bytes, a file name, and an audit entry.

Shared by coverage and the target list; every report read here is written to the audit
log with who asked, for which areas, period and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.assets import load_target_list
from app.domain.coverage import Breakdown
from app.memory import collector_paused
from app.reports import (
    indicators_csv,
    indicators_json,
    indicators_xlsx,
    report_csv,
    report_json,
    report_xlsx,
)
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports.coverage import coverage_reports
from sync.server.services.reports.indicators import indicator_results
from sync.server.services.reports.read_model import overdue_heads
from sync.server.services.reports.request import (
    InvalidReportRequest,
    ReportFormat,
    as_of_for,
    parse_format,
    report_breakdown,
    report_period,
    report_year,
)

ALL_SHEETS: tuple[Breakdown | None, ...] = (None, *Breakdown)  # an XLSX export's sheets


MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    """A rendered report: its bytes, media type and a file name to save it under."""

    body: bytes
    media_type: str
    filename: str


def coverage_export(
    ctx: ServerContext,
    period: str,
    by: str | None = None,
    fmt: str | ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The coverage report rendered: JSON and CSV by `by`, XLSX with every breakdown.

    The read is written to the audit log. Raises InvalidReportRequest for bad input.
    """
    form = parse_format(fmt)
    window = report_period(period)
    breakdown = report_breakdown(by)
    day = as_of_for(window, as_of)
    sheets = ALL_SHEETS if form == ReportFormat.XLSX else (breakdown,)
    with collector_paused(), ctx.db.reading() as session:
        workers = True if form == ReportFormat.XLSX else None  # the overdue sheet shows them
        data = coverage_reports(session, period, sheets, areas=areas, as_of=day, workers=workers)
        heads = overdue_heads(session, data.overdue_households) if form == ReportFormat.XLSX else {}
    report = data.reports[0]
    if form == ReportFormat.JSON:
        body = report_json(report) + b"\n"
    elif form == ReportFormat.CSV:
        body = report_csv(report, data.names)
    else:
        body = report_xlsx(data.reports, names=data.names, heads=heads)
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            device_id=device_id,
            report="coverage",
            period=report.period,
            by=breakdown.value if breakdown else None,
            format=form.value,
            areas=list(areas) if areas is not None else None,
            as_of=day.isoformat() if day else None,
        )
    name = f"coverage-{report.period}{'-' + breakdown.value if breakdown else ''}.{form.value}"
    return Export(body, MEDIA_TYPES[form], name)


def indicators_export(
    ctx: ServerContext,
    year: str | int,
    fmt: str | ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The target list for `year` rendered; the read is written to the audit log."""
    form = parse_format(fmt)
    number = report_year(year)
    day = as_of_for(report_period(str(number)), as_of)
    targets = load_target_list()
    if number not in targets.years:
        years = "、".join(str(y) for y in targets.years)
        raise InvalidReportRequest(f"目标清单只有{years}年的目标值，没有{number}年。")
    with collector_paused(), ctx.db.reading() as session:
        results = indicator_results(session, number, areas=areas, as_of=day, targets=targets)
    render = {
        ReportFormat.JSON: lambda: indicators_json(results, number) + b"\n",
        ReportFormat.CSV: lambda: indicators_csv(results, number),
        ReportFormat.XLSX: lambda: indicators_xlsx(results, number),
    }[form]
    body = render()
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            device_id=device_id,
            report="indicators",
            year=number,
            format=form.value,
            areas=list(areas) if areas is not None else None,
            as_of=day.isoformat() if day else None,
        )
    return Export(body, MEDIA_TYPES[form], f"indicators-{number}.{form.value}")
