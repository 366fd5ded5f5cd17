"""Roster import (花名册导入): the provincial register of households and persons, as CSV
or XLSX with Chinese column headers, one row per person (the household columns repeat).

The whole file is checked first: every bad row is reported with its row number (the
header is row 1) and reason, and then nothing is imported. A cell that a spreadsheet
would run as a formula (it starts with = + - @) is such a reason. A household is known by its
户编号, a person by 身份证号 (or 户编号 + 姓名 without one), so importing the same file
again changes nothing; a newer roster updates what changed, and households of the
file's townships that are no longer listed are marked as having left the register on
the import date (``register_status=left``, ``left_on``), and so are persons no longer
listed in a household the file still lists (the person's ``left_on``; cleared again if a
later roster lists them). An XLSX is read to its last row whatever size it declares. A 主动发现 household
awaiting a decision whose member's ID number the roster lists is merged into the roster's
household (`sync.server.services.discovery`).

An import that would mark more than the policy's share (``roster_leavers_confirm_percent``,
5 %) of a township's households as left is refused unless confirmed: a roster cut short
(a truncated export, a sheet read only in part) must not empty a township. A dry run
does all the work in the transaction and rolls it back. Column reference:
assets/templates/roster.md; the templates beside it have the headers and one example.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.assets import load_visit_policy
from app.domain import identity
from app.domain.areas import InvalidAreaCode, parse_area_code
from app.domain.codes import Category, PersonFlag, RegisterStatus
from app.domain.errors import DoorstepError
from app.domain.ids import new_id
from app.domain.policy import VisitPolicy
from app.domain.records import RECORD_TYPES
from app.reports.cells import csv_text, is_formula, set_cell
from app.ui.catalogue import CODE_LABELS, message
from sync import merge
from sync.server.context import ServerContext, set_meta
from sync.server.services import audit, discovery
from sync.server.services.feed import Feed
from sync.server.tables import Area, RecordRow, RosterKey

HOUSEHOLD_KEY = "户编号"
AREA = "区划代码"
ADDRESS = "家庭住址"
HOUSEHOLD_PHONE = "家庭电话"
CATEGORIES = "救助类别"
REGISTERED_ON = "纳入日期"
INCOME = "家庭年收入（元）"
NAME = "姓名"
ID_NUMBER = "身份证号"
RELATION = "与户主关系"
PERSON_PHONE = "个人电话"
FLAGS = "特殊情况"
LIVES_ALONE = "独居"
EXITED_ON = "退出救助日期"
REJECTED_ON = "申请未通过日期"
TEMPORARY_AID_ON = "临时救助日期"
MAJOR_EVENT_DATE = "重大变故日期"
# The monitored categories that expire, each with the column of the day it was entered.
CATEGORY_DATE_COLUMNS = {
    Category.EXITED: ("exited_on", EXITED_ON),
    Category.REJECTED: ("rejected_on", REJECTED_ON),
    Category.TEMPORARY_AID: ("temporary_aid_on", TEMPORARY_AID_ON),
}

COLUMNS = (
    HOUSEHOLD_KEY,
    AREA,
    ADDRESS,
    HOUSEHOLD_PHONE,
    CATEGORIES,
    REGISTERED_ON,
    INCOME,
    NAME,
    ID_NUMBER,
    RELATION,
    PERSON_PHONE,
    FLAGS,
    LIVES_ALONE,
    EXITED_ON,
    REJECTED_ON,
    TEMPORARY_AID_ON,
    MAJOR_EVENT_DATE,
)
REQUIRED = (HOUSEHOLD_KEY, AREA, ADDRESS, NAME)
HOUSEHOLD_COLUMNS = (
    AREA,
    ADDRESS,
    HOUSEHOLD_PHONE,
    CATEGORIES,
    REGISTERED_ON,
    INCOME,
    EXITED_ON,
    REJECTED_ON,
    TEMPORARY_AID_ON,
)

EXAMPLE_ROWS = (
    ("330702102201-0001", "330702102201", "岩头村3组12号", "0579-82345678", "低保、留守儿童",
     "2023-05-01", "18000", "王秀英", "330702194503120027", "户主", "13905791234", "高龄独居", "是",
     "", "", "", "2026-11-20"),
    ("330702102201-0001", "330702102201", "岩头村3组12号", "0579-82345678", "低保、留守儿童",
     "2023-05-01", "18000", "王小明", "330702201506010037", "孙子", "", "", "否",
     "", "", "", ""),
)  # fmt: skip

_CATEGORY_WORDS = {label: code for code, (label, _) in CODE_LABELS[Category].items()} | {
    "近三年退出救助": "exited",
    "特困": "tekun",
    "低保户": "dibao",
}
_FLAG_WORDS = {label: code for code, (label, _) in CODE_LABELS[PersonFlag].items()}
_SEPARATORS = ("、", "，", ",", ";", "；", "/", " ")


class RosterRefused(Exception):
    """The roster was not imported: the message says why, `lines()` the details."""

    def lines(self) -> list[str]:
        return []


class RosterInvalid(RosterRefused):
    """The roster has bad rows; `problems` lists each as (row number, reason)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__(f"花名册有 {len(problems)} 处错误，未导入任何数据。")

    def lines(self) -> list[str]:
        return [f"第 {row} 行：{reason}" if row else reason for row, reason in self.problems]


