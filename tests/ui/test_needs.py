"""Needs and wishes: lists by status; coordinators assess and review; anyone fulfils."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta
from pathlib import Path

import flet as ft

from app.domain.codes import NeedArea, NeedStatus, Role, WishState
from app.domain.records import MAX_PHOTO_BYTES, Household, Need, Wish
from app.domain.wishes import DEVICE_CREATE_STATES
from app.store.sandbox import list_sandboxes, open_store
from app.ui.viewmodels.needs import NeedsVM, WishesVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import TODAY, Clock, ouyang
from tests.ui.harness import Client, label_of


def _need(ws: Workspace, status: NeedStatus = NeedStatus.RAISED) -> Need:
    household = ws.roster.households[ouyang(ws)]
    return ws.store.add(
        Need(
            area_code=household.area_code,
            household_id=household.id,
            area=NeedArea.HOUSING,
            description="屋顶漏雨",
            raised_on=date(2026, 5, 1),
            status=status,
        )
    )


def _wish(ws: Workspace, state: WishState = WishState.COLLECTED, value: int = 200) -> Wish:
    household = ws.roster.households[ouyang(ws)]
    wish = Wish(
        area_code=household.area_code,
        household_id=household.id,
        title="一台收音机",
        value_yuan=value,
        state=state,
        collected_on=date(2026, 5, 2),
        claimed_by="金华市慈善总会" if state == WishState.CLAIMED else "",
    )
    # A published or claimed wish comes down from the county server, not out of this device.
    [stored] = ws.store.add_many([wish], queue=state in DEVICE_CREATE_STATES)
    return stored  # type: ignore[return-value]


def _as_worker(ws: Workspace) -> None:
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)


def test_needs_by_status_and_assessment(ws: Workspace) -> None:
    need = _need(ws)
    vm = NeedsVM(ws)
    items = vm.items()
    assert [(i.description, i.household, i.status_label) for i in items] == [
        ("屋顶漏雨", "欧阳秀兰", "待评估")
    ]
    assert items[0].actions == (NeedStatus.REASONABLE, NeedStatus.UNREASONABLE)
    assert not vm.move(need.id, "unreasonable", "")
    assert vm.message == "请填写说明。"
    assert vm.move(need.id, "reasonable")
    assert vm.move(need.id, "referred", "金华市慈善总会")
    assert vm.move(need.id, "fulfilled", "已修好屋顶", on=date(2026, 5, 18))
    stored = ws.store.get(Need, need.id)
    assert (stored.status, stored.resource, stored.fulfilled_on, stored.fulfilment_note) == (
        NeedStatus.FULFILLED,
        "金华市慈善总会",
        date(2026, 5, 18),
        "已修好屋顶",
    )
    assert vm.items() == []
    vm.set_filter("fulfilled")
    assert vm.items()[0].detail == "2026-05-18 已修好屋顶"


def test_a_worker_records_fulfilment_but_does_not_assess(ws: Workspace) -> None:
    raised = _need(ws)
    reasonable = _need(ws, NeedStatus.REASONABLE)
    _as_worker(ws)
    vm = NeedsVM(ws)
    by_id = {i.need_id: i for i in vm.items()}
    assert by_id[raised.id].actions == ()
    assert by_id[reasonable.id].actions == (NeedStatus.FULFILLED,)
    assert not vm.move(raised.id, "reasonable")
    assert vm.message == "只有协理员可以进行此操作。"
    assert vm.move(reasonable.id, "fulfilled", "送去米油")
    assert ws.store.get(Need, reasonable.id).fulfilled_on == TODAY


def test_need_fulfilment_keeps_its_photo_encrypted(ws: Workspace) -> None:
    need = _need(ws, NeedStatus.REASONABLE)
    vm = NeedsVM(ws)
    photo = (b"\x89PNG fake photo of the new quilt", "image/png")
    assert vm.move(need.id, "fulfilled", "送去棉被", photo=photo)
    stored = ws.store.get(Need, need.id)
    assert stored.fulfilment_photo_id is not None
    assert ws.store.get_photo(stored.fulfilment_photo_id) == photo


def test_a_fulfilment_photo_the_server_would_refuse_is_refused_here(ws: Workspace) -> None:
    """Over the server's limit it would wait to be uploaded for ever: the need stays as it
    was, in one sentence, and no photo is kept."""
    need = _need(ws, NeedStatus.REASONABLE)
    queued = len(ws.store.pending())
    vm = NeedsVM(ws)
    photo = (b"\xff\xd8" + b"x" * MAX_PHOTO_BYTES, "image/jpeg")
    assert not vm.move(need.id, "fulfilled", "送去棉被", photo=photo)
    assert vm.message == "照片太大（超过 8 MB），请重新拍摄或选择较小的照片。"
    assert ws.store.get(Need, need.id).status == NeedStatus.REASONABLE
    assert ws.store.photo_counts() == {"upload": 0, "download": 0}
    assert len(ws.store.pending()) == queued


def test_illegal_need_moves_are_refused(ws: Workspace) -> None:
    need = _need(ws)
    vm = NeedsVM(ws)
    assert not vm.move(need.id, "fulfilled", "x")
    assert vm.message == "此需求当前不能这样处理。"


def test_wish_review_shows_problems_and_records_decisions(ws: Workspace) -> None:
    big = _wish(ws, value=800)
    vm = WishesVM(ws)
    item = vm.items()[0]
    assert item.problems == ("心愿金额 800 元超过上限 500 元",)
    assert item.actions == (WishState.APPROVED, WishState.REJECTED, WishState.CANCELLED)
    assert not vm.move(big.id, "rejected")
    assert vm.move(big.id, "rejected", "超过上限")
    stored = ws.store.get(Wish, big.id)
    assert (stored.state, stored.reject_reason, stored.reviewed_on) == (
        WishState.REJECTED,
        "超过上限",
        TODAY,
    )
    pending = [m for m in ws.store.pending() if m.record_id == big.id]
    assert pending[-1].kind == "transition"


def test_fulfilment_of_a_claimed_wish_with_photo(ws: Workspace) -> None:
    claimed = _wish(ws, WishState.CLAIMED)
    _as_worker(ws)
    vm = WishesVM(ws)
    vm.set_filter("claimed")
    assert vm.items()[0].actions == (WishState.FULFILLED,)
    assert vm.items()[0].detail == "认领：金华市慈善总会"
    assert vm.move(claimed.id, "fulfilled", "已送到", photo=(b"\xff\xd8jpeg", "image/jpeg"))
    stored = ws.store.get(Wish, claimed.id)
    assert stored.state == WishState.FULFILLED and stored.fulfilled_on == TODAY
    assert stored.photo_id is not None
    assert ws.store.get_photo(stored.photo_id) == (b"\xff\xd8jpeg", "image/jpeg")


def test_a_worker_cannot_review(ws: Workspace) -> None:
    wish = _wish(ws)
    _as_worker(ws)
    vm = WishesVM(ws)
    assert vm.items()[0].actions == ()
    assert not vm.move(wish.id, "approved")
    assert vm.message == "此心愿当前不能这样处理。"


def _needs_of(ws: Workspace, household: str, raised: list[tuple[int, NeedArea, str]]) -> None:
    home = ws.roster.households[household]
    ws.store.add_many(
        [
            Need(
                area_code=home.area_code,
                household_id=household,
                area=area,
                description=text,
                raised_on=TODAY - timedelta(days=days_ago),
            )
            for days_ago, area, text in raised
        ]
    )


def test_needs_come_newest_first_and_search_and_filter(ws: Workspace) -> None:
    ouyang_home = ouyang(ws)
    other = next(h for h in ws.roster.households if h != ouyang_home)
    _needs_of(
        ws,
        ouyang_home,
        [(300, NeedArea.HOUSING, "屋顶漏雨"), (0, NeedArea.MEDICAL, "慢性病用药报销")],
    )
    _needs_of(ws, other, [(30, NeedArea.EMPLOYMENT, "希望找份保洁工作")])
    vm = NeedsVM(ws)
    assert [i.description for i in vm.items()] == ["慢性病用药报销", "希望找份保洁工作", "屋顶漏雨"]
    vm.set_query("oyxl")  # the household by its head's initials
    assert [i.description for i in vm.items()] == ["慢性病用药报销", "屋顶漏雨"]
    vm.set_query("保洁")  # the need's own words
    assert [i.description for i in vm.items()] == ["希望找份保洁工作"]
    vm.set_query("")
    vm.set_area(NeedArea.HOUSING.value)
    assert [i.description for i in vm.items()] == ["屋顶漏雨"]


def test_wishes_come_newest_first_and_search(ws: Workspace) -> None:
    household = ws.roster.households[ouyang(ws)]
    ws.store.add_many(
        [
            Wish(
                area_code=household.area_code,
                household_id=household.id,
                title=title,
                value_yuan=100,
                collected_on=TODAY - timedelta(days=days_ago),
            )
            for days_ago, title in [(40, "一台收音机"), (1, "一床棉被"), (10, "一副老花镜")]
        ]
    )
    vm = WishesVM(ws)
    assert [i.title for i in vm.items()] == ["一床棉被", "一副老花镜", "一台收音机"]
    vm.set_query("棉被")
    assert [i.title for i in vm.items()] == ["一床棉被"]
    vm.set_query("欧阳")
    assert len(vm.items()) == 3
    vm.set_query("没有这样的心愿")
    assert vm.items() == []


def test_cancelling_a_wish_says_so_and_needs_a_reason(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [household] = [h for h in store.load_all(Household) if h.address == "岩头村3组88号"]
        wish = store.add(
            Wish(
                area_code=household.area_code,
                household_id=household.id,
                title="一台收音机",
                value_yuan=200,
                collected_on=TODAY,
            )
        )
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("心愿")
        await client.click("取消心愿")
        [dialog] = [d for d in client.page._dialogs.controls if isinstance(d, ft.AlertDialog)]
        assert isinstance(dialog.title, ft.Text)
        assert dialog.title.value == "取消心愿「一台收音机」（欧阳秀兰）"
        assert [label_of(a) for a in dialog.actions] == ["返回", "确认取消心愿"]
        await client.click("确认取消心愿")  # no reason yet: the dialog stays, and says why
        assert dialog.open and client.has_text("请填写说明。")
        await client.type("取消理由", "家属已自行购买")
        await client.click("确认取消心愿")
        assert not dialog.open
        assert client.shell.ws is not None
        stored = client.shell.ws.store.get(Wish, wish.id)
        assert (stored.state, stored.cancel_reason) == (WishState.CANCELLED, "家属已自行购买")

    asyncio.run(go())
