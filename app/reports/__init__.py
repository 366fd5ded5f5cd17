"""Report exports (JSON, CSV, XLSX) of the coverage and target-list computations in app.domain.

The writers load on first use (PEP 562), so `app.reports.masking`, which the store and
the unlock screen need, does not bring openpyxl along with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.reports.csvout import indicators_csv, overdue_csv, report_csv
    from app.reports.files import write_file
    from app.reports.jsonout import indicators_json, report_json
    from app.reports.masking import household_heads, mask_name
    from app.reports.xlsx import indicators_xlsx, report_xlsx

_HOME = {
    "household_heads": "masking",
    "indicators_csv": "csvout",
    "indicators_json": "jsonout",
    "indicators_xlsx": "xlsx",
    "mask_name": "masking",
    "overdue_csv": "csvout",
    "report_csv": "csvout",
    "report_json": "jsonout",
    "report_xlsx": "xlsx",
    "write_file": "files",
}

__all__ = [
    "household_heads",
    "indicators_csv",
    "indicators_json",
    "indicators_xlsx",
    "mask_name",
    "overdue_csv",
    "report_csv",
    "report_json",
    "report_xlsx",
    "write_file",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'app.reports' has no attribute {name!r}")
    return getattr(import_module(f"app.reports.{_HOME[name]}"), name)
