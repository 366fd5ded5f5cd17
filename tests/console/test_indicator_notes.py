"""The bureau annotates a computed indicator (批注): a supervisor's note for a year is shown
beside the figure on the indicators page and in every indicators export, never in its
place; every note is kept (who, when); bad notes, other roles and forms without their CSRF
token change nothing."""

from __future__ import annotations

import csv
import io
import json
import re

from openpyxl import load_workbook
from sqlmodel import select

from sync.server.services import audit
from sync.server.services.reports import indicators_export
from sync.server.services.reports.request import ReportFormat
from sync.server.tables import IndicatorNote
from tests.console.conftest import csrf_of

YEAR = 2026
CODE = "service_project_coverage"
NAME = "服务项目在册困难群众覆盖率"


def _row(html: str, name: str) -> str:
    for row in re.findall(r"<tr class=\"status-[a-z_]+\">.*?</tr>", html, re.DOTALL):
        if name in row:
            return row
    raise AssertionError(f"no row for {name}")


def _figure(row: str) -> list[str]:
    """The row's target and value cells."""
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)


def _annotate(client, code: str, note: str, *, csrf: bool = True):  # type: ignore[no-untyped-def]
    form = {"year": str(YEAR), "code": code, "note": note}
    if csrf:
        form["csrf"] = csrf_of(client.get(f"/console/indicators?year={YEAR}").text)
    return client.post("/console/indicators/notes", data=form)


def _notes(ctx) -> list[IndicatorNote]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return list(s.exec(select(IndicatorNote)))


def test_a_note_shows_beside_the_figure_and_every_note_is_kept(ctx, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in["supervisor"]
    before = _row(client.get(f"/console/indicators?year={YEAR}").text, NAME)
    assert "批注" not in before
    answer = _annotate(client, CODE, "项目库于 3 月上线，1—2 月的服务未录入 <b>𠮷</b>")
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    row = _row(page, NAME)
    assert "批注：项目库于 3 月上线，1—2 月的服务未录入 &lt;b&gt;𠮷&lt;/b&gt;" in row
    assert "演示supervisor" in row
    assert _figure(row) == _figure(before)  # the figure stays the computed one
    assert _annotate(client, CODE, "已补录 1—2 月的服务").status_code == 303
    page = client.get(f"/console/indicators?year={YEAR}").text
    row = _row(page, NAME)
    assert "已补录 1—2 月的服务" in row and "3 月上线" not in row
    history = page.split('id="notes"')[1].split("填报记录")[0]
    assert history.index("已补录") < history.index("3 月上线")  # newest first, both kept
    assert [(n.code, n.year, n.written_by.startswith("console:")) for n in _notes(ctx)] == [
        (CODE, YEAR, True),
        (CODE, YEAR, True),
    ]
    with ctx.db.reading() as s:
        assert len(audit.entries(s, "indicator_annotated")) == 2
    # Another year has no note.
    assert "已补录" not in client.get(f"/console/indicators?year={YEAR - 1}").text


def test_the_exports_carry_the_note_beside_the_value(ctx, signed_in) -> None:  # type: ignore[no-untyped-def]
    plain = json.loads(indicators_export(ctx, YEAR, ReportFormat.JSON, areas=["330702"]).body)
    assert _annotate(signed_in["admin"], CODE, "数据口径：只计在册户").status_code == 303
    noted = json.loads(indicators_export(ctx, YEAR, ReportFormat.JSON, areas=["330702"]).body)
    by_code = {i["code"]: i for i in noted["indicators"]}
    assert by_code[CODE]["note"].startswith("数据口径：只计在册户（演示admin，")
    assert [i.pop("note") is None for i in noted["indicators"]].count(False) == 1
    assert all(i.pop("note") is None for i in plain["indicators"])
    assert noted == plain  # nothing else changed
    text = indicators_export(ctx, YEAR, ReportFormat.CSV, areas=["330702"]).body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "批注"
    line = next(r for r in rows if NAME in r)
    assert line[-1].startswith("数据口径：只计在册户")
    book = load_workbook(
        io.BytesIO(indicators_export(ctx, YEAR, ReportFormat.XLSX, areas=["330702"]).body)
    )
    cells = [str(c.value or "") for row in book.active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert any(c.startswith("数据口径：只计在册户") for c in cells)


def test_a_bad_note_gets_one_sentence_and_nothing_is_kept(ctx, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in["supervisor"]
    for code, note, sentence in (
        ("dibao_standard", "填报的指标", "只能为系统统计的指标添加批注"),
        ("no_such_indicator", "说明", "只能为系统统计的指标添加批注"),
        (CODE, "   ", "请填写批注内容。"),
        (CODE, "注" * 501, "批注不能超过 500 个字（现有 501 个字）。"),
    ):
        answer = _annotate(client, code, note)
        assert answer.status_code == 422, code
        assert sentence in answer.text and 'role="alert"' in answer.text
    assert _notes(ctx) == []


def test_only_the_county_annotates_and_only_with_the_form_token(ctx, signed_in) -> None:  # type: ignore[no-untyped-def]
    page = signed_in["coordinator"].get(f"/console/indicators?year={YEAR}").text
    assert "添加批注" not in page  # coordinators read, with the notes
    token = csrf_of(signed_in["coordinator"].get("/console").text)
    form = {"csrf": token, "year": str(YEAR), "code": CODE, "note": "协调员的批注"}
    assert signed_in["coordinator"].post("/console/indicators/notes", data=form).status_code == 403
    assert signed_in["charity"].post("/console/indicators/notes", data=form).status_code == 403
    assert _annotate(signed_in["supervisor"], CODE, "无令牌", csrf=False).status_code == 403
    assert _notes(ctx) == []
