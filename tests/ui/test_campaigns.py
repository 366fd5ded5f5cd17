"""节日走访 on the device, headless: a coordinator's form counts the households its rule picks
before saving and assigns each to its 责任人; the list shows who is still to visit; a visit
to a household on a list records what was delivered (refused with one sentence when the
items are missing or too long); a worker cannot make a list; a coordinator changes who
visits only to a worker of the household's village."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

from app.domain.codes import CampaignGroup, Festival, PersonFlag, Role, VisitOutcome
from app.domain.records import Household, Person
from app.domain.staff import Staff, StaffMember
from app.ui.viewmodels.campaigns import CampaignFormVM, CampaignsVM, CampaignVM
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import INTERACTIVE, Client, label_of

SHANGWU = "330702102203"  # 上坞村 in the test roster


def disabled_household(ws: Workspace, village: str = SHANGWU, name: str = "吴建国") -> Household:
    h = Household(area_code=village, address="上坞村2组7号")
    head = Person(
        area_code=village,
        household_id=h.id,
        name=name,
        birth_date=date(1975, 4, 2),
        flags=[PersonFlag.SEVERE_DISABILITY],
    )
    ws.store.add_many([h, head], queue=False)  # the roster's, as a sync brought it
    ws.roster.put_household(h)
    ws.roster.put_person(head)
    return h


def disabled_only(ws: Workspace) -> CampaignFormVM:
    form = CampaignFormVM(ws)
    for group in (CampaignGroup.ELDERLY, CampaignGroup.CHILD):
        form.toggle_group(group.value, False)
    return form


def test_the_form_starts_at_the_next_festival_and_counts_before_saving(ws: Workspace) -> None:
    form = CampaignFormVM(ws)
    # 20 May 2026: 全国助残日 (17 May) is over, 儿童节 (1 June) comes next.
    assert (form.festival, form.year, form.when()) == (Festival.CHILDRENS_DAY, 2026, "2026-06-01")
    assert form.name == "2026年儿童节走访慰问"
    assert form.areas() == [("330702102000", "婺城区 330702102000")]
    assert [c for c, _ in form.village_options()] == [
        "330702102201",
        "330702102202",
        SHANGWU,
    ]
    form = disabled_only(ws)
    assert form.count() == 0 and form.count_line() == "按此规则选出 0 户"
    assert form.save() is None and form.message == "此规则没有选出任何家庭，请调整后再保存"
    h = disabled_household(ws)
    assert form.count() == 1 and form.picked[0].household_id == h.id
    form.toggle_village("330702102201", True)  # only 岩头村: 上坞村's household is left out
    assert form.count() == 0
    form.toggle_village("330702102201", False)
    # Older from 70 than from 80: a lower age never picks fewer.
    form.toggle_group(CampaignGroup.ELDERLY.value, True)
    at_80 = form.count()
    form.set_elderly_age("70")
    assert form.count() > at_80 > 1
    form.set_elderly_age("四十")
    assert form.count() == 0 and form.count_line() == "老年人年龄应在 50 至 120 岁之间"
    form.set_elderly_age("40")
    assert form.count() == 0 and form.count_line() == "老年人年龄应在 50 至 120 岁之间"
    form.toggle_group(CampaignGroup.ELDERLY.value, False)
    form.toggle_group(CampaignGroup.DISABLED.value, False)
    assert form.count_line() == "请至少选择一类对象（老、幼、残）"
    form.set_festival(Festival.DOUBLE_NINTH.value)
    assert form.name == "2026年重阳节走访慰问" and form.when() == "2026-10-18"
    form.set_name("名" * 51)
    form.toggle_group(CampaignGroup.DISABLED.value, True)
    assert form.save() is None and form.message == "清单名称最多 50 个字"


def test_a_list_is_saved_visited_with_its_delivery_and_shows_who_is_left(ws: Workspace) -> None:
    first, second = disabled_household(ws), disabled_household(ws, name="郑小红")
    form = disabled_only(ws)
    campaign = form.save()
    assert campaign is not None and form.message == ""
    lists = CampaignsVM(ws)
    (line,) = lists.lines
    assert (line.name, line.festival, line.groups) == (
        "2026年儿童节走访慰问",
        "儿童节 · 2026-06-01",
        "残",
    )
    assert (line.assigned, line.visited, line.remaining) == (2, 0, 2)
    # No staff list has arrived: the coordinator who made it visits both.
    assert {p.household_id for p in lists.mine} == {first.id, second.id}
    assert lists.summary() == "节日走访：我有 2 户待走访"

    visit = NewVisitVM(ws, first.id)
    assert visit.campaign_title == "节日走访：2026年儿童节走访慰问"
    visit.set_outcome(VisitOutcome.MET.value)
    visit.toggle_care("humanistic", True)
    assert visit.save() is None
    assert visit.errors["delivered_items"] == "请填写送达的物品"
    assert "送达物品" in visit.message
    visit.delivered_items = "米" * 31
    assert visit.validate()["delivered_items"] == "每件物品最多 30 个字"
    visit.delivered_items = "大米一袋、食用油一桶"
    visit.delivered_value = "两百"
    assert visit.validate()["delivered_value"] == "价值应为整数（元）"
    visit.delivered_value = "200"
    assert visit.save() is not None

    detail = CampaignVM(ws, campaign.id)
    assert detail.progress_line() == "共 2 户，已走访 1 户，待走访 1 户"
    waiting, done = detail.places
    assert (waiting.household_id, waiting.status) == (second.id, "待走访")
    assert done.status == "已走访 2026-05-20：大米一袋、食用油一桶（价值 200 元）"
    assert [p.household_id for p in CampaignsVM(ws).mine] == [second.id]
    # The household screen says it, in the same words.
    assert HouseholdVM(ws, first.id).campaign_lines() == [
        "节日走访：2026年儿童节走访慰问 · 已走访 2026-05-20：大米一袋、食用油一桶（价值 200 元）"
    ]
    assert HouseholdVM(ws, second.id).campaign_lines() == [
        "节日走访：2026年儿童节走访慰问 · 待走访"
    ]
    # The household visited is on no list still to visit: the next visit delivers nothing.
    assert NewVisitVM(ws, first.id).campaign_title == ""
    # "Nobody home" is an attempt: the household stays on the list to visit.
    attempt = NewVisitVM(ws, second.id)
    attempt.set_outcome(VisitOutcome.NOBODY_HOME.value)
    assert attempt.save() is not None
    assert CampaignVM(ws, campaign.id).progress_line() == "共 2 户，已走访 1 户，待走访 1 户"


def test_households_go_to_their_responsible_worker_and_move_only_within_the_village(
    ws: Workspace,
) -> None:
    me = ws.profile.worker_id
    staff = Staff(
        (
            StaffMember(me, "王网格", "coordinator", "coordinator", True, ("330702102",)),
            StaffMember("w-zhao", "赵网格", "worker", "grid_worker", True, (SHANGWU,)),
            StaffMember("w-qian", "钱网格", "worker", "grid_worker", True, ("330702102201",)),
        )
    )
    with ws.store.unit_of_work() as uow:
        uow.staff.put(staff)
        uow.commit()
    shangwu, yantou = disabled_household(ws), disabled_household(ws, "330702102201")
    campaign = disabled_only(ws).save()
    assert campaign is not None
    detail = CampaignVM(ws, campaign.id)
    workers = {p.household_id: p.worker for p in detail.places}
    assert workers == {shangwu.id: "赵网格", yantou.id: "钱网格"}
    place = next(p for p in detail.places if p.household_id == yantou.id)
    assert [name for _, name in detail.worker_options(place)] == ["王网格", "钱网格"]
    assert not detail.reassign(place.assignment_id, "w-zhao")
    assert detail.message == "被指派的工作人员不负责此家庭所在的区域"
    assert detail.reassign(place.assignment_id, me) and detail.message == "已调整走访人员。"
    assert {p.worker for p in detail.places if p.household_id == yantou.id} == {"王网格"}


def test_a_field_worker_sees_lists_but_cannot_make_one_or_move_a_household(
    ws: Workspace,
) -> None:
    disabled_household(ws)
    campaign = disabled_only(ws).save()
    assert campaign is not None
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    lists = CampaignsVM(ws)
    assert not lists.may_create and len(lists.lines) == 1
    form = disabled_only(ws)
    assert form.save() is None
    assert form.message == "只有救助协理员（协调员）可以建立清单或调整走访人员"
    detail = CampaignVM(ws, campaign.id)
    assert not detail.reassign(detail.places[0].assignment_id, ws.profile.worker_id)


def test_the_screens_build_labelled_from_today_to_a_saved_list(
    data_dir: Path, clock: Clock
) -> None:
    """Headless over a real Session: Today's 节日走访 button, the lists, the new list (its
    count), the saved list, and the visit form's delivery section, every control labelled."""

    async def go() -> None:
        client = await Client(data_dir, width=800, height=1280, clock=clock).start()
        await client.unlock(PIN)
        await client.click("节日走访：我有 0 户待走访")
        assert client.top().route == "/campaigns" and _unlabelled(client) == []
        await client.click("新建节日走访清单")
        assert client.top().route == "/campaign-new" and _unlabelled(client) == []
        assert client.has_text("按此规则选出")
        await client.click("保存清单")
        assert client.top().route == "/campaign" and _unlabelled(client) == []
        assert client.has_text("已走访 0 户")
        # A coordinator takes a household off (the reason asked on the first tap), renames
        # the list, closes it (a second tap confirms): every control labelled throughout.
        await client.click("移出清单")
        assert _unlabelled(client) == []
        await client.click("移出清单")
        assert client.snacks()[-1] == "请填写移出清单的原因"
        await client.type("移出原因", "已随子女迁往杭州")
        await client.click("移出清单")
        me = client.shell.ws.profile.name  # type: ignore[union-attr]
        assert client.has_text(f"已移出 2026-05-20（{me}）：已随子女迁往杭州")
        # Put back (放回): the place taken off stays in the history, the new one says who.
        await client.click("放回清单")
        assert client.snacks()[-1] == "已将该家庭放回清单。" and _unlabelled(client) == []
        assert client.has_text(f"2026-05-20 由{me}放回清单")
        assert client.has_text(f"已移出 2026-05-20（{me}）：已随子女迁往杭州")
        assert not any(label_of(c).startswith("放回清单") for c in client.controls())
        await client.type("清单名称", "儿童节慰问（上坞村）")
        await client.click("修改名称")
        assert client.snacks()[-1] == "已修改清单名称。"
        await client.click("结束清单")
        assert _unlabelled(client) == []
        await client.click("确认结束")
        assert client.has_text("已结束 2026-05-20") and _unlabelled(client) == []
        for gone in ("移出清单", "修改名称", "结束清单"):
            assert not any(label_of(c).startswith(gone) for c in client.controls())
        # Closed by mistake: reopened, with the rule said in one sentence on the screen.
        assert client.has_text("已结束的清单随时可以重新开启（不限节日期间）")
        await client.click("重新开启清单")
        assert client.snacks()[-1] == "清单已重新开启。" and _unlabelled(client) == []
        assert not client.has_text("已结束 2026-05-20")
        await client.click("结束清单")
        await client.click("确认结束")
        ws = client.shell.ws
        assert ws is not None and ws.campaigns.lists()[0].name == "儿童节慰问（上坞村）"
        assert CampaignsVM(ws).mine == []  # a closed list waits for nobody
        first = ws.campaigns.assignments()[0]
        client.shell.open("visit-new", household_id=first.household_id)
        assert not client.has_text("节日走访：")  # nor asks what was delivered
        client.shell.lock()

    asyncio.run(go())


