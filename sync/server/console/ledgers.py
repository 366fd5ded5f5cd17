"""台账: an area's needs, referrals, wishes and visits of a period, as XLSX workbooks.

Each ledger is a `app.reports.tables.Table` written by `app.reports.xlsx.tables_xlsx`, so
it looks like the other exports and no cell can run as a formula (`app.reports.cells`).
Every record goes through `app.reports.masking.mask_record` first: names, ID numbers,
phones and addresses are masked and free text is blanked, as in every export. Each
ledger exported is written to the audit log (who, which ledger, which area and period).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.calendar import Period, Window
from app.domain.codes import (
    DataCategory,
    NeedArea,
    NeedStatus,
    ReferralDirection,
    ReferralStatus,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.reports.masking import mask_name, mask_record
from app.reports.tables import Column, Kind, Table
from app.reports.xlsx import tables_xlsx
from app.ui.catalogue import label, purpose_label
from sync.server.console.access import TooLarge
from sync.server.console.coverage import area_name
from sync.server.console.labels import recipient_label
from sync.server.context import ServerContext
from sync.server.scope import area_filter
from sync.server.services import audit
from sync.server.services.reports.read_model import area_names, head_names
from sync.server.tables import Organisation, RecordRow, Worker

CHUNK = 500
# One workbook, one printout: past these a page would hold the server for minutes; the
# reader is asked for a smaller area or a shorter period instead.
MAX_SCANNED = 300_000  # records of the type in the area, whatever their date
MAX_ROWS = 20_000  # rows of the period


def _within(column: Any, area: str) -> tuple[Any, ...]:
    """SQL: the column's 12-digit area code lies in the scope code `area`, as a range the
    area index serves (a prefix LIKE is no index condition under PostgreSQL's C.UTF-8 or
    any other non-C collation: a village's printout then scanned the whole county's
    records, about a second per query at 100,000 households) plus the prefix itself."""
    return (
        column >= area.ljust(12, "0"),
        column <= area.ljust(12, "9"),
        area_filter(column, [area]),
    )


def records_of_period(
    session: Session, record_type: str, date_field: str, area: str, window: Window
) -> list[tuple[str, str, dict[str, Any], date]]:
    """(area code, household id, fields, day) of the records of a type in an area dated in
    `window`; raises TooLarge past MAX_SCANNED records or MAX_ROWS in the window."""
    in_area = (col(RecordRow.type) == record_type, *_within(col(RecordRow.area_code), area))
    total = session.execute(select(func.count()).select_from(RecordRow).where(*in_area))
    if int(total.scalar_one()) > MAX_SCANNED:
        raise TooLarge("该区划的记录太多，请选择乡镇（街道）或村（社区）后再导出或打印。")
    query = select(col(RecordRow.area_code), col(RecordRow.household_id), col(RecordRow.data))
    out = []
    for area_code, household_id, data in session.execute(query.where(*in_area)):
        fields = json.loads(data)
        day = day_of(fields.get(date_field))
        if day is not None and day in window:
            out.append((area_code, household_id or "", fields, day))
    if len(out) > MAX_ROWS:
        raise TooLarge(
            f"共 {len(out)} 条，超过 {MAX_ROWS} 条，请选择更小的区划或更短的统计期后再导出或打印。"
        )
    return out


class LedgerKind(StrEnum):
    NEEDS = "needs"
    REFERRALS = "referrals"
    WISHES = "wishes"
    VISITS = "visits"


@dataclass(frozen=True)
class Found:
    """One record of a ledger, masked, with what its row needs besides its own fields."""

    data: dict[str, Any]  # masked
    area_code: str
    household_id: str
    day: date


Row = tuple[Any, ...]


Names = Mapping[str, str]
Value = Callable[[Found, Names], Any]


@dataclass(frozen=True)
class Cell:
    """A ledger's column and how a record fills it (from its fields and the names read
    for the ledger: people, organisations, workers)."""

    column: Column
    value: Value


def _no_names(session: Session, found: Sequence[Found]) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class LedgerSpec:
    """A ledger: the record type it lists, the field that dates a record, its cells after
    the place and before the household's id, and the names its cells look up."""

    record_type: str
    title: str
    date_field: str
    cells: tuple[Cell, ...]
    names: Callable[[Session, Sequence[Found]], dict[str, str]] = _no_names

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(cell.column for cell in self.cells)

    def row(self, found: Found, names: Names) -> Row:
        return tuple(cell.value(found, names) for cell in self.cells)


