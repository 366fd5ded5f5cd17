"""The desk pages: the coverage drill-down shows the reports' own numbers, level by level
down to a household; the audit log filters; organisations are managed through forms."""

from __future__ import annotations

import re

from sync.server.services import audit
from sync.server.services.organisations import list_organisations
from sync.server.services.reports import coverage_reports, report_period
from tests.console.conftest import TODAY, TOWNSHIP, csrf_of

PERIOD = f"{TODAY.year}-Q3"  # a finished quarter of the demo data


def _figures(html: str) -> list[str]:
    return re.findall(r'<span class="big[^"]*">([^<]+)</span>', html)


def test_coverage_drills_down_with_the_reports_numbers(ctx, signed_in) -> None:
    client = signed_in["supervisor"]
    county = client.get(f"/console/coverage/330702?period={PERIOD}")
    assert county.status_code == 200 and "婺城区" in county.text
    with ctx.db.reading() as s:
        report = coverage_reports(s, report_period(PERIOD), [None], areas=("330702",)).reports[0]
    overdue = len(report.overdue or ())
    rate = "—" if report.overall.rate is None else f"{report.overall.rate * 100:.1f}%"
    assert _figures(county.text) == [
        rate,
        str(report.overall.total),
        str(report.overall.count),
        str(overdue),
    ]
    assert f'href="/console/coverage/{TOWNSHIP}?period={PERIOD}"' in county.text
    township = client.get(f"/console/coverage/{TOWNSHIP}?period={PERIOD}")
    villages = sorted(
        set(re.findall(rf'href="/console/coverage/({TOWNSHIP}\d{{3}})\?', township.text))
    )
    assert villages and "安地镇" in township.text
    village = client.get(f"/console/coverage/{villages[0]}?period={PERIOD}")
    assert village.status_code == 200 and "逾期未探访名单" in village.text
    households = re.findall(r'href="/console/households/([0-9a-f-]{36})"', township.text)
    assert households, "the demo township has overdue households in the quarter"
    page = client.get(f"/console/households/{households[0]}")
    assert page.status_code == 200 and "家庭成员" in page.text and "********" in page.text
    with ctx.db.reading() as s:
        reads = [e.detail for e in audit.entries(s, "report_read")]
    assert {"report": "coverage_console", "areas": [TOWNSHIP]}.items() <= reads[1].items()


def test_a_coordinator_starts_at_their_township_and_a_bad_period_is_explained(signed_in) -> None:
    client = signed_in["coordinator"]
    assert client.get("/console/coverage").headers["location"] == f"/console/coverage/{TOWNSHIP}"
    bad = client.get(f"/console/coverage/{TOWNSHIP}?period=2026-Q5")
    assert bad.status_code == 422 and 'class="error"' in bad.text


def test_the_audit_log_filters_by_action_and_actor(signed_in) -> None:
    client = signed_in["supervisor"]
    client.get(f"/console/coverage/330702?period={PERIOD}")
    everything = client.get("/console/audit")
    assert "新增控制台账户" in everything.text and "查看报表" in everything.text
    only = client.get("/console/audit?action=organisation_added")
    rows = re.findall(r"<tr>\s*<td[ >]", only.text)
    assert len(rows) == 1 and "共 1 条" in only.text
    nobody = client.get("/console/audit?actor=nobody&since=2020-01-01&until=2020-01-02")
    assert "共 0 条" in nobody.text
    reads = client.get("/console/audit?action=report_read").text
    assert "演示supervisor（控制台）" in reads  # the reader by name, not by id


def test_organisations_are_managed_through_forms(ctx, signed_in) -> None:
    admin = signed_in["admin"]
    token = csrf_of(admin.get("/console/organisations/new").text)
    form = {"csrf": token, "name": "磐安县爱心超市", "kind": "charity_supermarket",
            "credit_code": "91330100799655058A", "areas": "330727", "need_areas": ["living"]}  # fmt: skip
    refused = admin.post("/console/organisations", data=form)
    assert refused.status_code == 422 and "校验位不正确" in refused.text
    assert 'value="磐安县爱心超市"' in refused.text  # what was typed stays
    made = admin.post("/console/organisations", data={**form, "credit_code": "91330100799655058B"})
    assert made.status_code == 303
    org = next(o for o in list_organisations(ctx) if o.name == "磐安县爱心超市")
    edit = admin.get(f"/console/organisations/{org.id}")
    assert 'value="91330100799655058B"' in edit.text
    form2 = {
        **form,
        "credit_code": org.credit_code,
        "name": "磐安县慈善超市",
        "csrf": csrf_of(edit.text),
    }
    assert admin.post(f"/console/organisations/{org.id}/update", data=form2).status_code == 303
    off = admin.post(
        f"/console/organisations/{org.id}/active", data={"csrf": token, "active": "false"}
    )
    assert off.status_code == 303
    assert "磐安县慈善超市" not in [o.name for o in list_organisations(ctx)]
    listed = admin.get("/console/organisations?all=true").text
    assert "磐安县慈善超市" in listed and "已停用" in listed


def test_an_admin_adds_a_charity_account_in_the_console(server, county, signed_in) -> None:
    from tests.console.conftest import PASSWORD, browser, log_in

    admin = signed_in["admin"]
    form = {"username": "li.charity", "name": "李四", "role": "charity", "areas": "",
            "organisation": county.organisation_id, "password": "short"}  # fmt: skip
    form["csrf"] = csrf_of(admin.get("/console/accounts/new").text)
    refused = admin.post("/console/accounts", data=form)
    assert refused.status_code == 422 and "至少10" in refused.text
    assert 'value="li.charity"' in refused.text and "short" not in refused.text
    made = admin.post("/console/accounts", data={**form, "password": PASSWORD})
    assert made.status_code == 303
    listed = admin.get("/console/accounts").text
    assert "li.charity" in listed and "婺城区慈善总会" in listed
    assert log_in(browser(server), "li.charity").status_code == 303