@dataclass(frozen=True)
class Leavers:
    """One township of the file: its households the roster knows (those the file lists and
    those it would mark as left) and how many of them it would mark as left."""

    township: str
    name: str
    households: int
    leaving: int

    @property
    def percent(self) -> float:
        return 100 * self.leaving / self.households if self.households else 0.0

    def line(self) -> str:
        return (
            f"{self.name or '乡镇（街道）'} {self.township}：{self.households} 户中 "
            f"{self.leaving} 户（{self.percent:.1f}%）标记为退出在册"
        )


class LeaversUnconfirmed(RosterRefused):
    """The import would mark more than the policy's share of a township as left, and that
    was not confirmed: nothing was imported."""

    def __init__(self, townships: list[Leavers], limit: float) -> None:
        self.townships = townships
        super().__init__(
            f"这份花名册会把 {len(townships)} 个乡镇（街道）超过 {limit:g}% 的家庭标记为退出在册，"
            "未导入任何数据：请核对花名册是否完整（如 Excel 只读到了部分行），"
            "确认无误后加 --confirm-leavers 再导入。"
        )

    def lines(self) -> list[str]:
        return [t.line() for t in self.townships]


@dataclass
class ImportReport:
    households_created: int = 0
    households_updated: int = 0
    households_left: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    persons_left: int = 0
    reported_merged: int = 0  # 主动发现 households the roster lists by ID number: merged
    unchanged: int = 0
    left: list[str] = field(default_factory=list)  # household keys that left the register
    persons_gone: list[str] = field(default_factory=list)  # person keys no longer listed
    leavers: list[Leavers] = field(default_factory=list)  # townships with households leaving
    limit: float = 0.0  # the policy's share (%) of a township that needs confirming
    dry_run: bool = False

    def one_line(self) -> str:
        return ("试运行（未写入）：" if self.dry_run else "") + (
            f"新增 {self.households_created} 户、{self.persons_created} 人；"
            f"更新 {self.households_updated} 户、{self.persons_updated} 人；"
            f"退出在册 {self.households_left} 户；人员退出 {self.persons_left} 人；"
            + (f"主动发现并入在册 {self.reported_merged} 户；" if self.reported_merged else "")
            + f"未变 {self.unchanged} 条。"
        )

    def over_limit(self) -> list[Leavers]:
        """The townships where more than the policy's share of households would leave."""
        return [t for t in self.leavers if t.percent > self.limit]

    def leaver_lines(self) -> list[str]:
        """One line per township with households leaving; those over the limit say so."""
        over = self.over_limit()
        return [
            t.line() + (f"，超过 {self.limit:g}%，需加 --confirm-leavers" if t in over else "")
            for t in self.leavers
        ]


