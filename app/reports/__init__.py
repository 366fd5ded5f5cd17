"""Report exports (JSON, CSV, XLSX) of the coverage and target-list computations in app.domain."""

from app.reports.csvout import indicators_csv, overdue_csv, report_csv
from app.reports.files import write_file
from app.reports.jsonout import indicators_json, report_json
from app.reports.masking import household_heads, mask_name
from app.reports.xlsx import indicators_xlsx, report_xlsx

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
