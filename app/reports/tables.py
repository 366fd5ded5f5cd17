"""Reports as plain tables (title, Chinese headers, rows): the one layout CSV and XLSX share.

Exports are in Chinese: the measures', breakdowns', statuses' and sources' words are the
UI catalogue's zh-CN ones (`app.ui.catalogue`), the rest of the layout's words are here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.coverage import UNASSIGNED, Breakdown, Report
from app.domain.indicators import CHARITIES_INVOLVED, IndicatorResult, Status, format_number
from app.domain.records import Person
from app.domain.warnings import HouseholdWarning, WarningKind, WarningRow
from app.reports.masking import mask_name, masked_id
from app.ui.catalogue import label, measure_label, text

TOTAL_LABEL = "合计"
STATUS_FILLS = {
    label(Status.MET): "C6EFCE",
    label(Status.NOT_MET): "FFC7CE",
    label(Status.NO_DATA): "EDEDED",
}


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # an integer
    RATE = "rate"  # a float 0..1, shown as a percentage
    NUMBER = "number"  # a value in the indicator's own unit
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: int = 12  # in characters, for spreadsheets
    fills: Mapping[str, str] | None = None  # cell text → background colour (RRGGBB)


@dataclass(frozen=True)
class Table:
    """One sheet: a title, a subtitle, headers, rows of plain values and an optional total."""

    sheet: str
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    total: tuple[Any, ...] | None = None
    note: str = ""


_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q(\d)|H(\d)))?$")


def period_label(report: Report) -> str:
    """2026-11 → 2026年11月（2026-11-01至2026-11-30）, 2026-Q4 → 2026年第4季度（…）."""
    m = _PERIOD.match(report.period)
    w = report.window
    span = f"（{w.start.isoformat()}至{w.end.isoformat()}）"
    if m is None:
        return report.period + span
    year, month, quarter, half = m.groups()
    if month:
        text = f"{year}年{int(month)}月"
    elif quarter:
        text = f"{year}年第{quarter}季度"
    elif half:
        text = f"{year}年{'上' if half == '1' else '下'}半年"
    else:
        text = f"{year}年度"
    return text + span


def breakdown_sheet(by: Breakdown | None) -> str:
    return "总体" if by is None else f"按{label(by)}"


KEY_HEADERS: dict[Breakdown, str] = {
    Breakdown.COUNTY: "区划代码",
    Breakdown.TOWNSHIP: "区划代码",
    Breakdown.VILLAGE: "区划代码",
    Breakdown.WORKER: "人员编号",
    Breakdown.TEAM: "队伍代码",
    Breakdown.CATEGORY: "类别代码",
}


def report_table(report: Report, names: Mapping[str, str] | None = None) -> Table:
    """A report's breakdown rows with a 合计 line; `names` renames rows (code or id → name)."""
    names = names or {}
    m = report.measure
    title = measure_label(m.code)
    figures = [Column(measure_label(m.code, "count"), Kind.COUNT, 14)]
    if m.total_key is not None:
        figures = [
            Column(measure_label(m.code, "total"), Kind.COUNT, 14),
            Column(measure_label(m.code, "count"), Kind.COUNT, 14),
            Column(measure_label(m.code, "rate"), Kind.RATE, 12),
        ]

    def figures_of(tally: Any) -> tuple[Any, ...]:
        if m.total_key is None:
            return (tally.count,)
        return (tally.total, tally.count, tally.rate)

    subtitle = f"统计期：{period_label(report)}"
    if report.by is None:
        columns = (Column("范围", Kind.TEXT, 16), *figures)
        return Table(
            breakdown_sheet(None),
            f"{title}台账",
            subtitle,
            columns,
            total=(TOTAL_LABEL, *figures_of(report.overall)),
        )
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column(KEY_HEADERS[report.by], Kind.TEXT, 16),
        Column(label(report.by), Kind.TEXT, 24),
        *figures,
    )
    rows = [
        (
            i,
            "" if row.key == UNASSIGNED else row.key,
            text("reports.unassigned") if row.key == UNASSIGNED else names.get(row.key, row.name),
            *figures_of(row.tally),
        )
        for i, row in enumerate(report.rows, 1)
    ]
    note = ""
    if report.by == Breakdown.CATEGORY:
        note = "注：同时属于多个类别的家庭在每个类别中各计一次，合计按户计一次。"
    if m is CHARITIES_INVOLVED:
        note = "注：各行按名称去重计数，合计为全部去重后的数量，各行之和可能大于合计。"
    return Table(
        breakdown_sheet(report.by),
        f"{title}台账",
        f"{subtitle}　分组：{label(report.by)}",
        columns,
        rows,
        (TOTAL_LABEL, "", "", *figures_of(report.overall)),
        note,
    )


