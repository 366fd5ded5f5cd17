"""反向转介 and the 主动发现 queue in the console, over a real server (SQLite, PostgreSQL):
the charity's form validates what it sends (ID number, phone, a village it serves, the
situation's size, need areas) and needs its CSRF token; the report lands in the
coordinator's queue; a dismissal needs a reason; the charity then reads its report with the
outcome and nothing else; another organisation's report reads as none."""

from __future__ import annotations

import re
from datetime import date

import httpx

from app.domain.identity import make_id_number
from sync.server.services import charity_reports
from tests.console.conftest import TOWNSHIP, charity_reports_of, csrf_of

VILLAGE = "330702102201"  # 岩头村, the demo township's village


def report_form(client: httpx.Client, **values: object) -> dict[str, object]:
    token = csrf_of(client.get("/console/charity-reports/new").text)
    form: dict[str, object] = {
        "csrf": token,
        "name": "欧阳䶮",
        "id_number": make_id_number("330702", date(1948, 2, 3), 7),
        "phone": "13905791234",
        "village": VILLAGE,
        "situation": "独居老人，<script>alert('x')</script>腿脚不便",
        "need_areas": ["living", "medical"],
    }
    form.update(values)
    return form


def test_the_charity_form_refuses_bad_input_and_keeps_nothing(ctx, signed_in, county) -> None:
    charity = signed_in["charity"]
    cases = {
        "id_number": "330702194802030000",
        "phone": "12345",
        "village": "330703101201",  # not among the villages the charity serves
        "situation": "困" * (charity_reports.SITUATION_MAX + 1),
        "need_areas": [],
        "name": "",
    }
    for name, bad in cases.items():
        answer = charity.post("/console/charity-reports", data=report_form(charity, **{name: bad}))
        assert answer.status_code == 422, name
        assert "请修改标出的内容" in answer.text
    no_token = report_form(charity)
    del no_token["csrf"]
    assert charity.post("/console/charity-reports", data=no_token).status_code == 403
    assert charity_reports.sent_reports(ctx, county.organisation_id) == []
    assert "欧阳䶮" not in signed_in["coordinator"].get("/console/discoveries").text


def test_a_report_reaches_the_queue_and_the_charity_sees_only_the_outcome(
    ctx, signed_in, county
) -> None:
    charity, coordinator = signed_in["charity"], signed_in["coordinator"]
    sent = charity.post("/console/charity-reports", data=report_form(charity))
    assert sent.status_code == 303
    twice = charity.post("/console/charity-reports", data=report_form(charity))
    assert twice.status_code == 422 and "本机构已转介过此人" in twice.text
    assert len(charity_reports.sent_reports(ctx, county.organisation_id)) == 1
    report_url = sent.headers["location"].split("?")[0]
    page = charity.get(report_url).text
    assert "待民政部门核实" in page and "330702********" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page  # text, never markup

    queue = coordinator.get("/console/discoveries").text
    assert "欧阳䶮" in queue and "慈善组织转介：婺城区慈善总会" in queue
    item = re.search(r'id="h-([0-9a-f-]{36})">\s*<h2>欧阳䶮', queue)
    assert item is not None
    household_id = item.group(1)
    token = csrf_of(queue)
    no_reason = coordinator.post(
        f"/console/discoveries/{household_id}", data={"csrf": token, "review": "dismissed"}
    )
    assert no_reason.status_code == 422 and "排除主动发现的家庭需要填写理由" in no_reason.text
    dismissed = coordinator.post(
        f"/console/discoveries/{household_id}",
        data={
            "csrf": token,
            "review": "dismissed",
            "reason": "家庭收入超过低保标准，子女有赡养能力",
        },
    )
    assert dismissed.status_code == 303
    assert "欧阳䶮" not in coordinator.get("/console/discoveries").text
    again = coordinator.post(
        f"/console/discoveries/{household_id}", data={"csrf": token, "review": "confirmed"}
    )
    assert again.status_code == 409 and "已经处理过" in again.text

    page = charity.get(report_url).text
    assert "经核实不符合救助条件" in page
    # Nothing more than it sent: not the reason, nor who decided.
    assert "赡养能力" not in page and "演示coordinator" not in page
    listing = charity.get("/console/charity-reports").text
    assert "经核实不符合救助条件" in listing and "欧阳䶮" in listing


def test_a_charity_cannot_reach_another_organisations_report(ctx, signed_in, county) -> None:
    reports = charity_reports_of(ctx, county.organisation_id)
    charity = signed_in["charity"]
    assert (
        charity.get(f"/console/charity-reports/{reports[county.organisation_id]}").status_code
        == 200
    )
    other = charity.get(f"/console/charity-reports/{reports['other']}")
    assert other.status_code == 404 and "330702********" not in other.text
    assert charity.get("/console/charity-reports/not-an-id").status_code == 404
    listing = charity.get("/console/charity-reports").text
    assert reports[county.organisation_id] in listing and reports["other"] not in listing
    # Nor the queue, nor a decision.
    assert charity.get("/console/discoveries").status_code == 403


def test_the_queue_shows_a_township_its_own_households_only(ctx, signed_in, county) -> None:
    charity_reports_of(ctx, county.organisation_id)
    queue = signed_in["coordinator"].get("/console/discoveries").text
    # Both reports lie in the township, whichever charity sent them; the demo's reported
    # households of the other township do not show.
    assert "慈善组织转介：金东区爱心联合会" in queue and "慈善组织转介：婺城区慈善总会" in queue
    codes = re.findall(r'<dd data-area="(\d{12})">', queue)
    assert codes and all(code.startswith(TOWNSHIP) for code in codes)
