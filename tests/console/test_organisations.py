"""Organisations on the county server: added, listed, edited, deactivated; audited; the
shell's commands (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.domain.codes import NeedArea
from app.domain.organisations import OrganisationKind
from sync.server.cli import server_app
from sync.server.console.labels import KIND_LABELS
from sync.server.errors import BadRequest, Conflict, NotFound
from sync.server.services import audit
from sync.server.services.organisations import (
    OrganisationInput,
    add_organisation,
    find_organisation,
    list_organisations,
    set_active,
    update_organisation,
)

CHARITY = OrganisationInput(
    "金华市婺城区慈善总会", "charity", "91350100M000100Y43", ["330702"], ["living", "medical"],
    "王老师 0579-82345678",
)  # fmt: skip
SUPERMARKET = OrganisationInput(
    "安地镇幸福超市", "charity_supermarket", "9144030071526726xg", ["330702102"], ["living"]
)


def test_add_list_edit_and_deactivate(ctx) -> None:
    charity = add_organisation(ctx, CHARITY, actor="admin-1")
    market = add_organisation(ctx, SUPERMARKET)
    assert charity.kind is OrganisationKind.CHARITY and charity.active
    assert charity.need_areas == (NeedArea.LIVING, NeedArea.MEDICAL)
    assert market.credit_code == "9144030071526726XG" and market.areas == ("330702102",)
    assert [o.name for o in list_organisations(ctx)] == sorted([charity.name, market.name])
    edited = update_organisation(
        ctx, charity.id, OrganisationInput(
            "婺城区慈善总会", "alliance_member", CHARITY.credit_code, ["330702", "330703"], ["care"]
        ),
    )  # fmt: skip
    assert edited.kind is OrganisationKind.ALLIANCE_MEMBER and edited.areas == ("330702", "330703")
    assert find_organisation(ctx, "91350100m000100y43").name == "婺城区慈善总会"
    gone = set_active(ctx, market.credit_code, False)
    assert not gone.active
    assert [o.id for o in list_organisations(ctx)] == [charity.id]
    assert {o.id for o in list_organisations(ctx, include_inactive=True)} == {charity.id, market.id}
    with ctx.db.reading() as s:
        actions = [(e.action, e.actor) for e in audit.entries(s) if "organisation" in e.action]
    assert actions == [
        ("organisation_added", "admin-1"),
        ("organisation_added", "cli"),
        ("organisation_updated", "cli"),
        ("organisation_deactivated", "cli"),
    ]


def test_a_credit_code_is_registered_once(ctx) -> None:
    add_organisation(ctx, CHARITY)
    other = add_organisation(ctx, SUPERMARKET)
    with pytest.raises(Conflict, match="已登记"):
        add_organisation(ctx, CHARITY)
    with pytest.raises(Conflict, match="已登记"):
        update_organisation(
            ctx, other.id, OrganisationInput("另一家", "charity", CHARITY.credit_code, ["330702"])
        )


@pytest.mark.parametrize(
    "entered, reason",
    [
        (OrganisationInput("某机构", "charity", "91350100M000100Y44", ["330702"]), "校验位"),
        (OrganisationInput("某机构", "church", "91350100M000100Y43", ["330702"]), "机构类型"),
        (OrganisationInput("某机构", "charity", "91350100M000100Y43", []), "区划"),
        (OrganisationInput("某机构", "charity", "91350100M000100Y43", ["3307"]), "区划"),
        (OrganisationInput("某机构", "charity", "91350100M000100Y43", ["330702"], ["food"]), "需求领域"),
        (OrganisationInput("某", "charity", "91350100M000100Y43", ["330702"]), "名称"),
    ],
)  # fmt: skip
def test_refused_input_names_the_field(ctx, entered, reason) -> None:
    with pytest.raises(BadRequest, match=reason):
        add_organisation(ctx, entered)
    assert list_organisations(ctx, include_inactive=True) == []


def test_unknown_organisation(ctx) -> None:
    with pytest.raises(NotFound):
        set_active(ctx, "nobody", False)


def test_every_kind_has_a_label() -> None:
    assert set(KIND_LABELS) == set(OrganisationKind)


def test_shell_commands(tmp_path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'orgs.db'}"
    added = runner.invoke(server_app, [
        "add-org", "--name", "金东区志愿者协会", "--kind", "volunteer", "--credit-code",
        "914403001922038216", "--area", "330703", "--need", "care", "--contact", "李 13800000000",
        "--db", db,
    ])  # fmt: skip
    assert added.exit_code == 0, added.output
    org_id = added.stdout.strip()
    listed = runner.invoke(server_app, ["list-orgs", "--db", db])
    assert listed.stdout.split("\t")[:4] == [
        org_id,
        "914403001922038216",
        "志愿服务组织",
        "金东区志愿者协会",
    ]
    bad = runner.invoke(server_app, [
        "add-org", "--name", "某机构", "--kind", "charity", "--credit-code", "914403001922038217",
        "--area", "330703", "--db", db,
    ])  # fmt: skip
    assert bad.exit_code == 1 and "校验位不正确" in bad.stderr and "Traceback" not in bad.output
    off = runner.invoke(server_app, ["deactivate-org", "914403001922038216", "--db", db])
    assert off.exit_code == 0 and "已停用" in off.stdout
    assert runner.invoke(server_app, ["list-orgs", "--db", db]).stdout == ""
    assert "（已停用）" in runner.invoke(server_app, ["list-orgs", "--all", "--db", db]).stdout


def test_add_user_from_the_shell(tmp_path, monkeypatch) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setenv("DOORSTEP_CONSOLE_PASSWORD", "a long enough secret")
    made = runner.invoke(server_app, [
        "add-user", "--username", "Zhang.Supervisor", "--name", "张督导", "--role", "supervisor",
        "--area", "330702", "--totp", "--db", db,
    ])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "otpauth://totp/" in made.stdout and "secret=" in made.stdout
    bad_area = runner.invoke(server_app, [
        "add-user", "--username", "li.si", "--name", "李", "--role", "coordinator", "--area", "33070", "--db", db,
    ])  # fmt: skip
    assert bad_area.exit_code == 1 and "区划代码" in bad_area.stderr
    again = runner.invoke(server_app, [
        "add-user", "--username", "zhang.supervisor", "--name", "张", "--role", "admin", "--area", "330702", "--db", db,
    ])  # fmt: skip
    assert again.exit_code == 1 and "已被使用" in again.stderr
    no_org = runner.invoke(server_app, [
        "add-user", "--username", "wang", "--name", "王", "--role", "charity", "--organisation", "nope", "--db", db,
    ])  # fmt: skip
    assert no_org.exit_code == 1 and "找不到在用的机构" in no_org.stderr
