"""The statistics screen (统计): its view-model against app.domain on a real store, and the
view over a real Session at tablet and laptop widths."""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import flet as ft
import pytest
from openpyxl import load_workbook

from app.assets import load_target_list
from app.domain.codes import Category, Team, VisitMode, VisitOutcome, WishState
from app.domain.coverage import Caseload, coverage
from app.domain.indicators import Status, TargetList
from app.domain.records import Household, Person, Visit, Wish
from app.domain.staff import Staff, StaffMember
from app.store.sandbox import list_sandboxes, open_store
from app.ui.viewmodels.reports import PeriodKind, Progress, ReportsVM, period_code, urgency
from app.ui.viewmodels.workspace import Workspace
from app.ui.views.reports import STATUS_COLOURS, ReportsScreen, rate_text
from tests.ui.builders import PIN, Roster, make_sandbox
from tests.ui.conftest import TODAY, Clock
from tests.ui.harness import INTERACTIVE, Client, label_of

VILLAGE = "330702102201"


def _domain(ws: Workspace, period: str, by: str | None = None, within: str = ""):  # type: ignore[no-untyped-def]
    """The same report straight from every record in the store, as the server would."""
    store = ws.store
    caseload = Caseload(store.load_all(Household), store.load_all(Person), store.load_all(Visit))
    return coverage(caseload, period, policy=ws.policy, by=by, as_of=TODAY, within=within)


def _visit(household: Household, day: date, mode: VisitMode = VisitMode.HOME) -> Visit:
    return Visit(
        area_code=household.area_code,
        household_id=household.id,
        visited_at=datetime.combine(day, time(10)),
        worker_id="w1",
        team=Team.GRID_WORKER,
        mode=mode,
        outcome=VisitOutcome.MET,
    )


