"""Spreadsheet cells that cannot run (公式注入): the one rule every CSV and XLSX writer uses.

Excel, WPS and LibreOffice run a cell whose text starts with ``= + - @``, a tab or a
carriage return as a formula: a name such as ``=HYPERLINK("http://…"&C5,"点击查看详情")``
would become a live link that sends the row's data away. Text like that is written so
that it shows as typed and never runs; numbers stay numbers ("-50" still reads -50).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (-50, +3.5, -12.50%) is read as a number, never run: it stays as it is.
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)%?$")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run `text` as a formula: it starts with = + - @, a tab
    or a CR and is neither a plain number ("-50") nor a lone dash ("-", i.e. nothing)."""
    return text.startswith(FORMULA_STARTS) and text != "-" and not _NUMBER.match(text)


def csv_text(text: str) -> str:
    """`text` for a CSV cell: a formula-like text gets a leading apostrophe, which Excel and
    WPS show as text and never run; any other text is unchanged."""
    return "'" + text if is_formula(text) else text


def set_cell(cell: Cell, value: Any) -> None:
    """Put `value` into an XLSX cell: numbers and dates as themselves; formula-like text
    as a text cell with Excel's quote prefix, shown as typed and never run."""
    cell.value = value
    if isinstance(value, str) and is_formula(value):
        cell.data_type = "s"  # openpyxl made "=…" a formula
        cell.quotePrefix = True  # and it stays text when someone edits the cell
