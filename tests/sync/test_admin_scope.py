"""Admins act only inside their own areas, over HTTP and from the shell with --admin, and
nobody changes their own areas; a worker or device of another area reads as not there."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from sync.server.cli import server_app
from sync.server.services import admin
from sync.server.tables import Worker
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, signed

COUNTY = "330702"
OTHER_COUNTY = "330703"


@pytest.fixture
def county(ctx, make_device):  # type: ignore[no-untyped-def]
    """An admin of 婺城区 (its device), a worker there, and a worker of 金东区 with a device."""
    boss = make_device(role="admin", areas=[COUNTY])
    ours = admin.create_worker(ctx, "本区网格员", "worker", "grid_worker", [VILLAGE_A])
    theirs = make_device(areas=[OTHER_VILLAGE])
    return boss, ours, theirs


def refusal(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["code"]


def test_an_admin_creates_workers_only_in_its_own_areas(ctx, county):
    boss, _, _ = county
    new = {"name": "新人", "role": "worker", "team": "grid_worker"}
    inside = signed(boss, "POST", "/v1/admin/workers", {**new, "areas": [TOWNSHIP]})
    assert inside.status_code == 200 and inside.json()["areas"] == [TOWNSHIP]
    outside = signed(boss, "POST", "/v1/admin/workers", {**new, "areas": [VILLAGE_A, OTHER_COUNTY]})
    assert refusal(outside) == (403, "forbidden")
    assert "330703" in outside.json()["message"]
    assert [w for w in _worker_names(ctx) if w == "新人"] == ["新人"]


def _worker_names(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return [w.name for w in s.exec(select(Worker))]


def test_enrolment_codes_only_for_workers_of_its_areas(county):
    boss, ours, theirs = county
    assert signed(boss, "POST", f"/v1/admin/workers/{ours.id}/enroll-code").status_code == 200
    elsewhere = signed(boss, "POST", f"/v1/admin/workers/{theirs.worker_id}/enroll-code")
    nobody = signed(boss, "POST", "/v1/admin/workers/no-such-worker/enroll-code")
    assert refusal(elsewhere) == refusal(nobody) == (404, "not_found")
    png = signed(boss, "POST", f"/v1/admin/workers/{theirs.worker_id}/enroll-code.png")
    assert refusal(png) == (404, "not_found")


def test_areas_are_set_inside_the_admins_areas_and_never_by_oneself(county):
    boss, ours, theirs = county
    own = signed(
        boss, "PUT", f"/v1/admin/workers/{boss.worker_id}/areas", {"areas": [COUNTY, OTHER_COUNTY]}
    )
    assert refusal(own) == (403, "forbidden") and "自己" in own.json()["message"]
    widen = signed(boss, "PUT", f"/v1/admin/workers/{ours.id}/areas", {"areas": [OTHER_COUNTY]})
    assert refusal(widen) == (403, "forbidden")
    moved = signed(boss, "PUT", f"/v1/admin/workers/{ours.id}/areas", {"areas": [TOWNSHIP]})
    assert moved.status_code == 200 and moved.json() == [TOWNSHIP]
    foreign = signed(
        boss, "PUT", f"/v1/admin/workers/{theirs.worker_id}/areas", {"areas": [VILLAGE_A]}
    )
    assert refusal(foreign) == (404, "not_found")
    # Its reports stay inside its own areas.
    report = signed(boss, "GET", f"/v1/reports/coverage?period=2026-11&area={OTHER_COUNTY}")
    assert refusal(report) == (403, "out_of_scope")


def test_devices_are_listed_and_revoked_only_inside_the_admins_areas(ctx, county):
    boss, _, theirs = county
    listed = signed(boss, "GET", "/v1/admin/devices").json()
    assert theirs.store.device_id not in {d["id"] for d in listed}
    assert boss.store.device_id in {d["id"] for d in listed}
    revoke = signed(boss, "POST", f"/v1/admin/devices/{theirs.store.device_id}/revoke")
    missing = signed(boss, "POST", "/v1/admin/devices/no-such-device/revoke")
    assert refusal(revoke) == refusal(missing) == (404, "not_found")
    assert {d.status for d in admin.devices(ctx, theirs.worker_id)} == {"active"}


def test_the_shell_acts_as_an_admin_with_the_same_limits(ctx, db_url, county):
    boss, ours, theirs = county
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(server_app, [*args, "--db", db_url, "--admin", boss.worker_id])

    added = run("add-worker", "--name", "王", "--role", "worker", "--team", "grid_worker",
                "--area", OTHER_VILLAGE)  # fmt: skip
    assert added.exit_code == 1 and "330703101201 不在您管理的区划内" in added.output
    assert run("set-areas", "--worker", boss.worker_id, "--area", COUNTY).exit_code == 1
    code = run("enroll-code", "--worker", theirs.worker_id)
    assert code.exit_code == 1 and "找不到工作人员" in code.output
    assert run("enroll-code", "--worker", ours.id).exit_code == 0
    revoke = run("revoke-device", "--device", theirs.store.device_id)
    assert revoke.exit_code == 1 and "找不到设备" in revoke.output
    report = run("report", "coverage", "--period", "2026-11", "--by", "county")
    assert report.exit_code == 0 and OTHER_COUNTY not in report.stdout
    not_admin = runner.invoke(
        server_app, ["revoke-device", "--device", "x", "--db", db_url, "--admin", ours.id]
    )
    assert not_admin.exit_code == 1 and "管理员" in not_admin.output