def test_the_screen_builds_for_a_visit_on_an_open_list(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, width=800, height=1280, clock=clock).start()
        await client.unlock(PIN)
        await client.click("节日走访：我有 0 户待走访")
        await client.click("新建节日走访清单")
        await client.click("保存清单")
        first = next(p for p in CampaignsVM(client.shell.ws).mine)  # type: ignore[arg-type]
        client.shell.open("visit-new", household_id=first.household_id)
        assert client.has_text("节日走访：2026年儿童节走访慰问") and _unlabelled(client) == []
        client.shell.lock()

    asyncio.run(go())


def _unlabelled(client: Client) -> list[str]:
    return [
        type(c).__name__
        for c in client.controls()
        if isinstance(c, INTERACTIVE) and c.visible and not label_of(c)
    ]


def test_households_that_now_qualify_are_counted_and_added_to_their_worker(
    ws: Workspace,
) -> None:
    first = disabled_household(ws)
    campaign = disabled_only(ws).save()
    assert campaign is not None
    detail = CampaignVM(ws, campaign.id)
    assert detail.qualifying == [] and detail.qualifying_line() == "新符合条件 0 户"
    assert not detail.add_qualifying() and detail.message == "没有新符合条件的家庭。"
    # The register changes: a new 重度残疾 household; the first one's flag is lifted.
    second = disabled_household(ws, name="郑小红")
    (head,) = ws.store.load_all(Person, household_id=first.id)
    ws.roster.put_person(ws.store.update(head.model_copy(update={"flags": []})))
    detail = CampaignVM(ws, campaign.id)
    assert detail.qualifying_line() == "新符合条件 1 户"
    assert [s.household_id for s in detail.qualifying] == [second.id]
    assert detail.add_qualifying() and detail.message == "已补充 1 户。"
    assert detail.qualifying == [] and detail.progress_line() == "共 2 户，已走访 0 户，待走访 2 户"
    # The household that no longer qualifies is not taken off; the new one is mine to visit.
    assert {p.household_id for p in detail.places} == {first.id, second.id}
    assert {p.household_id for p in CampaignsVM(ws).mine} == {first.id, second.id}


