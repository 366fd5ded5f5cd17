"""XLSX exports laid out like a printed 台账: title, Chinese headers, one sheet per breakdown.

Every sheet has its title and period on top, a frozen header row that repeats on each
printed page, set column widths, percentages as percentages and codes kept as text.
Every value goes in through `cells.set_cell`, so no text can run as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.domain.coverage import Report
from app.domain.indicators import IndicatorResult
from app.domain.records import Person
from app.reports.cells import set_cell
from app.reports.tables import Kind, Table, indicators_table, overdue_table, report_table

FONT = "宋体"
HEADER_ROW = 3
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_FORMATS = {Kind.COUNT: "0", Kind.RATE: "0.00%", Kind.DATE: "yyyy-mm-dd", Kind.TEXT: "@"}
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(wanted: str, taken: set[str]) -> str:
    base = wanted.translate(_INVALID_SHEET_CHARS)[:28] or "Sheet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}({n})", n + 1
    taken.add(name)
    return name


def _write_cell(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    kind: Kind,
    bold: bool,
    styles: dict[tuple[Any, ...], StyleArray] | None = None,
) -> None:
    """One cell, its value through `set_cell`, with its kind's format, font and border.

    `styles` (a sheet's): a cell's style is copied from the first cell of the same look
    (the quote prefix `set_cell` gives formula-like text included) instead of being set
    attribute by attribute (openpyxl hashes a font, a border and an
    alignment on every assignment: 2 s for a village's 3,000 visits)."""
    cell = ws.cell(row=row, column=col)
    dash = value is None and kind in (Kind.RATE, Kind.NUMBER)
    set_cell(cell, "—" if dash else value)
    formatted = kind in _FORMATS and not (kind == Kind.TEXT and not isinstance(value, str))
    look = (dash, kind, formatted and not dash, bold, bool(cell.quotePrefix))
    if styles is not None and look in styles:
        cell._style = copy(styles[look])
        return
    if dash:
        cell.alignment = Alignment(horizontal="center")
    else:
        if formatted:
            cell.number_format = _FORMATS[kind]
        if kind == Kind.DATE:
            cell.alignment = Alignment(horizontal="center")
    cell.font = Font(name=FONT, size=11, bold=bold)
    cell.border = _BORDER
    if styles is not None:
        styles[look] = copy(cell._style)


def _add_sheet(wb: Workbook, table: Table, taken: set[str]) -> Worksheet:
    ws = wb.create_sheet(_sheet_name(table.sheet, taken))
    width = len(table.columns)
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{last}1")
    set_cell(ws["A1"], table.title)
    ws["A1"].font = Font(name=FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(f"A2:{last}2")
    set_cell(ws["A2"], table.subtitle)
    ws["A2"].font = Font(name=FONT, size=10, color="595959")
    for col, column in enumerate(table.columns, 1):
        cell = ws.cell(row=HEADER_ROW, column=col)
        set_cell(cell, column.header)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 22
    row = HEADER_ROW
    styles: dict[tuple[Any, ...], StyleArray] = {}
    for values in table.rows:
        row += 1
        for col, (value, column) in enumerate(zip(values, table.columns, strict=True), 1):
            _write_cell(ws, row, col, value, column.kind, bold=False, styles=styles)
            if column.fills and str(value) in column.fills:
                ws.cell(row=row, column=col).fill = PatternFill(
                    "solid", fgColor=column.fills[str(value)]
                )
    if table.total is not None:
        row += 1
        padded = (*table.total, *([None] * (width - len(table.total))))
        for col, (value, column) in enumerate(zip(padded, table.columns, strict=True), 1):
            kind = column.kind if col > 1 else Kind.TEXT
            _write_cell(ws, row, col, value, kind, bold=True)
            ws.cell(row=row, column=col).fill = _TOTAL_FILL
    if table.note:
        row += 2
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        note = ws.cell(row=row, column=1)
        set_cell(note, table.note)
        note.font = Font(name=FONT, size=10, italic=True, color="595959")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape" if width > 6 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table, as bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "Doorstep"
    taken: set[str] = set()
    for table in tables:
        _add_sheet(wb, table, taken)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_xlsx(
    reports: Report | Sequence[Report],
    *,
    names: Mapping[str, str] | None = None,
    heads: Mapping[str, Person] | None = None,
) -> bytes:
    """One sheet per report (breakdown), then the overdue list of the first coverage report.

    `names` maps area codes and worker ids to names; `heads` maps household ids to the
    household head whose masked name and ID number the overdue sheet shows.
    """
    items = [reports] if isinstance(reports, Report) else list(reports)
    tables = [report_table(r, names) for r in items]
    with_overdue = next((r for r in items if r.overdue is not None), None)
    if with_overdue is not None:
        tables.append(overdue_table(with_overdue, heads, names))
    return tables_xlsx(tables)


def indicators_xlsx(
    results: Sequence[IndicatorResult], year: int, notes: Mapping[str, str] | None = None
) -> bytes:
    """The target list for `year` on one sheet, each status colour-coded (with `notes`, the
    bureau's annotations, in a column of their own)."""
    return tables_xlsx([indicators_table(results, year, notes)])
