"""主动发现待确认 on the device: a coordinator sees each reported household with who found it,
when and why; confirming one whose ID number is on a registered household here merges it
(it leaves the household list), any other goes on the register; an application started
stays in the queue; a dismissal needs a reason; a worker cannot decide."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

import flet as ft

from app.domain.codes import DiscoveryReview, RegisterStatus, Role
from app.domain.identity import make_id_number
from app.domain.records import Household, Person
from app.store.sandbox import list_sandboxes, open_store
from app.ui.viewmodels.discoveries import DiscoveriesVM
from app.ui.viewmodels.households import HouseholdsVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import Clock, ouyang
from tests.ui.harness import Client

OUYANG_ID = make_id_number("330702", date(1950, 3, 8), 123)  # 欧阳秀兰, registered
NEW_ID = make_id_number("330702", date(1944, 9, 30), 31)


def reported(
    ws: Workspace, name: str, id_number: str | None, why: str = "网格巡查发现：独居，取暖困难"
) -> Household:
    h = Household(
        area_code="330702102201",
        address="岩头村5组3号",
        register_status=RegisterStatus.REPORTED,
        notes=why,
    )
    head = Person(area_code=h.area_code, household_id=h.id, name=name, id_number=id_number)
    saved, saved_head = ws.households.report(h, head)
    ws.roster.put_household(saved)
    ws.roster.put_person(saved_head)
    return saved


def test_confirming_a_household_on_the_register_merges_it(ws: Workspace) -> None:
    found = reported(ws, "欧阳秀兰", OUYANG_ID)
    vm = DiscoveriesVM(ws)
    (line,) = vm.lines
    assert line.match and line.why == "网格巡查发现：独居，取暖困难"
    assert line.title == "欧阳秀兰 · 岩头村5组3号" and line.found_on != "—"
    assert vm.decide(found.id, DiscoveryReview.CONFIRMED) and vm.message == "已确认。"
    stored = ws.households.get(found.id)
    assert (stored.register_status, stored.merged_into) == (RegisterStatus.MERGED, ouyang(ws))
    assert vm.lines == []
    listed = {line.household_id for line in HouseholdsVM(ws).lines}
    assert found.id not in listed and ouyang(ws) in listed


def test_a_new_household_goes_on_the_register_and_an_application_stays_queued(
    ws: Workspace,
) -> None:
    first = reported(ws, "张桂英", NEW_ID)
    second = reported(ws, "李春花", None)
    vm = DiscoveriesVM(ws)
    assert not any(line.match for line in vm.lines)
    assert vm.decide(second.id, DiscoveryReview.APPLYING)
    assert [(line.household_id, line.status, line.can_apply) for line in vm.lines] == [
        (first.id, "", True),
        (second.id, "救助申请中", False),
    ]
    assert vm.decide(first.id, DiscoveryReview.CONFIRMED)
    stored = ws.households.get(first.id)
    assert (stored.register_status, stored.registered_on) == (RegisterStatus.REGISTERED, ws.today())


def test_a_dismissal_needs_a_reason_and_a_worker_cannot_decide(ws: Workspace) -> None:
    found = reported(ws, "张桂英", NEW_ID)
    vm = DiscoveriesVM(ws)
    assert not vm.decide(found.id, DiscoveryReview.DISMISSED, "   ")
    assert vm.message == "排除主动发现的家庭需要填写理由"
    assert ws.households.get(found.id).review_status is None
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    assert not vm.decide(found.id, DiscoveryReview.CONFIRMED)
    assert vm.message == "只有协理员（或以上）可以处理主动发现的家庭。"
    assert ws.households.get(found.id).register_status == RegisterStatus.REPORTED
    assert HouseholdsVM(ws).discoveries_link() == ""


def test_the_queue_screen_from_the_households_list(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        h = Household(
            area_code="330702102201",
            address="岩头村5组3号",
            register_status=RegisterStatus.REPORTED,
            notes="网格巡查发现：独居老人，" + "子女在外地，" * 30,
        )
        store.add_many([h, Person(area_code=h.area_code, household_id=h.id, name="欧阳䶮")])
    finally:
        store.close()

    async def open_queue(size: tuple[int, int]) -> Client:
        client = await Client(data_dir, clock=clock, width=size[0], height=size[1]).start()
        await client.unlock(PIN)
        if size[0] < 900:
            await client.tab("家庭")
        else:
            rail = next(c for c in client.controls() if isinstance(c, ft.NavigationRail))
            index = [d.label for d in rail.destinations].index("家庭")
            await client.event(rail, "change", {"selected_index": index})
        await client.click("待核实家庭（1）")
        assert client.top().route == "/discoveries"
        assert client.has_text("欧阳䶮 · 岩头村5组3号") and client.has_text("网格巡查发现")
        return client

    async def go() -> None:
        wide = await open_queue((1440, 900))
        await wide.click("发起救助申请")
        assert wide.snacks()[-1] == "已记录：发起救助申请。"
        assert wide.has_text("救助申请中")
        assert wide.shell is not None
        wide.shell.lock()

        narrow = await open_queue((800, 1280))
        await narrow.click("排除")
        [dialog] = [d for d in narrow.page._dialogs.controls if isinstance(d, ft.AlertDialog)]
        dismiss = next(a for a in dialog.actions if getattr(a, "content", "") == "排除")
        await narrow.event(dismiss, "click")  # no reason yet: the dialog stays open
        assert dialog.open and narrow.has_text("请填写")
        await narrow.type("排除理由", "已随子女迁往外地居住")
        await narrow.event(dismiss, "click")
        assert not dialog.open
        assert narrow.snacks()[-1] == "已排除。"
        assert narrow.has_text("没有待确认的主动发现家庭。")

    asyncio.run(go())