def test_a_coordinator_removes_renames_and_closes_a_list_and_its_progress_stays(
    ws: Workspace,
) -> None:
    first, second, third = (
        disabled_household(ws),
        disabled_household(ws, name="郑小红"),
        disabled_household(ws, name="陈大勇"),
    )
    campaign = disabled_only(ws).save()
    assert campaign is not None
    detail = CampaignVM(ws, campaign.id)
    visit = NewVisitVM(ws, first.id)
    visit.set_outcome(VisitOutcome.MET.value)
    visit.toggle_care("humanistic", True)
    visit.delivered_items = "轮椅一台"
    assert visit.save() is not None
    detail.reload()
    by_household = {p.household_id: p for p in detail.places}
    # A visited household cannot be taken off; one still to visit can, with a reason.
    assert not detail.may_remove(by_household[first.id])
    assert not detail.remove(by_household[first.id].assignment_id, "重复")
    assert detail.message == "已走访的家庭不能移出清单"
    assert not detail.remove(by_household[second.id].assignment_id, "  ")
    assert detail.message == "请填写移出清单的原因"
    assert not detail.remove(by_household[second.id].assignment_id, "迁" * 101)
    assert detail.message == "移出原因最多 100 个字"
    assert detail.remove(by_household[second.id].assignment_id, "已随子女迁往杭州")
    assert detail.message == "已将该家庭移出清单。"
    assert detail.progress_line() == "共 2 户，已走访 1 户，待走访 1 户"
    gone = next(p for p in detail.places if p.household_id == second.id)
    me = ws.profile.name
    assert gone.removed and gone.status == f"已移出 2026-05-20（{me}）：已随子女迁往杭州"
    assert detail.places[-1] == gone  # kept in the list's history, last
    assert not detail.may_remove(gone)
    assert [p.household_id for p in CampaignsVM(ws).mine] == [third.id]
    assert ws.campaigns.waiting_for(ws.profile.worker_id) == 1  # Today's count, unopened
    assert NewVisitVM(ws, second.id).campaign_title == ""  # no delivery asked
    assert HouseholdVM(ws, second.id).campaign_lines() == [
        "节日走访：2026年儿童节走访慰问 · 已移出 2026-05-20：已随子女迁往杭州"
    ]
    # A removed household does not come back as newly qualifying.
    assert detail.qualifying == []

    assert not detail.rename(" ") and detail.message == "请填写清单名称"
    assert detail.rename("儿童节慰问（上坞村）") and detail.message == "已修改清单名称。"
    assert CampaignsVM(ws).lines[0].name == "儿童节慰问（上坞村）"

    assert detail.close() and detail.message == "清单已结束。"
    assert detail.closed and not detail.may_change
    assert detail.closed_line() == "已结束 2026-05-20"
    assert detail.progress_line() == "共 2 户，已走访 1 户，待走访 1 户"  # its final progress
    (line,) = CampaignsVM(ws).lines
    assert (line.closed, line.assigned, line.visited) == ("已结束 2026-05-20", 2, 1)
    assert CampaignsVM(ws).mine == [] and ws.campaigns.waiting_for(ws.profile.worker_id) == 0
    assert NewVisitVM(ws, third.id).campaign_title == ""
    assert HouseholdVM(ws, third.id).campaign_lines() == [
        "节日走访：儿童节慰问（上坞村） · 未走访（清单已结束）"
    ]
    third_place = next(p for p in detail.places if p.household_id == third.id)
    assert third_place.status == "未走访（清单已结束）"
    for refused in (
        lambda: detail.rename("新名称"),
        detail.close,
        lambda: detail.remove(third_place.assignment_id, "不需要"),
        lambda: detail.reassign(third_place.assignment_id, ws.profile.worker_id),
        detail.add_qualifying,
    ):
        assert not refused() and detail.message == "此清单已结束，不能再更改"
    # A field worker changes nothing on a list.
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    worker_view = CampaignVM(ws, campaign.id)
    assert not worker_view.rename("x")
    assert worker_view.message == "只有救助协理员（协调员）可以建立清单或调整走访人员"