# --- reading ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> list[list[str]]:
    """The sheet as rows of text cells (first sheet of an XLSX; CSV in UTF-8 or GB18030)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise RosterInvalid([(0, f"无法读取 Excel 文件：{type(exc).__name__}")]) from None
        try:
            sheet = book.worksheets[0]
            # Read-only sheets stop at the size the file declares (<dimension>), which any
            # program may write wrong: forget it and read every row and column there is.
            sheet.reset_dimensions()
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterInvalid([(0, "CSV 文件编码无法识别（应为 UTF-8 或 GB18030）。")])
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


# --- checking -----------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    for sep in _SEPARATORS[1:]:
        text = text.replace(sep, _SEPARATORS[0])
    return [p for p in (s.strip() for s in text.split(_SEPARATORS[0])) if p]


def _codes(text: str, words: dict[str, str], valid: set[str], what: str) -> list[str]:
    out = []
    for part in _split(text):
        code = words.get(part, part)
        if code not in valid:
            raise ValueError(f"{what}「{part}」无法识别")
        if code not in out:
            out.append(code)
    return out


def _date(text: str, what: str) -> str | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{what}「{text}」不是有效日期（如 2024-05-01）")


@dataclass
class _Row:
    number: int
    household_key: str
    household: dict[str, Any]
    person_key: str
    person: dict[str, Any]


def _refuse_formulas(cells: dict[str, str]) -> None:
    """A cell a spreadsheet would run as a formula (= + - @ …) is refused, not stripped: the
    clerk corrects the register itself, and the import never changes a name or an address
    behind their back. A phone number with its +86 prefix is a phone number."""
    for column, text in cells.items():
        if not is_formula(text):
            continue
        if column in (HOUSEHOLD_PHONE, PERSON_PHONE):
            try:
                identity.parse_phone(text)
                continue
            except identity.InvalidPhone:
                pass
        raise ValueError(
            f"「{column}」以“{text[0]}”开头，电子表格会把它当作公式运行：请删去开头的符号后再导入"
        )


def _parse_row(number: int, cells: dict[str, str]) -> _Row:
    _refuse_formulas(cells)
    for column in REQUIRED:
        if not cells.get(column):
            raise ValueError(f"「{column}」不能为空")
    try:
        area = parse_area_code(cells[AREA])
    except InvalidAreaCode as exc:
        raise ValueError(message(exc)) from None
    income = cells.get(INCOME, "")
    if income and not income.isdigit():
        raise ValueError(f"「{INCOME}」应为整数元：{income}")
    household = {
        "area_code": area,
        "address": cells[ADDRESS],
        "phone": cells.get(HOUSEHOLD_PHONE, ""),
        "categories": _codes(
            cells.get(CATEGORIES, ""), _CATEGORY_WORDS, {c.value for c in Category}, "救助类别"
        ),
        "registered_on": _date(cells.get(REGISTERED_ON, ""), REGISTERED_ON),
        "annual_income_yuan": int(income) if income else None,
    }
    # A category's day only when the file gives it: `_write` keeps the recorded one, or
    # records the import day for a category the household newly holds.
    for name, column in CATEGORY_DATE_COLUMNS.values():
        day = _date(cells.get(column, ""), column)
        if day is not None:
            household[name] = day
    alone = cells.get(LIVES_ALONE, "")
    if alone not in ("", "是", "否"):
        raise ValueError(f"「{LIVES_ALONE}」应填“是”或“否”：{alone}")
    id_number = cells.get(ID_NUMBER, "").upper()
    person = {
        "name": cells[NAME],
        "id_number": id_number or None,
        "relation": cells.get(RELATION, "") or "户主",
        "phone": cells.get(PERSON_PHONE, ""),
        "flags": _codes(
            cells.get(FLAGS, ""), _FLAG_WORDS, {f.value for f in PersonFlag}, "特殊情况"
        ),
        "lives_alone": alone == "是",
    }
    event = _date(cells.get(MAJOR_EVENT_DATE, ""), MAJOR_EVENT_DATE)
    if event is not None:  # none in the file leaves an event a device recorded as it is
        person["major_event_date"] = event
    key = cells[HOUSEHOLD_KEY]
    return _Row(number, key, household, id_number or f"{key}/{cells[NAME]}", person)


_FIELD_COLUMNS = {
    "area_code": AREA,
    "address": ADDRESS,
    "categories": CATEGORIES,
    "registered_on": REGISTERED_ON,
    "annual_income_yuan": INCOME,
    "name": NAME,
    "id_number": ID_NUMBER,
    "relation": RELATION,
    "flags": FLAGS,
    "exited_on": EXITED_ON,
    "rejected_on": REJECTED_ON,
    "temporary_aid_on": TEMPORARY_AID_ON,
    "major_event_date": MAJOR_EVENT_DATE,
    "major_event_recorded_on": MAJOR_EVENT_DATE,
}


def _check_models(row: _Row) -> None:
    """Build the domain records once, so every domain rule reports against its row."""
    h_id = new_id()
    area = row.household["area_code"]
    for kind, data, phone_column in (
        ("household", {"id": h_id, **row.household}, HOUSEHOLD_PHONE),
        (
            "person",
            {"id": new_id(), "household_id": h_id, "area_code": area, **row.person},
            PERSON_PHONE,
        ),
    ):
        try:
            RECORD_TYPES[kind].model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first.get("loc") else ""
            column = phone_column if name == "phone" else _FIELD_COLUMNS.get(name, "")
            cause = (first.get("ctx") or {}).get("error")
            said = (
                message(cause)
                if isinstance(cause, DoorstepError)
                else str(first.get("msg", "")).removeprefix("Value error, ")
            )
            raise ValueError(f"「{column}」{said}" if column else said) from None


def check(table: list[list[str]]) -> list[_Row]:
    """Every row parsed, or RosterInvalid listing every problem with its row number."""
    if not table or not any(table[0]):
        raise RosterInvalid([(1, "文件为空或缺少表头。")])
    header = [h.strip() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterInvalid([(1, f"缺少必需的列：{'、'.join(missing)}")])
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise RosterInvalid([(1, f"无法识别的列：{'、'.join(unknown)}")])
    problems: list[tuple[int, str]] = []
    rows: list[_Row] = []
    first_of: dict[str, _Row] = {}
    seen_people: dict[str, int] = {}
    for index, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        named = {header[i]: cells[i] for i in range(min(len(header), len(cells))) if header[i]}
        try:
            row = _parse_row(index, named)
            rows_household = first_of.get(row.household_key)
            if rows_household is not None and rows_household.household != row.household:
                raise ValueError(
                    f"户编号 {row.household_key} 的家庭信息与第 {rows_household.number} 行不一致"
                )
            if row.person_key in seen_people:
                raise ValueError(f"与第 {seen_people[row.person_key]} 行是同一人")
            _check_models(row)
        except ValueError as exc:
            problems.append((index, str(exc)))
            continue
        first_of.setdefault(row.household_key, row)
        seen_people[row.person_key] = index
        rows.append(row)
    if problems:
        raise RosterInvalid(problems)
    if not rows:
        raise RosterInvalid([(2, "花名册中没有数据行。")])
    return rows


# --- importing ----------------------------------------------------------------------------


def _key_row(s: Session, kind: str, key: str) -> RosterKey | None:
    return s.get(RosterKey, (kind, key))


def _upsert(
    s: Session,
    feed: Feed,
    ctx: ServerContext,
    kind: str,
    key: str,
    content: dict[str, Any],
    stamp_tag: str,
) -> tuple[str, str]:
    """Create or update one record from the roster; returns (record id, what happened)."""
    link = _key_row(s, kind, key)
    row: RecordRow | None = feed.get(link.record_id) if link else None
    if row is None:
        hlc = ctx.clock.now()
        record_id = link.record_id if link else new_id()
        data = content | {
            "id": record_id,
            "created_hlc": hlc,
            "updated_hlc": hlc,
            "author_worker_id": "roster",
            "device_id": "server",
        }
        data = merge.validate(kind, data).model_dump(mode="json")
        feed.insert(kind, data, {merge.WHOLE_RECORD: [hlc, feed.last + 1, "server"]})
        if link is None:
            s.add(RosterKey(kind=kind, key=key, record_id=record_id, last_import=stamp_tag))
        return record_id, "created"
    current = json.loads(row.data)
    changes = {k: v for k, v in content.items() if current.get(k) != v}
    if link is not None:
        link.last_import = stamp_tag
        s.add(link)
    if not changes:
        return row.id, "unchanged"
    outcome = merge.server_write(
        kind, current, row.stamps, changes, hlc=ctx.clock.now(), seq=feed.last + 1
    )
    feed.replace(row, outcome.data, outcome.stamps)
    return row.id, "updated"


class _Rehearsal(Exception):
    """Raised at the end of a dry run's transaction, so that it rolls back."""


