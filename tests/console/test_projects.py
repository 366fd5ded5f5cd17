"""The service-project library (慈善帮扶项目库) on the county server: registered, listed,
edited and stopped; each field checked; charity staff keep their own organisation's
projects only; every form carries the CSRF token (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.domain.codes import NeedArea
from app.domain.projects import FundingSource
from sync.server.cli import server_app
from sync.server.errors import BadRequest, NotFound
from sync.server.services import audit
from sync.server.services.organisations import OrganisationInput, add_organisation, set_active
from sync.server.services.projects import (
    add_project,
    find_project,
    list_projects,
    update_project,
)
from sync.server.services.projects import (
    set_active as set_project_active,
)
from tests.console.conftest import csrf_of, project_input

OTHER_ORG = OrganisationInput(
    "安地镇幸福超市", "charity_supermarket", "9144030071526726XG", ["330702102"], ["living"]
)


@pytest.fixture
def org(ctx) -> str:  # type: ignore[no-untyped-def]
    return add_organisation(
        ctx,
        OrganisationInput("婺城区慈善总会", "charity", "91350100M000100Y43", ["330702"], []),
    ).id


def test_register_list_edit_and_stop(ctx, org) -> None:  # type: ignore[no-untyped-def]
    project = add_project(ctx, project_input(org, name="  安地镇 助餐 ", brand=True), actor="me")
    assert project.name == "安地镇 助餐" and project.organisation_name == "婺城区慈善总会"
    assert project.need_areas == [NeedArea.LIVING, NeedArea.CARE]
    assert project.funding is FundingSource.FUNDRAISING and project.charity_resource
    assert (project.budget_yuan, project.capacity, project.brand) == (200_000, 120, True)
    edited = update_project(
        ctx, project.id, project_input(org, funding="venture", ends_on="", brand=False)
    )
    assert edited.funding is FundingSource.VENTURE and edited.ends_on is None
    assert not edited.brand and edited.active
    assert find_project(ctx, project.id) == edited
    stopped = set_project_active(ctx, project.id, False)
    assert not stopped.active and list_projects(ctx) == []
    assert [p.id for p in list_projects(ctx, include_inactive=True)] == [project.id]
    with ctx.db.reading() as s:
        actions = [(e.action, e.actor) for e in audit.entries(s) if "project" in e.action]
    assert actions == [
        ("project_added", "me"),
        ("project_updated", "cli"),
        ("project_stopped", "cli"),
    ]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "助"}, "项目名称应为2到100个字"),
        ({"name": "助" * 101}, "项目名称应为2到100个字"),
        ({"need_areas": []}, "至少选择一个需求领域"),
        ({"need_areas": ["food"]}, "需求领域"),
        ({"areas": []}, "至少一个服务区划"),
        ({"areas": ["3307021"]}, "服务区划无效"),
        ({"areas": ["330702999"]}, "服务区划无效"),
        ({"starts_on": ""}, "开始日期格式"),
        ({"starts_on": "2026-02-30"}, "开始日期格式"),
        ({"ends_on": "明年"}, "结束日期格式"),
        ({"ends_on": "2025-12-31"}, "结束日期不能早于开始日期"),
        ({"funding": "lottery"}, "资金来源"),
        ({"budget_yuan": "-1"}, "预算应为不小于 0 的整数"),
        ({"budget_yuan": "1.5"}, "预算应为不小于 0 的整数"),
        ({"budget_yuan": "1000000001"}, "预算"),
        ({"capacity": "many"}, "可服务户数应为不小于 0 的整数"),
        ({"capacity": "1000001"}, "可服务户数"),
        ({"owner": "01a24400-0000-7000-8000-0000000000ff"}, "所属机构不存在"),
    ],
)
def test_each_field_is_checked(ctx, org, changes, words) -> None:  # type: ignore[no-untyped-def]
    changes = dict(changes)
    owner = changes.pop("owner", org)
    with pytest.raises(BadRequest) as refused:
        add_project(ctx, project_input(owner, **changes))
    assert words in refused.value.message
    assert list_projects(ctx, include_inactive=True) == []


def test_a_stopped_organisation_registers_no_project(ctx, org) -> None:  # type: ignore[no-untyped-def]
    set_active(ctx, org, False)
    with pytest.raises(BadRequest, match="所属机构不存在或已停用"):
        add_project(ctx, project_input(org))
    with pytest.raises(NotFound):
        find_project(ctx, "01a24400-0000-7000-8000-0000000000ff")


# --- the console -----------------------------------------------------------------------------


def _form(client, path: str, **fields: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    values = {
        "csrf": csrf_of(client.get(path).text),
        "name": "安地镇困难老人助餐服务𠮷",
        "need_areas": ["living"],
        "areas": "330702102",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "funding": "trust",
        "budget_yuan": "50000",
        "capacity": "30",
    }
    values.update(fields)
    return values


def test_charity_staff_register_for_their_own_organisation_only(  # type: ignore[no-untyped-def]
    ctx, county, signed_in
) -> None:
    other = add_organisation(ctx, OTHER_ORG).id
    charity = signed_in["charity"]
    form = charity.get("/console/projects/new")
    assert form.status_code == 200 and "婺城区慈善总会" in form.text
    assert "安地镇幸福超市" not in form.text  # only its own organisation is offered
    # A forged organisation id in the form is ignored: the project is the account's own.
    sent = charity.post(
        "/console/projects", data=_form(charity, "/console/projects/new", organisation_id=other)
    )
    assert sent.status_code == 303
    (mine,) = list_projects(ctx)
    assert mine.organisation_id == county.organisation_id and mine.name.endswith("𠮷")
    listing = charity.get("/console/projects")
    assert "安地镇困难老人助餐服务𠮷" in listing.text and "慈善信托" in listing.text
    # Another organisation's project reads as absent: its page, its edit and its stop.
    theirs = add_project(ctx, project_input(other, name="幸福超市爱心餐"))
    assert "幸福超市爱心餐" not in charity.get("/console/projects").text
    assert charity.get(f"/console/projects/{theirs.id}").status_code == 404
    token = csrf_of(charity.get("/console").text)
    update = charity.post(
        f"/console/projects/{theirs.id}/update",
        data={**_form(charity, "/console/projects/new"), "csrf": token},
    )
    assert update.status_code == 404
    stop = charity.post(f"/console/projects/{theirs.id}/active", data={"csrf": token})
    assert stop.status_code == 404
    assert (
        find_project(ctx, theirs.id).name == "幸福超市爱心餐"
        and find_project(ctx, theirs.id).active
    )
    # Its own project it edits.
    edit = f"/console/projects/{mine.id}"
    assert charity.get(edit).status_code == 200
    done = charity.post(f"{edit}/update", data=_form(charity, edit, capacity="45"))
    assert done.status_code == 303 and find_project(ctx, mine.id).capacity == 45


def test_supervisors_register_for_any_organisation(ctx, county, signed_in) -> None:  # type: ignore[no-untyped-def]
    other = add_organisation(ctx, OTHER_ORG).id
    supervisor = signed_in["supervisor"]
    page = supervisor.get("/console/projects/new")
    assert "安地镇幸福超市" in page.text and "婺城区慈善总会" in page.text
    sent = supervisor.post(
        "/console/projects",
        data=_form(supervisor, "/console/projects/new", organisation_id=other),
    )
    assert sent.status_code == 303
    assert [p.organisation_id for p in list_projects(ctx)] == [other]


def test_a_bad_field_is_shown_on_the_form_and_nothing_saved(ctx, county, signed_in) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    form = _form(charity, "/console/projects/new", ends_on="2025-06-30", name="<script>x</script>")
    answer = charity.post("/console/projects", data=form)
    assert answer.status_code == 422
    assert "项目结束日期不能早于开始日期" in answer.text
    assert "<script>x" not in answer.text and "&lt;script&gt;x" in answer.text  # escaped
    assert list_projects(ctx, include_inactive=True) == []


def test_a_form_without_the_csrf_token_is_refused(ctx, county, signed_in) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    form = _form(charity, "/console/projects/new")
    del form["csrf"]
    assert charity.post("/console/projects", data=form).status_code == 403
    form["csrf"] = "forged"
    assert charity.post("/console/projects", data=form).status_code == 403
    assert list_projects(ctx, include_inactive=True) == []


def test_coordinators_do_not_keep_the_library(signed_in) -> None:  # type: ignore[no-untyped-def]
    assert signed_in["coordinator"].get("/console/projects").status_code == 403
    assert signed_in["anonymous"].get("/console/projects").status_code == 303


def test_shell_commands_add_and_list_projects(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'projects.db'}"
    org = runner.invoke(server_app, [
        "add-org", "--name", "婺城区慈善总会", "--kind", "charity", "--credit-code",
        "91350100M000100Y43", "--area", "330702", "--db", db,
    ])  # fmt: skip
    assert org.exit_code == 0, org.output
    added = runner.invoke(server_app, [
        "add-project", "--name", "安地镇助餐服务", "--organisation", "91350100M000100Y43",
        "--need", "living", "--need", "care", "--area", "330702102", "--starts", "2026-01-01",
        "--funding", "venture", "--budget", "50000", "--capacity", "30", "--brand", "--db", db,
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(server_app, ["list-projects", "--db", db])
    assert listed.stdout.strip().split("\t") == [
        added.stdout.strip(),
        "venture",
        "2026-01-01~",
        "婺城区慈善总会",
        "安地镇助餐服务",
    ]
    bad = runner.invoke(server_app, [
        "add-project", "--name", "安地镇助餐服务", "--organisation", "91350100M000100Y43",
        "--need", "living", "--area", "330702102", "--starts", "2026-01-01",
        "--ends", "2025-01-01", "--funding", "venture", "--db", db,
    ])  # fmt: skip
    assert bad.exit_code == 1 and "结束日期不能早于开始日期" in bad.stderr
    assert "Traceback" not in bad.output
