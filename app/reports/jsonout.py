"""JSON exports: the shapes the HTTP API and `doorstep server report` print."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.coverage import Report
from app.domain.indicators import IndicatorResult


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def report_json(report: Report) -> bytes:
    """`{"period", "overall", "rows", "overdue"}` for coverage; other measures add "indicator"."""
    return _dump(report.to_json())


def indicators_json(
    results: Sequence[IndicatorResult], year: int, notes: Mapping[str, str] | None = None
) -> bytes:
    """`{"year": 2026, "indicators": [...]}` in the target list's order; with `notes` (the
    bureau's annotations by code) each indicator has a "note" (null when it has none)."""
    indicators = [
        r.to_json() | ({"note": notes.get(r.spec.code)} if notes is not None else {})
        for r in results
    ]
    return _dump({"year": year, "indicators": indicators})