def import_roster(
    ctx: ServerContext,
    path: Path,
    *,
    dry_run: bool = False,
    confirm_leavers: bool = False,
    actor: str = "cli",
    today: date | None = None,
    policy: VisitPolicy | None = None,
) -> ImportReport:
    """Check the whole file, then import it in one transaction (all or nothing); a dry run
    does the same work and rolls it back. Marking more than the policy's share of a
    township as left needs `confirm_leavers`, else LeaversUnconfirmed and nothing changes."""
    rows = check(read_table(path))
    tag = (today or date.today()).isoformat()
    limit = (policy or load_visit_policy()).roster_leavers_confirm_percent
    report = ImportReport(limit=limit, dry_run=dry_run)
    try:
        with ctx.db.writing() as s:
            feed = Feed(s)
            _write(s, feed, ctx, rows, tag, report)
            feed.close()
            if dry_run:
                raise _Rehearsal
            if report.over_limit() and not confirm_leavers:
                raise LeaversUnconfirmed(report.over_limit(), limit)
            audit.record(
                s,
                "roster_imported",
                actor=actor,
                file=path.name,
                rows=len(rows),
                summary=report.one_line(),
            )
            set_meta(s, "hlc", ctx.clock.last)
    except _Rehearsal:
        pass
    return report