def code_label(enum: type[StrEnum], value: Any) -> str:
    try:
        return label(enum(value))
    except ValueError:
        return str(value or "")


def day_of(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


PLACE = (
    Column("乡镇（街道）", Kind.TEXT, 14),
    Column("村（社区）", Kind.TEXT, 16),
    Column("户主", Kind.TEXT, 8),
)
HOUSEHOLD_ID = Column("户编号", Kind.TEXT, 38)


def _text(key: str) -> Value:
    return lambda f, _: f.data.get(key, "")


def _purpose(f: Found, _: Mapping[str, str]) -> str:
    """A listed purpose's label, older typed wording as typed (as the inbox shows it)."""
    return purpose_label(str(f.data.get("purpose", "")), typed=False)


def _coded(key: str, enum: type[StrEnum]) -> Value:
    return lambda f, _: code_label(enum, f.data.get(key))


def _day(key: str) -> Value:
    return lambda f, _: day_of(f.data.get(key))


def _dated(f: Found, _: Names) -> date:
    """The day that dates the record in the ledger (its `date_field`)."""
    return f.day


def _cell(title: str, kind: Kind, width: int, value: Value) -> Cell:
    return Cell(Column(title, kind, width), value)


def _people_and_organisations(session: Session, found: Sequence[Found]) -> dict[str, str]:
    people = _person_names(session, sorted({str(f.data.get("person_id")) for f in found}))
    query = select(col(Organisation.id), col(Organisation.name))
    return {**people, **{org_id: name for org_id, name in session.execute(query)}}


def _workers(session: Session, found: Sequence[Found]) -> dict[str, str]:
    return _worker_names(session, (str(f.data.get("worker_id") or "") for f in found))


def _person(f: Found, names: Names) -> str:
    return names.get(f.data.get("person_id") or "", "")


def _recipient(f: Found, names: Names) -> str:
    return recipient_label(f.data.get("recipient", ""), names)


def _categories(f: Found, _: Names) -> str:
    return "、".join(code_label(DataCategory, c) for c in f.data.get("data_categories") or [])


def _visited_at(f: Found, _: Names) -> str:
    return str(f.data.get("visited_at", ""))[:16].replace("T", " ")


def _worker(f: Found, names: Names) -> str:
    worker = f.data.get("worker_id") or ""
    return names.get(worker, worker)


def _companions(f: Found, _: Names) -> str:
    return "、".join(f.data.get("companions") or [])


TEXT, DATE = Kind.TEXT, Kind.DATE
LEDGERS: dict[LedgerKind, LedgerSpec] = {
    LedgerKind.NEEDS: LedgerSpec(
        "need",
        "困难群众需求台账",
        "raised_on",
        (
            _cell("需求领域", TEXT, 10, _coded("area", NeedArea)),
            _cell("需求描述", TEXT, 24, _text("description")),
            _cell("提出日期", DATE, 12, _dated),
            _cell("状态", TEXT, 8, _coded("status", NeedStatus)),
            _cell("对接资源", TEXT, 18, _text("resource")),
            _cell("兑现日期", DATE, 12, _day("fulfilled_on")),
        ),
    ),
    LedgerKind.REFERRALS: LedgerSpec(
        "referral",
        "双向转介台账",
        "referred_on",
        (
            _cell("被转介人", TEXT, 8, _person),
            _cell("方向", TEXT, 14, _coded("direction", ReferralDirection)),
            _cell("接收方", TEXT, 20, _recipient),
            _cell("目的", TEXT, 16, _purpose),
            _cell("共享信息类别", TEXT, 20, _categories),
            _cell("状态", TEXT, 8, _coded("status", ReferralStatus)),
            _cell("转介日期", DATE, 12, _dated),
            _cell("完成日期", DATE, 12, _day("completed_on")),
        ),
        _people_and_organisations,
    ),
    LedgerKind.WISHES: LedgerSpec(
        "wish",
        "微心愿台账",
        "collected_on",
        (
            _cell("心愿", TEXT, 20, _text("title")),
            _cell("金额（元）", Kind.NUMBER, 10, lambda f, _: f.data.get("value_yuan")),
            _cell("状态", TEXT, 8, _coded("state", WishState)),
            _cell("征集日期", DATE, 12, _dated),
            _cell("认领方", TEXT, 14, _text("claimed_by")),
            _cell("认领日期", DATE, 12, _day("claimed_on")),
            _cell("圆梦日期", DATE, 12, _day("fulfilled_on")),
        ),
    ),
    LedgerKind.VISITS: LedgerSpec(
        "visit",
        "走访探访台账",
        "visited_at",
        (
            _cell("走访时间", TEXT, 17, _visited_at),
            _cell("类型", TEXT, 10, _coded("kind", VisitKind)),
            _cell("方式", TEXT, 6, _coded("mode", VisitMode)),
            _cell("结果", TEXT, 10, _coded("outcome", VisitOutcome)),
            _cell("走访人", TEXT, 10, _worker),
            _cell("队伍", TEXT, 12, _coded("team", Team)),
            _cell("同行人员", TEXT, 16, _companions),
        ),
        _workers,
    ),
}


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    filename: str
    rows: int


def _found(session: Session, spec: LedgerSpec, area: str, window: Window) -> list[Found]:
    found = [
        Found(mask_record(fields), area_code, household_id, day)
        for area_code, household_id, fields, day in records_of_period(
            session, spec.record_type, spec.date_field, area, window
        )
    ]
    found.sort(key=lambda f: (f.day, f.area_code, str(f.data.get("id", ""))))
    return found


def _person_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """Masked names of the given people, by id."""
    names: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(col(RecordRow.id), col(RecordRow.data)).where(
            col(RecordRow.type) == "person", col(RecordRow.id).in_(ids[start : start + CHUNK])
        )
        for person_id, data in session.execute(query):
            names[person_id] = mask_name(json.loads(data).get("name", ""))
    return names


def _worker_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    query = select(col(Worker.id), col(Worker.name)).where(col(Worker.id).in_(wanted))
    return {worker_id: name for worker_id, name in session.execute(query)}


def ledger_table(
    session: Session, kind: LedgerKind, area: str, period: Period
) -> tuple[Table, int]:
    """The ledger of `kind` for the scope code `area` over `period`, masked."""
    spec = LEDGERS[kind]
    window = period.window
    found = _found(session, spec, area, window)
    extra = spec.names(session, found)
    heads = head_names(session, sorted({f.household_id for f in found if f.household_id}))
    names = area_names(session)
    rows = []
    for i, f in enumerate(found, 1):
        rows.append(
            (
                i,
                area_name(f.area_code[:9], names),
                area_name(f.area_code, names),
                mask_name(heads[f.household_id]) if f.household_id in heads else "",
                *spec.row(f, extra),
                f.household_id,
            )
        )
    place = area_name(area, names)
    span = f"{window.start.isoformat()}至{window.end.isoformat()}"
    table = Table(
        spec.title,
        f"{place}{spec.title}",
        f"统计期：{period.label}（{span}）　共{len(rows)}条　姓名、身份证号已脱敏，自由文本已隐去",
        (Column("序号", Kind.COUNT, 6), *PLACE, *spec.columns, HOUSEHOLD_ID),
        rows,
    )
    return table, len(rows)


def export_ledger(
    ctx: ServerContext, kind: LedgerKind, area: str, period: Period, *, actor: str
) -> LedgerFile:
    """The ledger as an XLSX workbook for an area the caller has checked; audited."""
    with ctx.db.reading() as s:
        table, count = ledger_table(s, kind, area, period)
    content = tables_xlsx([table])
    with ctx.db.small_write() as s:
        audit.record(
            s,
            "ledger_exported",
            actor=actor,
            ledger=kind.value,
            area=area,
            period=period.label,
            rows=count,
        )
    stamp = datetime.now().strftime("%Y%m%d")
    return LedgerFile(content, f"ledger-{kind.value}-{area}-{period.label}-{stamp}.xlsx", count)


__all__ = ["LEDGERS", "LedgerFile", "LedgerKind", "export_ledger", "ledger_table"]
