"""The staff of a device's scope (issue 5): sent at enrolment and after each pull, sealed on
the device, and the statistics screen's rows by 责任人 and team equal the server's.

On SQLite and PostgreSQL, over a real server on loopback and real encrypted stores.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from app.domain.calendar import Period
from app.domain.codes import Category, Team, VisitMode, VisitOutcome
from app.domain.coverage import Breakdown
from app.domain.records import Record
from app.store.store import Store
from app.ui.viewmodels.reports import ReportsVM
from app.ui.viewmodels.workspace import Workspace
from sync.server.services import admin, exchange, reports
from sync.server.tables import Worker
from tests.reports.builders import household, member, visit
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

COUNTY = "330702"
OTHER_TOWNSHIP_VILLAGE = "330702103201"  # same county, another township: nobody covers it


def _worker(ctx, name: str, team: Team, areas: list[str], *, role: str = "worker") -> str:  # type: ignore[no-untyped-def]
    return admin.create_worker(ctx, name, role, team.value, areas).id


def _deactivate(ctx, worker_id: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.small_write() as s:
        s.get(Worker, worker_id).status = "inactive"


def _db_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_device_receives_the_staff_of_its_scope_only(ctx, make_device) -> None:
    village = _worker(ctx, "岩头协理员", Team.COORDINATOR, [VILLAGE_A])
    township = _worker(ctx, "安地网格员", Team.GRID_WORKER, [TOWNSHIP, OTHER_VILLAGE])
    county = _worker(ctx, "婺城民政员", Team.CIVIL_AFFAIRS, [COUNTY])
    retired = _worker(ctx, "退休社工", Team.SOCIAL_WORKER, [VILLAGE_A])
    _deactivate(ctx, retired)
    _worker(ctx, "邻村志愿者", Team.VOLUNTEER, [VILLAGE_B])
    _worker(ctx, "孝顺社工", Team.SOCIAL_WORKER, [OTHER_VILLAGE])
    device = make_device(areas=[VILLAGE_A], name="欧阳明月")
    me = device.worker_id

    staff = device.store.staff()
    assert {m.id: m.areas for m in staff.members} == {
        village: (VILLAGE_A,),
        township: (TOWNSHIP,),  # not the other county's village it also serves
        county: (COUNTY,),
        retired: (VILLAGE_A,),
        me: (VILLAGE_A,),
    }
    assert staff.names[village] == "岩头协理员" and staff.teams[county] == "civil_affairs"
    assert not next(m for m in staff.members if m.id == retired).active
    assert staff.responsible(VILLAGE_A) == village

    # A worker added later reaches the device at its next sync; so does a new scope.
    newcomer = _worker(ctx, "新来的协理员", Team.COORDINATOR, [VILLAGE_A])
    device.sync()
    assert newcomer in device.store.staff().names
    admin.set_areas(ctx, me, [OTHER_VILLAGE])
    device.sync()
    names = set(device.store.staff().names.values())
    assert names == {"安地网格员", "孝顺社工", "欧阳明月"}

    # Staff names are personal: sealed, never in the database file in the clear.
    raw = _db_bytes(device.store.path)
    assert raw and "安地网格员".encode() not in raw and "孝顺社工".encode() not in raw


def _county(visitor: str) -> list[Record]:
    """April 2026 in 婺城区: monthly 特困 households in a village covered at village level,
    one covered at township level and one nobody covers; some visited (by `visitor` or by
    someone the server does not know), some not."""
    records: list[Record] = []
    visitors = [visitor, "nobody"]
    for n, area in enumerate([VILLAGE_A, VILLAGE_B, OTHER_TOWNSHIP_VILLAGE] * 3):
        h = household(Category.TEKUN, area=area)
        records += [h, member(h)]
        if n % 3 != 2 or n == 2:
            day = date(2026, 4, 1 + n)
            worker = visitors[n % 2]
            records.append(visit(h, day, VisitMode.HOME, VisitOutcome.MET, worker=worker))
        if n == 5:
            records.append(visit(h, date(2026, 3, 1), worker=visitor))
    return records


def test_reports_vm_rows_by_worker_and_team_equal_the_servers(ctx, make_device) -> None:
    _worker(ctx, "岩头协理员", Team.COORDINATOR, [VILLAGE_A])
    _worker(ctx, "岩头志愿者", Team.VOLUNTEER, [VILLAGE_A])
    _worker(ctx, "安地网格员", Team.GRID_WORKER, [TOWNSHIP])
    _worker(ctx, "督导", Team.CIVIL_AFFAIRS, [COUNTY], role="supervisor")
    retired = _worker(ctx, "退休社工", Team.SOCIAL_WORKER, [OTHER_TOWNSHIP_VILLAGE])
    _deactivate(ctx, retired)
    exchange.load_records(ctx, _county(retired))
    device = make_device(areas=[COUNTY], role="supervisor")
    device.sync()

    ws = Workspace(device.sandbox, device.store, clock=lambda: datetime(2026, 5, 20, 9))
    vm = ReportsVM(ws)  # opens on the last complete month
    assert vm.period == "2026-04" and vm.staff_known
    with ctx.db.reading() as session:
        server = reports.coverage_reports(
            session, Period.parse("2026-04"), [Breakdown.WORKER, Breakdown.TEAM], areas=[COUNTY]
        ).reports
    by_worker = [(r.key, r.name, r.tally.total, r.tally.count) for r in server[0].rows]
    by_team = [(r.key, r.name, r.tally.total, r.tally.count) for r in server[1].rows]
    assert [(x.code, x.name, x.due, x.covered) for x in vm.workers()] == by_worker
    assert [(x.code, x.name, x.due, x.covered) for x in vm.teams()] == by_team
    assert {name for _, name, _, _ in by_worker} >= {"岩头协理员", "安地网格员", "退休社工"}
    assert "岩头志愿者" not in {name for _, name, _, _ in by_worker}  # ranked below 协理员


def test_staff_ride_on_the_last_pull_page_only_when_they_changed(ctx, make_device) -> None:
    """No extra round trip: a sync with nothing new is one push-less pull (the county's
    share log rides on it too), and the staff come along only when the server's differ from
    the digest the device holds."""
    device = make_device(areas=[VILLAGE_A], name="欧阳明月")
    device.sync()
    digest = _digest(device.store)
    assert digest

    quiet = device.sync()
    assert quiet.round_trips == 1  # nothing to push: one pull page, no staff request
    assert _digest(device.store) == digest

    newcomer = _worker(ctx, "新来的协理员", Team.COORDINATOR, [VILLAGE_A])
    changed = device.sync()
    assert changed.round_trips == 1
    assert newcomer in device.store.staff().names
    assert _digest(device.store) != digest


def _digest(store: Store) -> str:
    with store.unit_of_work() as uow:
        return uow.staff.digest()