def _write(
    s: Session, feed: Feed, ctx: ServerContext, rows: list[_Row], tag: str, report: ImportReport
) -> None:
    """Upsert the file's households and persons, then mark who left (see the module)."""
    household_ids: dict[str, str] = {}
    listed_persons: set[str] = set()
    for row in rows:
        if row.household_key not in household_ids:
            content = dict(row.household)
            content.update(register_status=RegisterStatus.REGISTERED.value, left_on=None)
            _date_categories(content, _current(s, feed, "household", row.household_key), tag)
            record_id, what = _upsert(s, feed, ctx, "household", row.household_key, content, tag)
            household_ids[row.household_key] = record_id
            _count(report, "households", what)
        person = dict(row.person) | {
            "household_id": household_ids[row.household_key],
            "area_code": row.household["area_code"],
            "left_on": None,
        }
        _date_event(person, _current(s, feed, "person", row.person_key), tag)
        person_id, what = _upsert(s, feed, ctx, "person", row.person_key, person, tag)
        listed_persons.add(person_id)
        _count(report, "persons", what)
    _mark_persons_left(s, feed, ctx, set(household_ids.values()), listed_persons, tag, report)
    report.reported_merged = discovery.merge_found_on_roster(ctx, s, feed)
    listed: dict[str, set[str]] = {}
    for row in rows:
        listed.setdefault(row.household["area_code"][:9], set()).add(row.household_key)
    leaving: dict[str, int] = dict.fromkeys(listed, 0)
    for link in s.exec(select(RosterKey).where(RosterKey.kind == "household")):
        if link.key in household_ids:
            continue
        record = feed.get(link.record_id)
        if record is None or record.area_code[:9] not in listed:
            continue
        data = json.loads(record.data)
        if data.get("register_status") == RegisterStatus.LEFT.value:
            continue
        outcome = merge.server_write(
            "household",
            data,
            record.stamps,
            {"register_status": RegisterStatus.LEFT.value, "left_on": tag},
            hlc=ctx.clock.now(),
            seq=feed.last + 1,
        )
        feed.replace(record, outcome.data, outcome.stamps)
        report.households_left += 1
        report.left.append(link.key)
        leaving[record.area_code[:9]] += 1
    report.leavers = [
        Leavers(code, _area_name(s, code), len(listed[code]) + n, n)
        for code, n in sorted(leaving.items())
        if n
    ]


