"""Household detail: members with masked ID numbers, logged reveals, timeline, needs, consent."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path

import flet as ft
import pytest
from pydantic import ValidationError

from app.domain.codes import PersonFlag, Team, VisitMode, VisitOutcome
from app.domain.identity import make_id_number
from app.domain.policy import Urgency
from app.domain.records import NOTE_MAX_CHARS, Household, Person, Visit
from app.domain.shares import CountyShare
from app.services.households import REVEAL_ACTION
from app.store.sandbox import list_sandboxes, open_store
from app.ui.viewmodels.consent import ConsentVM
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.today import TodayVM
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import TODAY, Clock, ouyang
from tests.ui.harness import Client


def test_header_members_and_status(ws: Workspace) -> None:
    vm = HouseholdVM(ws, ouyang(ws))
    assert vm.title == "欧阳秀兰" and vm.village == "岩头村" and vm.categories == "特困供养"
    assert vm.status_line().startswith("重大变故 · 最迟5月22日（周五）上门（还有 2 天） · 每月")
    members = vm.member_lines()
    assert [m.name for m in members] == ["欧阳秀兰", "欧阳小明"]
    head, child = members
    assert head.id_shown == "330702********" + head.id_shown[-4:] and not head.revealed
    assert head.major_event.startswith("重大变故 2026-05-19：老伴去世")
    assert child.under_14 and child.age == 10


def test_revealing_an_id_number_is_logged_first(ws: Workspace) -> None:
    vm = HouseholdVM(ws, ouyang(ws))
    head = vm.member_lines()[0]
    assert ws.store.access_log() == []
    vm.reveal_id(head.person_id)
    shown = vm.member_lines()[0]
    assert shown.revealed and len(shown.id_shown) == 18 and "*" not in shown.id_shown
    log = ws.store.access_log()
    assert [(e["action"], e["record_id"]) for e in log] == [(REVEAL_ACTION, head.person_id)]
    vm.reveal_id(head.person_id)  # already shown: no second entry
    vm.hide_id(head.person_id)
    assert not vm.member_lines()[0].revealed and len(ws.store.access_log()) == 1


def test_timeline_newest_first_with_needs(ws: Workspace) -> None:
    household = ouyang(ws)
    visit = NewVisitVM(ws, household)
    visit.set_outcome(VisitOutcome.MET.value)
    visit.toggle_care("daily_life", True)
    visit.observations = "情绪低落，邻居照看"
    visit.add_need("medical")
    visit.set_need_description(0, "需要慢性病用药报销")
    assert visit.save() is not None
    vm = HouseholdVM(ws, household)
    entry = vm.timeline()[0]
    assert entry.title == "探访关爱 · 上门 · 见到本人" and entry.care == "生活照料"
    assert entry.needs == ("医疗减负：需要慢性病用药报销",) and entry.counts
    assert [(n.area, n.status) for n in vm.open_needs()] == [("医疗减负", "待评估")]
    assert vm.urgency == "done"


def test_consent_state_per_recipient(ws: Workspace) -> None:
    household = ouyang(ws)
    consent = ConsentVM(ws, household)
    consent.set_method("verbal")
    consent.witness = "村委会主任"
    assert consent.grant() is not None
    lines = HouseholdVM(ws, household).consent_lines()
    assert [(c.person, c.recipient, c.granted) for c in lines] == [
        ("欧阳秀兰", "全体助联体成员单位", True)
    ]
    assert lines[0].state == "已同意（至 2027-05-20）"


def test_members_who_left_are_shown_as_such_and_no_longer_count(ws: Workspace) -> None:
    household = ouyang(ws)
    head = next(
        p for p in ws.store.load_all(Person, household_id=household) if p.relation == "户主"
    )
    # The county's newer roster no longer lists her husband (高龄独居, weekly): a pull brings it.
    ws.store.add(
        Person(
            area_code=head.area_code,
            household_id=household,
            name="欧阳老伯",
            relation="配偶",
            flags=[PersonFlag.ELDERLY_ALONE],
            lives_alone=True,
            left_on=TODAY - timedelta(days=10),
        )
    )
    ws.reload()
    vm = HouseholdVM(ws, household)
    lines = vm.member_lines()
    assert [(m.name, m.left) for m in lines] == [
        ("欧阳秀兰", ""),
        ("欧阳小明", ""),
        ("欧阳老伯", "已退出（2026-05-10）"),
    ]
    assert vm.title == "欧阳秀兰"
    assert " · 每月 · " in vm.status_line() and "每周" not in vm.status_line()
    assert HouseholdVM(ws, household, "en").member_lines()[-1].left == "Left (2026-05-10)"
    # She leaves too, today: her major event no longer calls for a visit, and Today gives
    # the household's own category as the reason, not a member who left.
    ws.store.update(head.model_copy(update={"left_on": TODAY}))
    ws.reload()
    [item] = [i for i in TodayVM(ws).items if i.household_id == household]
    assert item.urgency == Urgency.OVERDUE
    assert item.why.startswith("特困供养 · 每月 · ")
    assert HouseholdVM(ws, household).member_lines()[0].name == "欧阳小明"


def test_the_household_screen_shows_a_member_who_left(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [household] = [h for h in store.load_all(Household) if h.address == "岩头村3组88号"]
        store.add(
            Person(
                area_code=household.area_code,
                household_id=household.id,
                name="欧阳老伯",
                relation="配偶",
                flags=[PersonFlag.ELDERLY_ALONE],
                left_on=TODAY - timedelta(days=10),
            )
        )
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        await client.type("搜索", "oyxl")
        await client.click("打开欧阳秀兰家")
        assert client.top().route == "/household"
        assert client.has_text("欧阳老伯") and client.has_text("已退出（2026-05-10）")
        assert not client.has_text("每周")

    asyncio.run(go())


def test_a_daughter_reads_as_daughter_then_her_gender(data_dir: Path, clock: Clock) -> None:
    """Registers write a daughter's relation as 女: the line says 女儿 · 女, never 女 · 女."""
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [household] = [h for h in store.load_all(Household) if h.address == "岩头村3组88号"]
        store.add(
            Person(
                area_code=household.area_code,
                household_id=household.id,
                name="欧阳丽",
                id_number=make_id_number("330702", TODAY.replace(year=2000, day=1), 124),
                relation="女",
            )
        )
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.click("打开欧阳秀兰家")
        assert client.has_text("女儿 · 女 · 26岁"), client.texts()
        assert not client.has_text("女 · 女")

    asyncio.run(go())


