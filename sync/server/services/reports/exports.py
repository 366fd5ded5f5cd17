"""Reports for a reader: JSON, CSV or XLSX bytes with a file name, or the coverage tree
for pages to render — each read written to the audit log.

Shared by coverage and the target list; the audit entry says who asked, for which areas,
period, format and day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.assets import load_target_list
from app.domain.calendar import Period
from app.domain.coverage import Breakdown
from app.domain.warnings import count_by_area
from app.memory import collector_paused
from app.reports import (
    indicators_csv,
    indicators_json,
    indicators_xlsx,
    report_csv,
    report_json,
    report_xlsx,
)
from app.reports.csvout import table_csv
from app.reports.tables import AREA_DIGITS, warning_list_table, warnings_table
from app.reports.xlsx import tables_xlsx
from sync.server.context import ServerContext
from sync.server.services import audit, indicator_notes
from sync.server.services.reports.coverage import CoverageTree, coverage_reports, coverage_tree
from sync.server.services.reports.events import response_reports, warnings_on
from sync.server.services.reports.indicators import kept_indicator_results
from sync.server.services.reports.read_model import overdue_heads
from sync.server.services.reports.request import (
    InvalidReportRequest,
    ReportFormat,
    as_of_for,
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
    period: Period,
    by: Breakdown | None = None,
    form: ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The coverage report rendered: JSON and CSV by `by`, XLSX with every breakdown.

    Counted to `as_of`, or to today in a period in progress (`as_of_for`); the read is
    written to the audit log.
    """
    day = as_of_for(period, as_of)
    sheets = ALL_SHEETS if form == ReportFormat.XLSX else (by,)
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
    _log_read(
        ctx,
        "coverage",
        actor=actor,
        device_id=device_id,
        areas=areas,
        period=report.period,
        by=by.value if by else None,
        format=form.value,
        as_of=day.isoformat() if day else None,
    )
    name = f"coverage-{report.period}{'-' + by.value if by else ''}.{form.value}"
    return Export(body, MEDIA_TYPES[form], name)


def coverage_overview(
    ctx: ServerContext,
    period: Period,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> CoverageTree:
    """The coverage tree of `areas` for pages to show (county → township → village →
    household, and the overdue list), counted as `coverage_export` counts; the read is
    written to the audit log as a coverage report in format "tree"."""
    day = as_of_for(period, as_of)
    with collector_paused(), ctx.db.reading() as session:
        tree = coverage_tree(session, period, areas=areas, as_of=day)
    _log_read(
        ctx,
        "coverage",
        actor=actor,
        device_id=device_id,
        areas=areas,
        period=period.label,
        by=None,
        format="tree",
        as_of=day.isoformat() if day else None,
    )
    return tree


def major_events_export(
    ctx: ServerContext,
    period: Period,
    by: Breakdown | None = None,
    form: ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """重大变故响应率 for `period` rendered: JSON and CSV by `by`, XLSX with every
    breakdown; the read is written to the audit log."""
    sheets = ALL_SHEETS if form == ReportFormat.XLSX else (by,)
    with collector_paused(), ctx.db.reading() as session:
        reports, names = response_reports(session, period, sheets, areas=areas)
    report = reports[0]
    if form == ReportFormat.JSON:
        body = report_json(report) + b"\n"
    elif form == ReportFormat.CSV:
        body = report_csv(report, names)
    else:
        body = report_xlsx(reports, names=names)
    _log_read(
        ctx,
        "major_events",
        actor=actor,
        device_id=device_id,
        areas=areas,
        period=report.period,
        by=by.value if by else None,
        format=form.value,
    )
    name = f"major-events-{report.period}{'-' + by.value if by else ''}.{form.value}"
    return Export(body, MEDIA_TYPES[form], name)


def warnings_export(
    ctx: ServerContext,
    by: Breakdown = Breakdown.VILLAGE,
    form: ReportFormat = ReportFormat.JSON,
    *,
    today: date | None = None,
    areas: Sequence[str] | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The warnings (预警) on `today` (default: today) counted by county, township or
    village: JSON (the counts and every warning, by ids), CSV (the counts), XLSX (the
    counts, and the list with the heads' names and ID numbers masked); audited."""
    if by not in AREA_DIGITS:
        raise InvalidReportRequest("预警统计只能按县（市、区）、乡镇（街道）或村（社区）分组。")
    day = today or date.today()
    with collector_paused(), ctx.db.reading() as session:
        data = warnings_on(session, day, areas=areas)
        ids = sorted({w.household_id for w in data.warnings})
        heads = overdue_heads(session, ids) if form == ReportFormat.XLSX else {}
    overall, rows = count_by_area(data.warnings, AREA_DIGITS[by], data.names)
    if form == ReportFormat.JSON:
        body = (
            json.dumps(
                {
                    "as_of": day.isoformat(),
                    "by": by.value,
                    "overall": overall.to_json(),
                    "rows": [row.to_json() for row in rows],
                    "warnings": [w.to_json() for w in data.warnings],
                },
                ensure_ascii=False,
                indent=2,
            ).encode("utf-8")
            + b"\n"
        )
    elif form == ReportFormat.CSV:
        body = table_csv(warnings_table(overall, rows, by, day))
    else:
        body = tables_xlsx(
            [
                warnings_table(overall, rows, by, day),
                warning_list_table(data.warnings, heads, data.names),
            ]
        )
    _log_read(
        ctx,
        "warnings",
        actor=actor,
        device_id=device_id,
        areas=areas,
        by=by.value,
        format=form.value,
        as_of=day.isoformat(),
    )
    return Export(body, MEDIA_TYPES[form], f"warnings-{day.isoformat()}-{by.value}.{form.value}")


def indicators_export(
    ctx: ServerContext,
    year: int,
    form: ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The target list for `year` (a checked year, `report_year`) rendered; the read is
    written to the audit log. Raises InvalidReportRequest for a year the list has no
    targets for."""
    day = as_of_for(Period.of_year(year), as_of)
    targets = load_target_list()
    if year not in targets.years:
        years = "、".join(str(y) for y in targets.years)
        raise InvalidReportRequest(f"目标清单只有{years}年的目标值，没有{year}年。")
    with collector_paused(), ctx.db.reading() as session:
        results = kept_indicator_results(
            ctx, session, year, areas=areas, as_of=day, targets=targets
        )
        notes = indicator_notes.note_texts(session, year)
    render = {
        ReportFormat.JSON: lambda: indicators_json(results, year, notes) + b"\n",
        ReportFormat.CSV: lambda: indicators_csv(results, year, notes),
        ReportFormat.XLSX: lambda: indicators_xlsx(results, year, notes),
    }[form]
    body = render()
    _log_read(
        ctx,
        "indicators",
        actor=actor,
        device_id=device_id,
        areas=areas,
        year=year,
        format=form.value,
        as_of=day.isoformat() if day else None,
    )
    return Export(body, MEDIA_TYPES[form], f"indicators-{year}.{form.value}")


def _log_read(
    ctx: ServerContext,
    report: str,
    *,
    actor: str,
    device_id: str,
    areas: Sequence[str] | None,
    **detail: object,
) -> None:
    """Log a report read (report_read): who, from which device, which report, over which
    areas (None: the whole county), and what else names the figures read."""
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            device_id=device_id,
            report=report,
            areas=list(areas) if areas is not None else None,
            **detail,
        )
