"""The shared shape of the organisations' and the projects' pages (reference_pages.py): a
field longer than it takes is named in one sentence on the form, which keeps what was
typed, and nothing is saved; the edit, update and stop addresses read the same ids."""

from __future__ import annotations

from sync.server.services.organisations import list_organisations
from sync.server.services.projects import add_project, list_projects
from tests.console.conftest import csrf_of, project_input


def test_a_field_too_long_is_named_and_nothing_is_saved(ctx, signed_in, county) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in["admin"]
    token = csrf_of(admin.get("/console/organisations/new").text)
    form = {
        "csrf": token,
        "name": "金东区志愿者协会",
        "kind": "volunteer",
        "credit_code": "914403001922038216",
        "areas": "330703",
        "contact": "电" * 401,
    }
    answer = admin.post("/console/organisations", data=form)
    assert answer.status_code == 422
    assert "「机构联系人和电话」过长（不能超过 400 个字）。" in answer.text
    assert 'value="金东区志愿者协会"' in answer.text  # what was typed stays
    assert [o.name for o in list_organisations(ctx)] == ["婺城区慈善总会"]
    charity = signed_in["charity"]
    token = csrf_of(charity.get("/console/projects/new").text)
    too_many = {"csrf": token, "name": "助餐", "need_areas": ["living"] * 51, "areas": "330702"}
    answer = charity.post("/console/projects", data=too_many)
    assert answer.status_code == 422 and "「需求领域」过长" in answer.text
    assert list_projects(ctx, include_inactive=True) == []


def test_edit_update_and_stop_read_the_same_ids(ctx, signed_in, county) -> None:  # type: ignore[no-untyped-def]
    project = add_project(ctx, project_input(county.organisation_id))
    charity = signed_in["charity"]
    page = charity.get(f"/console/projects/{project.id}")
    assert (
        page.status_code == 200 and f'action="/console/projects/{project.id}/update"' in page.text
    )
    form = {
        "csrf": csrf_of(page.text),
        "name": "安地镇困难老人助餐服务（二期）",
        "need_areas": ["living"],
        "areas": "330702102",
        "starts_on": "2026-01-01",
        "funding": "trust",
        "brand": "true",
    }
    assert charity.post(f"/console/projects/{project.id}/update", data=form).status_code == 303
    (edited,) = list_projects(ctx)
    assert (edited.name, edited.funding.value, edited.brand, edited.budget_yuan) == (
        "安地镇困难老人助餐服务（二期）",
        "trust",
        True,
        0,
    )
    stop = {"csrf": form["csrf"], "active": "false"}
    answer = charity.post(f"/console/projects/{project.id}/active", data=stop)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/projects?all=true"
    assert list_projects(ctx) == []
    listed = charity.get("/console/projects?all=true").text
    assert "已停止" in listed and "恢复" in listed and "匹配的需求" in listed