@pytest.fixture
def hand(tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    """Three 特困 households (monthly, home visits only) in one village, April 2026:
    张 visited at home on 4-10 (covered), 李 last at home on 3-15, 王 only by phone in April."""
    roster = Roster()
    for address, name in (("1号", "张一"), ("2号", "李二"), ("3号", "王三")):
        h = Household(area_code=VILLAGE, address=address, categories=[Category.TEKUN])
        roster.households.append(h)
        roster.persons.append(
            Person(area_code=VILLAGE, household_id=h.id, name=name, relation="户主")
        )
    zhang, li, wang = roster.households
    roster.visits += [
        _visit(zhang, date(2026, 4, 10)),
        _visit(li, date(2026, 3, 15)),
        _visit(wang, date(2026, 4, 12), VisitMode.PHONE),
    ]
    wish = Wish(
        area_code=VILLAGE,
        household_id=zhang.id,
        title="轮椅",
        value_yuan=300,
        collected_on=date(2026, 2, 1),
        state=WishState.FULFILLED,
        claimed_by="爱心企业",
        claimed_on=date(2026, 3, 1),
        fulfilled_on=date(2026, 3, 20),
    )
    make_sandbox(tmp_path, roster)
    sandbox = list_sandboxes(tmp_path)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    store.add_many([wish], queue=False)  # fulfilled after the server's claim: as pulled
    workspace = Workspace(sandbox, store, clock=clock)
    yield workspace
    workspace.lock()


def test_period_codes() -> None:
    day = date(2026, 2, 10)
    assert period_code(PeriodKind.MONTH, day) == "2026-02"
    assert period_code(PeriodKind.MONTH, day, 2) == "2025-12"
    assert period_code(PeriodKind.QUARTER, day) == "2026-Q1"
    assert period_code(PeriodKind.QUARTER, day, 1) == "2025-Q4"
    assert period_code(PeriodKind.YEAR, day, 1) == "2025"


def test_hand_built_month(hand: Workspace) -> None:
    vm = ReportsVM(hand)  # opens on the last complete month, not the unfinished one
    assert vm.period == "2026-04" and vm.period_label() == "上月（2026-04）"
    assert vm.progress is None
    scope = vm.scope_rate().tally
    assert (scope.total, scope.count) == (3, 1)
    overdue = vm.overdue()
    assert [(o.title, o.last_visit) for o in overdue] == [
        ("王三", None),
        ("李二", date(2026, 3, 15)),
    ]
    # Each with its 责任人 (no staff synced: the last visitor) and why it is overdue.
    assert [(o.worker, o.why) for o in overdue] == [
        ("w1", "特困供养 · 每月 · 当月没有探访 · 本期前无有效探访"),
        (
            "w1",
            "特困供养 · 每月 · 当月没有探访 · 最近有效探访 2026-03-15，至期末（2026-04-30）已有 46 天",
        ),
    ]
    assert rate_text(scope.rate) == "33.33%"
    assert vm.scoped("在册对象探访关爱率") == "在册对象探访关爱率 · 上月（2026-04） · 全部区域"


def test_the_unfinished_period_shows_progress(hand: Workspace) -> None:
    """May 2026 on 5-20: nobody's window has ended, so the rate counts no one; the
    progress says who is due this month, who is visited so far and the days left."""
    vm = ReportsVM(hand)
    vm.later()
    assert vm.period == "2026-05" and vm.period_label() == "本月（2026-05）"
    assert vm.scope_rate().tally.total == 0 and vm.overdue() == []
    assert vm.progress == Progress("2026-05", due=3, visited=0, days_left=12)
    assert vm.progress.to_visit == 3
    hand.store.add(_visit(next(iter(hand.roster.households.values())), date(2026, 5, 18)))
    vm.reload()
    assert vm.progress is not None and (vm.progress.visited, vm.progress.to_visit) == (1, 2)
    vm.choose_kind(PeriodKind.QUARTER)
    assert vm.period == "2026-Q1" and vm.progress is None
    vm.later()
    assert vm.progress is not None and vm.progress.days_left == 42  # to 2026-06-30


def test_breakdowns_and_the_overdue_list_follow_the_drill_down(ws: Workspace) -> None:
    vm = ReportsVM(ws)
    everywhere = {line.code: line.due for line in vm.categories()}
    vm.drill("330702")
    vm.drill("330702102")
    vm.drill(VILLAGE)
    here = {line.code: line.due for line in vm.categories()}
    expected = _domain(ws, vm.period, "category", within=VILLAGE)
    assert here == {r.key: r.tally.total for r in expected.rows}
    assert sum(here.values()) < sum(everywhere.values())
    assert sum(w.due for w in vm.workers()) == vm.scope_rate().tally.total
    assert sum(t.due for t in vm.teams()) == vm.scope_rate().tally.total
    assert vm.overdue() and all(o.village == "岩头村" for o in vm.overdue())
    weekly = [o.why for o in vm.overdue() if "每周" in o.why]
    assert weekly and all(re.search(r"· \d周中有 \d周没有探访 ·", why) for why in weekly)
    assert vm.scoped("按类别探访关爱率").endswith(" · 岩头村")


def test_numbers_match_the_domain_and_periods_switch(ws: Workspace) -> None:
    vm = ReportsVM(ws)
    for kind, back in (
        (PeriodKind.MONTH, 0),
        (PeriodKind.MONTH, 1),
        (PeriodKind.QUARTER, 1),
        (PeriodKind.YEAR, 0),
        (PeriodKind.YEAR, 1),
    ):
        vm.choose_kind(kind)
        while vm.back > back:
            vm.later()
        while vm.back < back:
            vm.earlier()
        expected = _domain(ws, vm.period, "village")
        assert vm.period == period_code(kind, TODAY, back)
        assert vm.scope_rate().tally == expected.overall
        missed = {o.household_id: vm.caseload.missed(o) for o in expected.overdue or ()}
        overdue = sorted(expected.overdue or (), key=lambda o: urgency(o, missed))
        assert [o.household_id for o in vm.overdue()] == [o.household_id for o in overdue]
        vm.drill("330702")
        vm.drill("330702102")
        assert [(a.code, a.due, a.covered) for a in vm.areas()] == [
            (r.key, r.tally.total, r.tally.count) for r in expected.rows
        ]
        vm.up(0)
    assert vm.period == "2025" and vm.can_go_later
    vm.later()
    assert vm.period == "2026" and not vm.can_go_later
    vm.later()
    assert vm.period == "2026"
    by_category = _domain(ws, "2026", "category")
    assert [(c.code, c.due, c.covered) for c in vm.categories()] == [
        (r.key, r.tally.total, r.tally.count) for r in by_category.rows
    ]
    assert vm.trend[0].period == "2025-06" and vm.trend[-1].period == "2026-05"
    march = _domain(ws, "2026-03").overall
    point = next(p for p in vm.trend if p.period == "2026-03")
    assert (point.due, point.covered) == (march.total, march.count) and march.total


def test_drill_down_to_the_households_of_a_village(ws: Workspace) -> None:
    vm = ReportsVM(ws)
    vm.choose_kind(PeriodKind.YEAR)
    assert [a.code for a in vm.areas()] == ["330702"]
    vm.drill("330703")  # not an area of this level: ignored
    assert vm.path == []
    vm.drill("330702")
    vm.drill("330702102")
    assert [a.name for a in vm.areas()] == ["岩头村", "后溪村", "上坞村"]
    every = vm.overdue()
    vm.drill(VILLAGE)
    assert vm.level is None and vm.areas() == []
    here = vm.overdue()
    assert here and all(o.village == "岩头村" for o in here)
    assert len(here) < len(every)
    assert [name for _, name in vm.crumbs()][-1] == "岩头村"
    vm.up()
    assert vm.path == ["330702", "330702102"]
    vm.up(0)
    assert vm.path == [] and vm.scope_rate().name == "全部区域"


def test_indicator_statuses(hand: Workspace) -> None:
    from app.domain.indicators import LIBRARY_CODES
    from app.domain.projects import ProjectBook

    base = load_target_list().model_dump()
    for spec in base["indicators"]:
        if spec["code"] == "wishes_fulfilled":
            spec["targets"][2026] = 1  # one wish fulfilled in 2026: met
    vm = ReportsVM(hand, targets=TargetList.model_validate(base))
    statuses = {line.code: line.status for line in vm.indicators}
    assert statuses == {
        "reasonable_needs_fulfilled": Status.NO_DATA,  # no need assessed
        "service_project_coverage": Status.NOT_MET,  # no project delivery, target 90%
        "wishes_fulfilled": Status.MET,
        "visit_coverage": Status.NOT_MET,
        "charities_involved": Status.MET,
        # The server has sent this device no project book yet: unknown, not 0.
        "service_projects": Status.NO_DATA,
        "charity_resource_projects": Status.NO_DATA,
        "venture_philanthropy_projects": Status.NO_DATA,
        "charities": Status.NO_DATA,
    }
    # Once the server has said its scope has no project (an empty book, with its digest),
    # none are counted: below every target.
    with hand.store.unit_of_work() as uow:
        uow.projects.put(ProjectBook(), "digest-of-an-empty-book")
        uow.commit()
    statuses = {line.code: line.status for line in ReportsVM(hand, targets=vm.targets).indicators}
    assert {code: statuses[code] for code in LIBRARY_CODES} == dict.fromkeys(
        LIBRARY_CODES, Status.NOT_MET
    )
    wishes = next(line for line in vm.indicators if line.code == "wishes_fulfilled")
    assert wishes.value == 1 and wishes.target_text == "≥1"
    assert STATUS_COLOURS[Status.MET] == ft.Colors.GREEN_700
    assert STATUS_COLOURS[Status.NOT_MET] == ft.Colors.RED_700
    vm.choose_kind(PeriodKind.YEAR)  # 2025
    vm.earlier()
    vm.earlier()  # 2023: the list has no targets
    assert vm.year == 2023 and [line.code for line in vm.indicators] == ["charities_involved"]


def test_indicators_and_rows_are_named_in_the_chosen_language(hand: Workspace) -> None:
    names = {line.code: line.name for line in ReportsVM(hand).indicators}
    assert names["visit_coverage"] == "在册对象探访关爱率"
    assert names["charities_involved"] == "参与帮扶的慈善力量"
    vm = ReportsVM(hand, "en")
    names = {line.code: line.name for line in vm.indicators}
    assert names["visit_coverage"] == "Visit coverage of registered households"
    assert names["wishes_fulfilled"] == "Micro-wishes fulfilled"
    assert names["charities_involved"] == "Charities involved"
    assert [(x.code, x.name) for x in vm.teams()] == [("grid_worker", "Grid worker")]


def test_rows_by_worker_and_team_follow_the_staff_the_server_sent(hand: Workspace) -> None:
    vm = ReportsVM(hand)
    # Before any sync: no staff, every household counts under its last visitor.
    assert not vm.staff_known
    assert [(x.code, x.name, x.due, x.covered) for x in vm.workers()] == [("w1", "w1", 3, 1)]
    assert [(x.code, x.name) for x in vm.teams()] == [("grid_worker", "网格员")]
    assert vm.names()[hand.profile.worker_id] == hand.profile.name  # the device's own worker
    with hand.store.unit_of_work() as uow:
        uow.staff.put(
            Staff(
                (
                    StaffMember("r2", "乙", "worker", "volunteer", True, (VILLAGE,)),
                    StaffMember("r1", "甲", "coordinator", "coordinator", True, (VILLAGE[:9],)),
                    StaffMember("r0", "丙", "worker", "coordinator", False, (VILLAGE,)),
                )
            )
        )
        uow.commit()
    vm.reload()
    assert vm.staff_known
    assert [(x.code, x.name, x.due, x.covered) for x in vm.workers()] == [("r2", "乙", 3, 1)]
    assert [(x.code, x.name) for x in vm.teams()] == [("volunteer", "志愿者")]
    assert sorted(o.household_id for o in vm.overdue()) == sorted(
        o.household_id for o in vm.reports[None].overdue or ()
    )
    assert all(o.worker_id == "r2" for o in vm.reports[None].overdue or ())


def test_freshness(ws: Workspace) -> None:
    vm = ReportsVM(ws)
    assert vm.freshness() == "尚未同步，仅含本机数据"
    with ws.store.unit_of_work() as uow:
        uow.sync_state.set_last_sync("2026-05-19T08:05:00")
        uow.commit()
    assert vm.freshness() == "数据截至 2026-05-19 08:05"


def test_export_writes_a_masked_workbook(hand: Workspace, tmp_path: Path) -> None:
    vm = ReportsVM(hand, exports_dir=tmp_path / "exports")
    path = vm.export()
    assert path.parent == tmp_path / "exports" and path.suffix == ".xlsx"
    book = load_workbook(path)
    # county, township, village, worker, team, category, overdue, 重大变故响应率 by village,
    # the warnings by village and their list, indicators
    assert len(book.sheetnames) == 11
    assert book.sheetnames[7:10] == ["重大变故响应率", "预警统计", "预警名单"]
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert "王*" in cells and "李*" in cells and "王三" not in cells
    chosen = vm.export(tmp_path / "mine.xlsx")
    assert load_workbook(chosen).sheetnames == book.sheetnames
    assert [e["action"] for e in hand.store.access_log()] == ["export_report"] * 2


# --- the view ------------------------------------------------------------------------------


async def _reports(data_dir: Path, clock: Clock, width: int) -> Client:
    client = await Client(data_dir, width=width, height=900, clock=clock).start()
    await client.unlock(PIN)
    assert client.shell is not None
    client.shell.go_to("reports")
    assert client.top().route == "/reports"
    return client


def _unlabelled(client: Client) -> list[str]:
    return [
        type(c).__name__
        for c in client.controls()
        if isinstance(c, INTERACTIVE) and c.visible and not label_of(c)
    ]


@pytest.mark.parametrize("width", [800, 1440])
def test_view_builds_labelled_and_drills(data_dir: Path, clock: Clock, width: int) -> None:
    async def go() -> None:
        client = await _reports(data_dir, clock, width)
        destinations = (
            client.top().navigation_bar.destinations  # type: ignore[union-attr]
            if width < 900
            else next(c for c in client.controls() if isinstance(c, ft.NavigationRail)).destinations
        )
        assert "统计" in [d.label for d in destinations]
        assert _unlabelled(client) == []
        assert client.has_text("在册对象探访关爱率") and client.has_text("尚未同步")
        assert client.has_text("按责任人探访关爱率") and client.has_text("按队伍探访关爱率")
        assert client.has_text("尚未同步责任人名单")
        assert any(type(c).__name__ in ("LineChart", "BarChart") for c in client.controls())
        await client.click("按年")
        assert client.has_text("上年（2025）")
        await client.click("查看婺城区")
        await client.click("查看婺城区 330702102")
        await client.click("查看岩头村")
        assert client.has_text("逾期未探访家庭") and _unlabelled(client) == []
        await client.click("返回全部区域")
        assert client.find("查看婺城区")
        await client.click("上一期")
        assert client.has_text("2024")
        opener = next(
            c
            for c in client.controls()
            if isinstance(c, ft.Container) and str(c.tooltip or "").startswith("打开")
        )
        await client.event(opener, "click")
        assert client.top().route == "/household"

    asyncio.run(go())


def test_workers_do_not_see_reports(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    store.set_meta("role", "worker")
    store.close()

    async def go() -> None:
        client = await Client(data_dir, width=800, height=1280, clock=clock).start()
        await client.unlock(PIN)
        bar = client.top().navigation_bar
        assert isinstance(bar, ft.NavigationBar)
        assert "统计" not in [d.label for d in bar.destinations]

    asyncio.run(go())


def test_period_taps_right_after_a_rebuild_never_crash(
    data_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser crashed with "Control must be added to the page first" when a full
    garbage collection (the reports' own allocations set one off) ran between the rebuild
    a period tap makes and the tapped row's own update: the row had left the page."""
    send = ReportsScreen.update_view

    def send_then_collect(self: ReportsScreen) -> None:
        send(self)
        gc.collect()

    monkeypatch.setattr(ReportsScreen, "update_view", send_then_collect)

    async def go() -> None:
        client = await _reports(data_dir, clock, 800)
        assert client.shell is not None
        screen = client.shell.stack[-1]
        assert isinstance(screen, ReportsScreen)
        for label, kind in (("按季度", "quarter"), ("按年", "year"), ("按月", "month")):
            await client.click(label)  # the harness fails on a crashed session
            assert screen.vm.kind == kind and client.has_text(screen.vm.period_label())
        assert client.snacks() == []

    asyncio.run(go())