def test_a_household_taken_off_is_put_back_if_it_still_qualifies_with_its_history(
    ws: Workspace,
) -> None:
    first, second = disabled_household(ws), disabled_household(ws, name="郑小红")
    campaign = disabled_only(ws).save()
    assert campaign is not None
    detail = CampaignVM(ws, campaign.id)
    place = {p.household_id: p for p in detail.places}
    assert not any(detail.may_restore(p) for p in detail.places)  # nothing taken off
    assert not detail.restore(place[first.id].assignment_id)
    assert detail.message == "该家庭仍在清单中，无需放回"
    assert detail.remove(place[first.id].assignment_id, "重复登记")
    assert detail.remove(place[second.id].assignment_id, "外出务工")
    # The register changes: 郑小红's flag is lifted, the list's rule no longer picks her.
    (head,) = ws.store.load_all(Person, household_id=second.id)
    ws.roster.put_person(ws.store.update(head.model_copy(update={"flags": []})))
    detail.reload()
    gone = {p.household_id: p for p in detail.places}
    assert detail.may_restore(gone[second.id])
    assert not detail.restore(gone[second.id].assignment_id)
    assert detail.message == "该家庭不符合此清单的条件"
    assert detail.restore(gone[first.id].assignment_id)
    assert detail.message == "已将该家庭放回清单。"
    assert detail.progress_line() == "共 1 户，已走访 0 户，待走访 1 户"
    me = ws.profile.name
    lines = [p for p in detail.places if p.household_id == first.id]
    back, old = sorted(lines, key=lambda p: p.removed)
    assert (back.status, back.history) == ("待走访", f"2026-05-20 由{me}放回清单")
    assert old.status == f"已移出 2026-05-20（{me}）：重复登记"  # the removal stays
    assert not detail.may_restore(old) and detail.may_remove(back)
    assert not detail.restore(old.assignment_id)  # put back once, not twice
    assert detail.message == "该家庭已在此清单中"
    assert [p.household_id for p in CampaignsVM(ws).mine] == [first.id]
    # Put back, it is visited as any other: the delivery is recorded on the new place.
    assert NewVisitVM(ws, first.id).campaign_title == "节日走访：2026年儿童节走访慰问"
    # A closed list puts nothing back; reopened, it does again.
    assert detail.close()
    assert not detail.may_restore(gone[second.id]) and detail.may_reopen
    assert not detail.restore(gone[second.id].assignment_id)
    assert detail.message == "此清单已结束，不能再更改"
    assert detail.reopen() and detail.message == "清单已重新开启。"
    assert not detail.closed and not detail.may_reopen and detail.may_change
    assert not detail.reopen() and detail.message == "此清单尚未结束，无需重新开启"
    assert [p.household_id for p in CampaignsVM(ws).mine] == [first.id]


def test_a_coordinator_reopens_a_list_closed_by_mistake_a_worker_cannot(
    ws: Workspace, clock: Clock
) -> None:
    disabled_household(ws)
    campaign = disabled_only(ws).save()
    assert campaign is not None
    detail = CampaignVM(ws, campaign.id)
    assert not detail.may_reopen
    assert detail.close()
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    worker_view = CampaignVM(ws, campaign.id)
    assert not worker_view.may_reopen and not worker_view.reopen()
    assert worker_view.message == "只有救助协理员（协调员）可以建立清单或调整走访人员"
    ws.profile = dataclasses.replace(ws.profile, role=Role.COORDINATOR)
    detail = CampaignVM(ws, campaign.id)
    # Any time: months after the festival's day (2026-06-01) too.
    clock.advance(days=120)
    assert detail.reopen() and detail.campaign.closed_on is None
    assert CampaignsVM(ws).lines[0].closed == ""
    assert [p.status for p in detail.places] == ["待走访"]
