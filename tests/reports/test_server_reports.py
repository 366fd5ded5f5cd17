"""The county server's reports: `doorstep server report ...`, `set-indicator` and the HTTP
endpoints, on SQLite and PostgreSQL, over a small county whose numbers are worked out by hand.

The county (period 2026-10, a finished month: monthly households are due, quarterly not):

- h1 特困 in 岩头村, met at home on 10-12 → covered;
- h2 低保 in 岩头村 (quarterly; October ends no quarter) → not due;
- h3 特困 in 岩头村, only "nobody home" on 10-05; last met at home on 08-20 → overdue,
  last qualifying visit 2026-08-20 (before every window of October);
- h4 孤儿 in 东村, only a phone call on 10-09 (a monthly household needs a home visit)
  → overdue, no qualifying visit ever;
- h5 低收入 (not of the registered class) in 岩头村 → never counted;
- h6 特困 in 孝顺村 (金东区), met at home on 10-20 → covered.

Whole county: due 4, covered 2. 婺城区 only: due 3, covered 1. Responsible workers: 岩头村
has a 救助协理员 (w-coord) and a 网格员 (w-grid) → the 协理员; 东村 has nobody → its last
visitor (w-caller); 孝顺村 is covered by a township 民政干部 (w-civil).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from app.domain.calendar import Period
from app.domain.codes import Category, Team, VisitMode, VisitOutcome
from app.domain.coverage import Breakdown
from sync.server.cli import server_app
from sync.server.context import ServerContext
from sync.server.services import admin, audit, exchange, reports
from sync.server.tables import Area
from tests.reports.builders import household, member, visit
from tests.sync.conftest import ctx, db_url, make_device, server, signed  # noqa: F401

YANTOU = "330702102201"
DONGCUN = "330702102202"
XIAOSHUN = "330703101201"
ID_NUMBER = "330702194501011230"
runner = CliRunner()


def load_county(server_ctx: ServerContext) -> dict[str, str]:
    """The county of the module docstring; returns household ids by name."""
    with server_ctx.db.small_write() as s:
        for code, name in {
            "330702": "婺城区",
            "330702102": "安地镇",
            YANTOU: "岩头村",
            DONGCUN: "东村",
            "330703": "金东区",
            "330703101": "孝顺镇",
            XIAOSHUN: "孝顺村",
        }.items():
            s.add(Area(code=code, name=name))
    for worker_id, name, role, team, area in [
        ("w-grid", "网格员甲", "worker", "grid_worker", YANTOU),
        ("w-coord", "协理员乙", "worker", "coordinator", YANTOU),
        ("w-civil", "民政干部丙", "coordinator", "civil_affairs", "330703101"),
        ("w-boss", "督导丁", "supervisor", "civil_affairs", "330702"),
    ]:
        admin.create_worker(server_ctx, name, role, team, [area], worker_id=worker_id)
    h1 = household(Category.TEKUN)
    h2 = household(Category.DIBAO)
    h3 = household(Category.TEKUN)
    h4 = household(Category.ORPHAN, area=DONGCUN)
    h5 = household(Category.LOW_INCOME)
    h6 = household(Category.TEKUN, area=XIAOSHUN)
    head = member(h3, name="王小明", id_number=ID_NUMBER)
    records = [
        h1,
        h2,
        h3,
        h4,
        h5,
        h6,
        head,
        member(h1, name="张三"),
        visit(h1, date(2026, 10, 12), worker="w-grid"),
        visit(h3, date(2026, 8, 20), worker="w-grid"),
        visit(h3, date(2026, 10, 5), outcome=VisitOutcome.NOBODY_HOME, worker="w-grid"),
        visit(h4, date(2026, 10, 9), VisitMode.PHONE, worker="w-caller", team=Team.VOLUNTEER),
        visit(h5, date(2026, 10, 3), worker="w-grid"),
        visit(h6, date(2026, 10, 20), worker="w-civil", team=Team.CIVIL_AFFAIRS),
    ]
    exchange.load_records(server_ctx, records)
    return {"h1": h1.id, "h3": h3.id, "h4": h4.id, "h6": h6.id}


@pytest.fixture
def county(ctx: ServerContext) -> dict[str, str]:  # noqa: F811
    return load_county(ctx)


def run(db: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(server_app, [*args, "--db", db])


# --- CLI ------------------------------------------------------------------------------------


def test_coverage_json_by_village_has_the_hand_counted_numbers(db_url, county):  # noqa: F811
    result = run(db_url, "report", "coverage", "--period", "2026-10", "--by", "village")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["period", "overall", "rows", "overdue"]
    assert body["period"] == "2026-10"
    assert body["overall"] == {"due": 4, "covered": 2, "rate": 0.5}
    assert body["rows"] == [
        {"key": YANTOU, "name": "岩头村", "due": 2, "covered": 1, "rate": 0.5},
        {"key": DONGCUN, "name": "东村", "due": 1, "covered": 0, "rate": 0.0},
        {"key": XIAOSHUN, "name": "孝顺村", "due": 1, "covered": 1, "rate": 1.0},
    ]
    assert body["overdue"] == [
        {"household_id": county["h4"], "last_visit": None},
        {"household_id": county["h3"], "last_visit": "2026-08-20"},
    ]


def test_coverage_by_worker_follows_the_narrowest_area_then_the_team(db_url, county):  # noqa: F811
    result = run(db_url, "report", "coverage", "--period", "2026-10", "--by", "worker")
    assert result.exit_code == 0, result.output
    rows = {
        r["key"]: (r["name"], r["due"], r["covered"]) for r in json.loads(result.stdout)["rows"]
    }
    assert rows == {
        "w-coord": ("协理员乙", 2, 1),  # 岩头村: the 协理员 before the 网格员
        "w-caller": ("w-caller", 1, 0),  # 东村: nobody's area, so its last visitor
        "w-civil": ("民政干部丙", 1, 1),  # 孝顺村: the township's 民政干部
    }


def test_coverage_csv_and_a_finished_month_without_breakdown(db_url, county, tmp_path):  # noqa: F811
    result = run(
        db_url, "report", "coverage", "--period", "2026-10", "--by", "county", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert lines[0] == [
        "序号",
        "区划代码",
        "县（市、区）",
        "应探访户数",
        "已探访户数",
        "探访关爱率",
    ]
    assert lines[1:] == [
        ["1", "330702", "婺城区", "3", "1", "33.33%"],
        ["2", "330703", "金东区", "1", "1", "100.00%"],
        ["合计", "", "", "4", "2", "50.00%"],
    ]
    out = tmp_path / "overall.json"
    saved = run(db_url, "report", "coverage", "--period", "2026-10", "--out", str(out))
    assert saved.exit_code == 0 and saved.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["rows"] == []


def test_coverage_xlsx_is_a_ledger_with_every_breakdown_and_masked_heads(db_url, county, tmp_path):  # noqa: F811
    out = tmp_path / "台账.xlsx"
    result = run(db_url, "report", "coverage", "--period", "2026-10", "--format", "xlsx", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "总体",
        "按县（市、区）",
        "按乡镇（街道）",
        "按村（社区）",
        "按责任人",
        "按队伍",
        "按类别",
        "逾期未探访名单",
    ]
    assert book["按村（社区）"]["A1"].value == "在册对象探访关爱率台账"
    cells = [str(c.value) for row in book["逾期未探访名单"].iter_rows() for c in row if c.value]
    assert "王*明" in cells and "330702********1230" in cells
    assert not any(ID_NUMBER in c or "王小明" in c for c in cells)
    refused = run(db_url, "report", "coverage", "--period", "2026-10", "--format", "xlsx")
    assert refused.exit_code == 1 and "--out" in refused.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (("--period", "2026-13"), "统计期"),
        (("--period", "last month"), "统计期"),
        (("--period", "2026-10", "--by", "street"), "分组方式"),
        (("--period", "2026-10", "--format", "pdf"), "输出格式"),
        (("--period", "2026-10", "--as-of", "yesterday"), "YYYY-MM-DD"),
    ],
)
def test_bad_periods_breakdowns_and_formats_are_one_sentence(db_url, args, words):  # noqa: F811
    result = run(db_url, "report", "coverage", *args)
    assert result.exit_code == 1
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_bureau_value_shows_in_the_target_list_with_its_status(db_url, county, tmp_path):  # noqa: F811
    saved = run(
        db_url,
        "set-indicator",
        "--year",
        "2026",
        "--code",
        "organisations_in_unions",
        "--value",
        "150",
    )
    assert saved.exit_code == 0, saved.output
    values = tmp_path / "values.csv"
    values.write_text("code,year,value\ncharity_model_branches,2026,120\nsocial_donations,2025,3.5\n", encoding="utf-8")  # fmt: skip
    imported = run(db_url, "set-indicator", "--csv", str(values))
    assert imported.exit_code == 0 and "2 项" in imported.stdout
    result = run(db_url, "report", "indicators", "--year", "2026")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["year"] == 2026 and len(body["indicators"]) == 20
    got = {i["code"]: (i["value"], i["target"], i["status"]) for i in body["indicators"]}
    assert got["organisations_in_unions"] == (150.0, 150, "met")
    assert got["charity_model_branches"] == (120.0, 160, "not_met")
    assert got["social_donations"] == (None, 3.6, "no_data")  # entered for 2025, not 2026
    assert got["dibao_standard"] == (None, 15000, "no_data")
    # Measured over the year to date: h3 and h4 missed months, so coverage is not met.
    visits = got["visit_coverage"]
    assert visits[0] is not None and visits[0] < 100 and visits[2] == "not_met"
    assert got["wishes_fulfilled"] == (0.0, 5000, "not_met")
    xlsx = tmp_path / "targets.xlsx"
    as_file = run(db_url, "report", "indicators", "--year", "2026", "--format", "xlsx", "--out", str(xlsx))  # fmt: skip
    assert as_file.exit_code == 0
    sheet = openpyxl.load_workbook(xlsx)["目标清单"]
    header = next(r for r in sheet.iter_rows(values_only=True) if "完成情况" in r)
    status, note = header.index("完成情况"), header.index("批注")
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    statuses = [row[status] for row in rows]
    assert note == status + 1 and all(row[note] is None for row in rows)  # nothing annotated
    assert statuses.count("达标") >= 1 and "未达标" in statuses and "暂无数据" in statuses


@pytest.mark.parametrize(
    "args, words",
    [
        (("--year", "2026", "--code", "no_such", "--value", "1"), "没有指标"),
        (("--year", "2026", "--code", "visit_coverage", "--value", "99"), "系统统计"),
        (("--year", "2026", "--code", "large_funds", "--value", "-3"), "负数"),
        (("--year", "2026", "--code", "large_funds", "--value", "many"), "数字"),
        (("--year", "2031", "--code", "large_funds", "--value", "1"), "2031"),
        (("--year", "2026", "--code", "large_funds"), "--value"),
    ],
)
def test_set_indicator_refuses_what_the_list_cannot_take(db_url, args, words):  # noqa: F811
    result = run(db_url, "set-indicator", *args)
    assert result.exit_code == 1 and words in result.stderr


def test_a_csv_with_one_bad_row_saves_nothing(db_url, ctx, tmp_path):  # noqa: F811
    values = tmp_path / "values.csv"
    values.write_text("code,year,value\nlarge_funds,2026,150\nvisit_coverage,2026,100\n", encoding="utf-8")  # fmt: skip
    result = run(db_url, "set-indicator", "--csv", str(values))
    assert result.exit_code == 1 and "第 3 行" in result.stderr
    report = json.loads(run(db_url, "report", "indicators", "--year", "2026").stdout)
    assert {i["code"]: i["value"] for i in report["indicators"]}["large_funds"] is None


# --- HTTP ------------------------------------------------------------------------------------


def test_a_supervisor_gets_the_report_of_their_county_and_it_is_audited(ctx, county, make_device):  # noqa: F811
    boss = make_device(role="supervisor", areas=["330702"])
    response = signed(boss, "GET", "/v1/reports/coverage?period=2026-10&by=township")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "period": "2026-10",
        "overall": {"due": 3, "covered": 1, "rate": 1 / 3},
        "rows": [{"key": "330702102", "name": "安地镇", "due": 3, "covered": 1, "rate": 1 / 3}],
        "overdue": [
            {"household_id": county["h4"], "last_visit": None},
            {"household_id": county["h3"], "last_visit": "2026-08-20"},
        ],
    }
    village = signed(boss, "GET", f"/v1/reports/coverage?period=2026-10&area={DONGCUN}")
    assert village.json()["overall"] == {"due": 1, "covered": 0, "rate": 0.0}
    sheet = signed(boss, "GET", "/v1/reports/coverage?period=2026-10&by=village&format=xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert "attachment" in sheet.headers["content-disposition"]
    with ctx.db.reading() as s:
        reads = audit.entries(s, "report_read")
    assert [(e.actor, e.detail["format"], e.detail["areas"]) for e in reads] == [
        (boss.worker_id, "json", ["330702"]),
        (boss.worker_id, "json", [DONGCUN]),
        (boss.worker_id, "xlsx", ["330702"]),
    ]


def test_a_coordinator_gets_the_target_list_of_their_township(ctx, county, make_device):  # noqa: F811
    coordinator = make_device(role="coordinator", areas=["330702102"])
    response = signed(coordinator, "GET", "/v1/reports/indicators?year=2026&format=csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "在册对象探访关爱率" in response.content.decode("utf-8-sig")


def test_another_countys_report_is_403(county, make_device):  # noqa: F811
    boss = make_device(role="supervisor", areas=["330702"])
    for target in (
        "/v1/reports/coverage?period=2026-10&area=330703",
        f"/v1/reports/coverage?period=2026-10&area={XIAOSHUN}",
        "/v1/reports/indicators?year=2026&area=330703",
    ):
        response = signed(boss, "GET", target)
        assert response.status_code == 403
        assert response.json()["code"] == "out_of_scope"
        assert response.json()["message"].endswith("。")


def test_a_field_worker_gets_403(county, make_device):  # noqa: F811
    worker = make_device(role="worker", areas=[YANTOU])
    for target in ("/v1/reports/coverage?period=2026-10", "/v1/reports/indicators?year=2026"):
        response = signed(worker, "GET", target)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "target, status",
    [
        ("/v1/reports/coverage?period=2026-13", 400),
        ("/v1/reports/coverage?period=0000", 400),
        ("/v1/reports/coverage?period=9998-Q4&by=worker", 400),
        ("/v1/reports/coverage?period=2100-12&by=team", 200),
        ("/v1/reports/coverage?period=2026-10&by=street", 400),
        ("/v1/reports/coverage?period=2026-10&format=pdf", 422),
        ("/v1/reports/coverage?period=2026-10&as_of=2026-02-30", 422),
        ("/v1/reports/coverage?period=2026-10&area=12345", 400),
        ("/v1/reports/coverage", 422),
        ("/v1/reports/indicators?year=20x6", 400),
        ("/v1/reports/indicators?year=2031", 400),
    ],
)
def test_bad_requests_are_4xx_with_one_sentence_never_5xx(county, make_device, target, status):  # noqa: F811
    boss = make_device(role="admin", areas=["330702"])
    response = signed(boss, "GET", target)
    assert response.status_code == status, response.text
    if status >= 400:
        assert set(response.json()) == {"code", "message"}
        assert response.json()["message"].endswith("。")


def test_the_report_columns_follow_an_edited_household(ctx, county, tmp_path, db_url):  # noqa: F811
    """The report reads generated columns: a record changed by sync is seen at once."""
    from sync.server.services.feed import Feed
    from sync.server.tables import RecordRow

    with ctx.db.writing() as s:
        row = s.get(RecordRow, county["h1"])
        assert row is not None
        data = json.loads(row.data)
        data["categories"] = ["low_income"]
        Feed(s).replace(row, data, row.stamps)
    body = json.loads(run(db_url, "report", "coverage", "--period", "2026-10").stdout)
    assert body["overall"] == {"due": 3, "covered": 1, "rate": 1 / 3}


def test_the_empty_server_reports_nothing_due(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    result = run(db_url, "report", "coverage", "--period", "2026", "--by", "category")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "period": "2026",
        "overall": {"due": 0, "covered": 0, "rate": None},
        "rows": [],
        "overdue": [],
    }


# --- the coverage tree pages show -----------------------------------------------------------


def test_the_coverage_tree_holds_the_hand_counted_areas_households_and_overdue_list(ctx, county):  # noqa: F811
    tree = reports.coverage_overview(ctx, Period.parse("2026-10"), actor="w-boss")
    assert (tree.overall.total, tree.overall.count) == (4, 2)
    assert [(c.code, c.name, c.tally.total, c.tally.count) for c in tree.counties] == [
        ("330702", "婺城区", 3, 1),
        ("330703", "金东区", 1, 1),
    ]
    wucheng = tree.counties[0]
    assert [(t.code, t.name, t.tally.total) for t in wucheng.areas] == [("330702102", "安地镇", 3)]
    yantou, dongcun = wucheng.areas[0].areas
    assert (yantou.code, yantou.name, yantou.tally.total, yantou.tally.count) == (
        YANTOU,
        "岩头村",
        2,
        1,
    )
    # Overdue first; h2 (quarterly) and h5 (低收入) are not due, so not listed.
    assert [
        (h.household_id, h.covered, h.worker_id, h.last_visit, h.windows, h.missed)
        for h in yantou.households
    ] == [
        (county["h3"], False, "w-coord", date(2026, 8, 20), 1, 1),
        (county["h1"], True, "w-coord", date(2026, 10, 12), 1, 0),
    ]
    assert [(h.household_id, h.worker_id, h.last_visit) for h in dongcun.households] == [
        (county["h4"], "w-caller", None)
    ]
    assert [o.household_id for o in tree.overdue] == [county["h4"], county["h3"]]
    assert [o.household_id for o in tree.overdue_in(YANTOU)] == [county["h3"]]
    assert tree.find(DONGCUN) is dongcun and tree.find("330703101") is not None
    assert tree.find("330704") is None
    with ctx.db.reading() as s:
        (read,) = audit.entries(s, "report_read")
    assert (read.actor, read.detail["format"], read.detail["period"]) == (
        "w-boss",
        "tree",
        "2026-10",
    )


def test_the_coverage_tree_of_a_village_agrees_with_the_json_report(ctx, county):  # noqa: F811
    period = Period.parse("2026-10")
    tree = reports.coverage_overview(ctx, period, areas=[YANTOU])
    export = reports.coverage_export(ctx, period, Breakdown.VILLAGE, areas=[YANTOU])
    body = json.loads(export.body)
    (county_,) = tree.counties
    (village,) = county_.areas[0].areas
    assert body["rows"] == [
        {"key": village.code, "name": village.name, "due": 2, "covered": 1, "rate": 0.5}
    ]
    assert (tree.overall.total, tree.overall.count) == (2, 1)
    assert [o["household_id"] for o in body["overdue"]] == [o.household_id for o in tree.overdue]