def _area_name(s: Session, township: str) -> str:
    area = s.get(Area, township) or s.get(Area, township + "000")
    return area.name if area else ""


def _mark_persons_left(
    s: Session,
    feed: Feed,
    ctx: ServerContext,
    households: set[str],
    listed: set[str],
    tag: str,
    report: ImportReport,
) -> None:
    """Persons an earlier roster listed in a household this file still lists, and this
    file no longer does, left the register on the import date (``left_on``). Persons
    added on devices (never on a roster) are not the roster's to remove."""
    ordered = sorted(households)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        links = s.exec(
            select(RosterKey.key, RecordRow)
            .join(RecordRow, col(RecordRow.id) == col(RosterKey.record_id))
            .where(
                RosterKey.kind == "person",
                RecordRow.type == "person",
                col(RecordRow.household_id).in_(chunk),
            )
            .order_by(col(RosterKey.key))
        )
        for key, record in list(links):
            if record.id in listed:
                continue
            data = json.loads(record.data)
            if data.get("left_on"):
                continue
            outcome = merge.server_write(
                "person",
                data,
                record.stamps,
                {"left_on": tag},
                hlc=ctx.clock.now(),
                seq=feed.last + 1,
            )
            feed.replace(record, outcome.data, outcome.stamps)
            report.persons_left += 1
            report.persons_gone.append(key)


def _current(s: Session, feed: Feed, kind: str, key: str) -> dict[str, Any]:
    """The record a roster key names, as stored (empty if there is none yet)."""
    link = _key_row(s, kind, key)
    row = feed.get(link.record_id) if link else None
    return json.loads(row.data) if row is not None else {}


def _date_categories(content: dict[str, Any], current: dict[str, Any], tag: str) -> None:
    """Each monitored category that expires, held without a day in the file, keeps the day
    recorded when the household entered it, or gets the import day if it had none."""
    held = set(content.get("categories", ()))
    for category, (name, _) in CATEGORY_DATE_COLUMNS.items():
        if category.value in held and not content.get(name):
            content[name] = current.get(name) or tag


def _date_event(person: dict[str, Any], current: dict[str, Any], tag: str) -> None:
    """A major event's date the roster brings, new or changed, is recorded on the import
    day: its three days to a home visit start then (DOMAIN.md)."""
    event = person.get("major_event_date")
    if event is None:
        return
    if current.get("major_event_date") == event and current.get("major_event_recorded_on"):
        person["major_event_recorded_on"] = current["major_event_recorded_on"]
    else:
        person["major_event_recorded_on"] = max(event, tag)


def _count(report: ImportReport, kind: str, what: str) -> None:
    if what == "unchanged":
        report.unchanged += 1
    else:
        name = f"{kind}_{what}"
        setattr(report, name, getattr(report, name) + 1)


def write_templates(folder: Path) -> tuple[Path, Path]:
    """The CSV and XLSX templates: the headers and the example household."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "roster_template.csv"
    rows = (COLUMNS, *EXAMPLE_ROWS)
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([csv_text(c) for c in row] for row in rows)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=r, column=c), value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = 20
        for cell in column:
            cell.number_format = "@"  # text: ID numbers and codes keep their digits
    xlsx_path = folder / "roster_template.xlsx"
    book.save(xlsx_path)
    return csv_path, xlsx_path