def overdue_table(
    report: Report,
    heads: Mapping[str, Person] | None = None,
    names: Mapping[str, str] | None = None,
) -> Table:
    """The overdue households (逾期未探访名单), heads' names and ID numbers masked."""
    heads = heads or {}
    names = names or {}
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column("户主姓名", Kind.TEXT, 10),
        Column("身份证号", Kind.TEXT, 22),
        Column(label(Breakdown.TOWNSHIP), Kind.TEXT, 16),
        Column(label(Breakdown.VILLAGE), Kind.TEXT, 18),
        Column(label(Breakdown.WORKER), Kind.TEXT, 12),
        Column("最近一次有效探访", Kind.DATE, 16),
        Column("户编号", Kind.TEXT, 38),
    )
    rows = []
    for i, item in enumerate(report.overdue or (), 1):
        head = heads.get(item.household_id)
        township = item.area_code[:9]
        rows.append(
            (
                i,
                mask_name(head.name) if head else "",
                masked_id(head.id_number) if head else "",
                names.get(township) or names.get(township + "000") or township,
                names.get(item.area_code, item.area_code),
                names.get(item.worker_id, item.worker_id) if item.worker_id else "",
                item.last_visit,
                item.household_id,
            )
        )
    return Table(
        "逾期未探访名单",
        f"{measure_label(report.measure.code)}逾期未探访名单",
        f"统计期：{period_label(report)}　共{len(rows)}户　姓名、身份证号已脱敏",
        columns,
        rows,
        note="“最近一次有效探访”为空表示统计期末前没有符合要求的探访记录。",
    )


AREA_DIGITS: dict[Breakdown, int] = {
    Breakdown.COUNTY: 6,
    Breakdown.TOWNSHIP: 9,
    Breakdown.VILLAGE: 12,
}


def warnings_table(
    overall: WarningRow, rows: Sequence[WarningRow], by: Breakdown, today: date
) -> Table:
    """The warnings (预警) counted per area of `by` and per kind, with a 合计 line."""
    kinds = [Column(label(kind), Kind.COUNT, 14) for kind in WarningKind]
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column(KEY_HEADERS[by], Kind.TEXT, 16),
        Column(label(by), Kind.TEXT, 24),
        Column("预警合计", Kind.COUNT, 10),
        *kinds,
    )

    def figures(row: WarningRow) -> tuple[int, ...]:
        return (row.total, *(row.counts.get(kind, 0) for kind in WarningKind))

    return Table(
        "预警统计",
        "预警统计",
        f"统计日：{today.isoformat()}　分组：{label(by)}",
        columns,
        [(i, row.key, row.name, *figures(row)) for i, row in enumerate(rows, 1)],
        (TOTAL_LABEL, "", "", *figures(overall)),
        "注：预警按户（重大变故按人、合理需求按条）计，一户可有多条预警。",
    )


def warning_list_table(
    warnings: Sequence[HouseholdWarning],
    heads: Mapping[str, Person] | None = None,
    names: Mapping[str, str] | None = None,
) -> Table:
    """Every warning with its household (the head's name and ID number masked)."""
    heads = heads or {}
    names = names or {}
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column("预警", Kind.TEXT, 18),
        Column("户主姓名", Kind.TEXT, 10),
        Column("身份证号", Kind.TEXT, 22),
        Column(label(Breakdown.VILLAGE), Kind.TEXT, 18),
        Column("起始日期", Kind.DATE, 14),
        Column("户编号", Kind.TEXT, 38),
    )
    rows = []
    for i, item in enumerate(warnings, 1):
        head = heads.get(item.household_id)
        rows.append(
            (
                i,
                label(item.kind),
                mask_name(head.name) if head else "",
                masked_id(head.id_number) if head else "",
                names.get(item.area_code, item.area_code),
                item.since,
                item.household_id,
            )
        )
    return Table(
        "预警名单",
        "预警名单",
        f"共{len(rows)}条　姓名、身份证号已脱敏",
        columns,
        rows,
        note="“起始日期”为空表示该预警没有确定的起始日（如标记与记录不符）。",
    )


def indicators_table(
    results: Sequence[IndicatorResult], year: int, notes: Mapping[str, str] | None = None
) -> Table:
    """The target list for `year`: each indicator's targets, its value and whether it is met;
    with `notes` (the bureau's annotations by indicator code, on the server) a 批注 column."""
    years = sorted({y for r in results for y in r.spec.targets})
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column("类别", Kind.TEXT, 10),
        Column("指标", Kind.TEXT, 36),
        Column("单位", Kind.TEXT, 8),
        *(Column(f"{y}年目标", Kind.TEXT, 11) for y in years),
        Column(f"{year}年实际值", Kind.NUMBER, 13),
        Column("数据来源", Kind.TEXT, 11),
        Column("完成情况", Kind.TEXT, 10, STATUS_FILLS),
        *((Column("批注", Kind.TEXT, 40),) if notes is not None else ()),
    )
    rows = [
        (
            r.spec.number,
            r.spec.group,
            r.spec.name,
            r.spec.unit,
            *(r.spec.target_text(y) for y in years),
            r.value,
            label(r.spec.source),
            label(r.status),
            *((notes.get(r.spec.code, ""),) if notes is not None else ()),
        )
        for r in results
    ]
    met = sum(1 for r in results if r.status == Status.MET)
    return Table(
        "目标清单",
        f"政府救助和慈善帮扶融合发展三年目标清单（{year}年完成情况）",
        f"共{len(results)}项，已达标{met}项",
        columns,
        rows,
    )


def cell_text(value: Any, kind: Kind) -> str:
    """A value as CSV text: rates as 87.50%, dates as 2026-11-30, nothing as empty."""
    if value is None:
        return ""
    if kind == Kind.RATE:
        return f"{value * 100:.2f}%"
    if kind == Kind.NUMBER and isinstance(value, float):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
