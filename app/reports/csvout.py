"""CSV exports: UTF-8 with a byte-order mark so that Excel shows the Chinese, headers in Chinese.

Codes are written as plain digits for the programs that read these files; the XLSX
export is the one meant for people. Text a spreadsheet would run as a formula is
neutralised (app.reports.cells).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from app.domain.coverage import Report
from app.domain.indicators import IndicatorResult
from app.domain.records import Person
from app.reports.cells import csv_text
from app.reports.tables import Table, cell_text, indicators_table, overdue_table, report_table

BOM = "\ufeff"


def table_csv(table: Table) -> bytes:
    """A table as CSV bytes: the header line, the rows, then the total line if any."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_text(c.header) for c in table.columns)
    lines = [*table.rows, *([table.total] if table.total else [])]
    for values in lines:
        padded = (*values, *([None] * (len(table.columns) - len(values))))
        writer.writerow(
            csv_text(cell_text(v, c.kind)) for v, c in zip(padded, table.columns, strict=True)
        )
    return (BOM + out.getvalue()).encode("utf-8")


def report_csv(report: Report, names: Mapping[str, str] | None = None) -> bytes:
    """A report's breakdown as CSV: code, name, the figures and a 合计 line."""
    return table_csv(report_table(report, names))


def overdue_csv(
    report: Report,
    heads: Mapping[str, Person] | None = None,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """A coverage report's overdue households as CSV, names and ID numbers masked."""
    return table_csv(overdue_table(report, heads, names))


def indicators_csv(
    results: Sequence[IndicatorResult], year: int, notes: Mapping[str, str] | None = None
) -> bytes:
    """The target list with targets, values and status (and `notes`, the bureau's
    annotations, when given) as CSV."""
    return table_csv(indicators_table(results, year, notes))
