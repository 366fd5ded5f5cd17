"""The target list's page: the 20 indicators coloured against their targets, the bureau's
values entered with an evidence note by a supervisor or admin (a coordinator only reads),
and every entry kept (who, when, old → new)."""

from __future__ import annotations

import re

from app.assets import load_target_list
from app.domain.indicators import Source
from sync.server.services import audit
from tests.console.conftest import csrf_of

YEAR = 2026


def _row(html: str, name: str) -> str:
    """The <tr> of the indicators table that names `name`."""
    for row in re.findall(r"<tr class=\"status-[a-z_]+\">.*?</tr>", html, re.DOTALL):
        if name in row:
            return row
    raise AssertionError(f"no row for {name}")


def _enter(client, code: str, value: str, evidence: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(f"/console/indicators?year={YEAR}").text)
    form = {"csrf": token, "year": str(YEAR), "code": code, "value": value, "evidence": evidence}
    return client.post("/console/indicators", data=form)


def test_twenty_indicators_with_a_form_for_each_the_bureau_enters(signed_in) -> None:
    page = signed_in["supervisor"].get(f"/console/indicators?year={YEAR}")
    assert page.status_code == 200
    targets = load_target_list()
    rows = re.findall(r'<tr class="status-(met|not_met|no_data)">', page.text)
    assert len(rows) == len(targets.indicators) == 20
    options = re.findall(r'<option value="([a-z_0-9]+)"', page.text.split('id="code"')[1])
    entered = [s.code for s in targets.indicators if s.source == Source.ENTERED]
    assert options[: len(entered)] == entered and len(entered) == 12


def test_a_supervisor_enters_values_with_evidence_and_the_history_keeps_each(
    ctx, signed_in
) -> None:
    client = signed_in["supervisor"]
    first = _enter(client, "dibao_standard", "14000", "市政府办公室〔2026〕12号文件 𠮷")
    assert first.status_code == 303
    assert first.headers["location"] == f"/console/indicators?year={YEAR}&saved=dibao_standard"
    page = client.get(first.headers["location"]).text
    assert "已保存：最低生活保障年人均标准" in page
    row = _row(page, "最低生活保障年人均标准")
    assert 'class="status-not_met"' in page and "14000 元/年" in row and "〔2026〕12号" in row
    assert "status-not_met" in re.search(
        r'<tr class="(status-[a-z_]+)">\s*<td class="num"[^>]*>4<', page
    ).group(1)  # type: ignore[union-attr]
    second = _enter(client, "dibao_standard", "15,600", "年度调标文件")
    assert second.status_code == 303
    page = client.get(f"/console/indicators?year={YEAR}").text
    assert re.search(r'<tr class="status-met">\s*<td class="num"[^>]*>4<', page)
    history = page.split("填报记录")[1]
    assert re.search(r"14000 元/年</td><td class=\"num\">15600 元/年", history)  # old → new
    assert re.search(r"—</td><td class=\"num\">14000 元/年", history)  # the first had none
    assert history.count("演示supervisor（控制台）") == 2
    with ctx.db.reading() as s:
        logged = [e.detail for e in audit.entries(s, "indicator_set")]
    assert [(d["value"], d["previous"]) for d in logged] == [(14000.0, None), (15600.0, 14000.0)]


def test_an_entry_without_evidence_or_for_a_computed_indicator_is_refused(signed_in) -> None:
    client = signed_in["admin"]
    bare = _enter(client, "large_funds", "150", "  ")
    assert bare.status_code == 422 and "请填写佐证说明" in bare.text
    assert 'value="150"' in bare.text  # what was typed stays
    computed = _enter(client, "visit_coverage", "99", "手填")
    assert computed.status_code == 422 and 'class="error"' in computed.text
    negative = _enter(client, "large_funds", "-3", "统计表")
    assert negative.status_code == 422
    words = _enter(client, "large_funds", "很多", "统计表")
    assert words.status_code == 422 and "指标值应为数字" in words.text
    assert "尚未填报" in _row(
        client.get(f"/console/indicators?year={YEAR}").text, "设立规模300万元以上基金累计数"
    )


def test_a_coordinator_reads_the_list_but_has_no_form_and_a_charity_no_page(signed_in) -> None:
    page = signed_in["coordinator"].get(f"/console/indicators?year={YEAR}")
    assert page.status_code == 200 and 'name="evidence"' not in page.text
    refused = signed_in["coordinator"].post(
        "/console/indicators",
        data={
            "csrf": csrf_of(signed_in["coordinator"].get("/console").text),
            "code": "large_funds",
            "value": "1",
            "evidence": "x",
            "year": str(YEAR),
        },
    )
    assert refused.status_code == 403
    assert signed_in["charity"].get("/console/indicators").status_code == 403
