"""Reports on the county server (报表): visit coverage and the 2024–2026 target list.

The numbers come from the same functions the device uses (`app.domain.coverage`,
`app.domain.indicators`); this package reads what they need and renders it:

- `request`     — a request's format, period, breakdown, year, scope and day, checked once;
- `read_model`  — lean SQL reads of the report columns (light rows, visit digests);
- `coverage`    — 在册对象探访关爱率: what to read for the domain, the overdue list, and
                  the coverage tree (county → township → village → household) pages show;
- `indicators`  — the target list: measured values and the bureau's entered values;
- `events`      — 重大变故响应率 and the warnings (预警), by the device's functions;
- `exports`     — for a reader, audited: JSON, CSV or XLSX (`coverage_export`,
                  `indicators_export`) or the tree (`coverage_overview`).

Entry points parse the request once (`report_period`, `report_breakdown`, `report_year`,
`parse_format`, `report_scope`) and pass the values on.

A period still in progress is reported as of today (windows not yet ended do not count
yet) unless another day is asked for; a finished period counts every window in it. A
report over HTTP covers the caller's areas (or one area inside them); the bureau's
entered values are city-wide and shown as entered. Every report read is audited.
"""

from sync.server.services.reports.campaigns import campaign_progress, campaigns_export
from sync.server.services.reports.coverage import (
    AreaCoverage,
    CoverageData,
    CoverageTree,
    HouseholdCoverage,
    coverage_reports,
    coverage_tree,
)
from sync.server.services.reports.exports import (
    MEDIA_TYPES,
    Export,
    coverage_export,
    coverage_overview,
    indicators_export,
    major_events_export,
    warnings_export,
)
from sync.server.services.reports.indicators import (
    EnteredValue,
    import_values,
    indicator_results,
    set_indicator,
)
from sync.server.services.reports.read_model import overdue_heads
from sync.server.services.reports.request import (
    InvalidReportRequest,
    OutOfScope,
    ReportFormat,
    as_of_for,
    parse_format,
    report_breakdown,
    report_period,
    report_scope,
    report_year,
)

__all__ = [
    "MEDIA_TYPES",
    "AreaCoverage",
    "CoverageData",
    "CoverageTree",
    "EnteredValue",
    "Export",
    "HouseholdCoverage",
    "InvalidReportRequest",
    "OutOfScope",
    "ReportFormat",
    "as_of_for",
    "campaign_progress",
    "campaigns_export",
    "coverage_export",
    "coverage_overview",
    "coverage_reports",
    "coverage_tree",
    "import_values",
    "indicator_results",
    "indicators_export",
    "major_events_export",
    "overdue_heads",
    "parse_format",
    "report_breakdown",
    "report_period",
    "report_scope",
    "report_year",
    "set_indicator",
    "warnings_export",
]