def test_a_long_note_folds_in_the_timeline_and_notes_have_a_limit(
    data_dir: Path, clock: Clock
) -> None:
    """A 1,500-character note shows its start and 展开全文; notes stop at NOTE_MAX_CHARS,
    which the field counts down as it is typed."""
    long_note = "老人说起年轻时在岩头村种橘子的事，" * 88
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [household] = [h for h in store.load_all(Household) if h.address == "岩头村3组88号"]
        store.add(
            Visit(
                area_code=household.area_code,
                household_id=household.id,
                visited_at=datetime.combine(TODAY, time(9, 30)),
                worker_id="seed-worker",
                team=Team.GRID_WORKER,
                mode=VisitMode.HOME,
                outcome=VisitOutcome.MET,
                observations=long_note,
            )
        )
        with pytest.raises(ValidationError):
            Visit.model_validate(
                {**store.load_all(Visit)[0].model_dump(), "observations": "字" * 2001}
            )
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        await client.type("搜索", "oyxl")
        await client.click("打开欧阳秀兰家")
        assert not client.has_text(long_note) and client.has_text(long_note[:100])
        await client.click("展开全文")
        assert client.has_text(long_note)
        await client.click("收起")
        assert not client.has_text(long_note)
        await client.click("新增探访")
        notes = [c for c in client.controls() if isinstance(c, ft.TextField) and c.multiline]
        assert notes and {c.max_length for c in notes} == {NOTE_MAX_CHARS}
        await client.type("情况记录", "老人精神好")
        observations = client.find("情况记录", ft.TextField)
        assert isinstance(observations, ft.TextField)
        assert observations.counter == f"5/{NOTE_MAX_CHARS}"

    asyncio.run(go())


def test_back_from_a_saved_visit_the_household_shows_it_first_and_still_works(
    data_dir: Path, clock: Clock
) -> None:
    """The household screen comes back with the new visit at the top of its timeline and
    its status updated; its buttons and 展开 keep working, visit after visit."""

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        await client.type("搜索", "oyxl")
        await client.click("打开欧阳秀兰家")
        assert client.has_text("尚无探访记录")
        long_note = "第二次回访，" + "说起种橘子的事，" * 20
        for note in ("第一次回访，老人精神好", long_note):
            await client.click("新增探访")
            assert client.top().route == "/visit-new"
            await client.click("见到本人")
            await client.click("精神慰藉")
            await client.type("情况记录", note)
            await client.click("保存")
            assert client.top().route == "/household", client.texts()
            assert any(s.startswith("探访已保存") for s in client.snacks())
            assert client.has_text(note[:30])
            clock.advance(minutes=10)
        texts = client.texts()
        first = next(i for i, t in enumerate(texts) if t.startswith("第一次回访"))
        second = next(i for i, t in enumerate(texts) if t.startswith("第二次回访"))
        assert second < first  # newest first
        assert not client.has_text("尚无探访记录"), texts  # the status line and the timeline
        assert not client.has_text(long_note)
        await client.click("展开全文")
        assert client.has_text(long_note)

    asyncio.run(go())


def test_the_share_log_shows_ten_at_a_time_newest_first(data_dir: Path, clock: Clock) -> None:
    """共享记录 on the household screen: the newest ten of a long log, then 显示更多 for
    the next ten, until the oldest shows."""
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [household] = [h for h in store.load_all(Household) if h.address == "岩头村3组88号"]
        [head] = [p for p in store.load_all(Person) if p.household_id == household.id][:1]
        shares = [
            CountyShare(
                at=f"2026-04-{n:02d}T09:00:00+00:00",
                organisation=f"第{n}号慈善会",
                action="viewed",
                purpose="wish",
                data_categories=("identity",),
                household_id=household.id,
                person_id=head.id,
                id=n,
            )
            for n in range(1, 24)
        ]
        with store.unit_of_work() as uow:
            uow.county_shares.keep(shares, 23)
            uow.commit()
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        await client.type("搜索", "oyxl")
        await client.click("打开欧阳秀兰家")
        assert client.has_text("2026-04-23 第23号慈善会 查看")
        assert not client.has_text("第13号慈善会")
        assert client.has_text("微心愿发布")
        await client.click("显示更多（还有 13 条）")
        assert client.has_text("第4号慈善会")
        assert not client.has_text("第3号慈善会")
        await client.click("显示更多（还有 3 条）")
        assert client.has_text("2026-04-01 第1号慈善会 查看")
        assert not client.has_text("显示更多（还有")

    asyncio.run(go())
