"""Households: search by name, pinyin, initials, ID tail and village; filters; 主动发现."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft
import pytest
from pypinyin import lazy_pinyin

from app.domain.codes import Category, RegisterStatus
from app.domain.identity import make_id_number
from app.domain.records import Household, Person
from app.store.errors import IllegalEdit
from app.store.transfer import ImportFailed, import_records, record_line
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.households import PAGE, HouseholdsVM, NewHouseholdVM
from app.ui.viewmodels.workspace import Workspace
from tests.said import said
from tests.ui.builders import PIN
from tests.ui.conftest import TODAY, Clock, ouyang
from tests.ui.harness import Client


def _titles(vm: HouseholdsVM) -> list[str]:
    return [line.title for line in vm.lines]


def test_everyone_without_a_query(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    assert len(vm.lines) == 31 and vm.summary() == "共 31 户"


def test_search_by_initials_pinyin_name_and_id_tail(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    for query in ("oyxl", "ouyangxiu", "欧阳秀", "OYXL"):
        vm.set_query(query)
        assert _titles(vm)[0] == "欧阳秀兰", query
    vm.set_query(make_id_number("330702", TODAY.replace(year=1950, month=3, day=8), 123)[-4:])
    assert "欧阳秀兰" in _titles(vm)


def test_a_member_match_shows_the_household_and_who_matched(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    vm.set_query("欧阳小明")
    assert [(line.title, line.matched) for line in vm.lines] == [("欧阳秀兰", "欧阳小明")]


def test_search_by_village_name(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    vm.set_query("后溪")
    assert vm.lines and {line.village for line in vm.lines} == {"后溪村"}


def test_filters_combine(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    vm.set_category(Category.TEKUN.value)
    assert vm.lines and all("特困供养" in line.categories for line in vm.lines)
    vm.set_village("330702102201")
    assert vm.lines and all(line.village == "岩头村" for line in vm.lines)
    vm.set_category(None)
    vm.set_village(None)
    vm.set_overdue_only(True)
    assert vm.lines and all(line.urgency in ("major_event", "overdue") for line in vm.lines)
    assert ouyang(ws) in {line.household_id for line in vm.lines}


def test_pages(ws: Workspace) -> None:
    vm = HouseholdsVM(ws)
    vm.lines = vm.lines * 3
    assert len(vm.visible()) == PAGE and vm.has_more
    vm.show_more()
    assert len(vm.visible()) == min(2 * PAGE, len(vm.lines))


def test_report_requires_fields_and_names_them(ws: Workspace) -> None:
    vm = NewHouseholdVM(ws)
    assert vm.save() is None
    assert set(vm.errors) == {"address", "head_name"}
    assert vm.message == "请填写或更正：住址、户主姓名"


def test_report_checks_the_id_number(ws: Workspace) -> None:
    valid = make_id_number("330702", TODAY.replace(year=1960), 5)
    broken = valid[:-1] + ("1" if valid[-1] != "1" else "2")
    vm = NewHouseholdVM(ws, head_name="钱多多", address="上坞村1组1号", id_number=broken)
    assert vm.save() is None
    assert vm.errors == {"id_number": "身份证号校验位不正确"}


def test_known_id_number_warns_and_links(ws: Workspace) -> None:
    known = make_id_number("330702", TODAY.replace(year=1950, month=3, day=8), 123)
    vm = NewHouseholdVM(ws, id_number=known)
    vm.check_id_number()
    assert [(k.name, k.village) for k in vm.known] == [("欧阳秀兰", "岩头村")]
    assert "欧阳秀兰（岩头村）" in vm.known_warning


def test_report_saves_a_reported_household_that_search_finds(ws: Workspace) -> None:
    vm = NewHouseholdVM(
        ws,
        village="330702102203",
        head_name="钱多多",
        address="上坞村1组1号",
        id_number=make_id_number("330702", TODAY.replace(year=1941), 77),
        elderly_alone=True,
    )
    vm.toggle_category(Category.DIBIAN.value, True)
    household = vm.save()
    assert household is not None and vm.errors == {}
    stored = ws.store.get(Household, household.id)
    assert stored.register_status == RegisterStatus.REPORTED
    assert stored.categories == [Category.DIBIAN]
    head = ws.store.load_all(Person, household_id=household.id)[0]
    assert head.name == "钱多多" and head.lives_alone
    listing = HouseholdsVM(ws)
    listing.set_query("qdd")
    assert [(line.title, line.reported) for line in listing.lines] == [("钱多多", True)]
    assert ws.store.outbox_counts()["pending"] == 2


def test_the_device_never_puts_a_household_on_the_register(ws: Workspace, tmp_path: Path) -> None:
    """Only the county's roster, or a coordinator's confirmation, makes a household 在册: a
    household made here on the register is refused in one sentence, nothing saved or
    queued — through the service, the store and an imported file — and a household's place
    on the register is not changed by an edit."""
    queued = ws.store.outbox_counts()["pending"]
    refusal = (
        "设备上新建的家庭只能作为主动发现（待确认）上报；纳入在册以县里的花名册或协理员的确认为准。"
    )
    for fields in ({}, {"register_status": RegisterStatus.REGISTERED},
                   {"register_status": RegisterStatus.REPORTED, "registered_on": TODAY}):  # fmt: skip
        h = Household(area_code="330702102203", address="上坞村2组2号", **fields)  # type: ignore[arg-type]
        head = Person(area_code=h.area_code, household_id=h.id, name="钱多多")
        with pytest.raises(IllegalEdit) as caught:
            ws.households.report(h, head)
        assert user_message(caught.value) == refusal
        assert ws.store.existing_ids("household", {h.id}) == set()
    line = record_line(Household(area_code="330702102203", address="上坞村2组3号"))
    (tmp_path / "in.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_records(ws.store, tmp_path / "in.jsonl")
    [bad] = failed.value.errors
    assert bad.line == 1 and said(bad.problem) == refusal
    assert ws.store.outbox_counts()["pending"] == queued
    # A coordinator's device edits a roster household's address, never its place on the register.
    assert ws.profile.is_coordinator
    on_roster = ws.households.get(ouyang(ws))
    assert on_roster.register_status == RegisterStatus.REGISTERED
    for change in ({"register_status": RegisterStatus.LEFT, "left_on": TODAY},
                   {"registered_on": TODAY}):  # fmt: skip
        with pytest.raises(IllegalEdit) as caught:
            ws.store.update(on_roster.model_copy(update=change))
        assert (
            user_message(caught.value)
            == "在册状态及在册、退出日期以县里的花名册为准，设备上不能修改。"
        )
    assert ws.store.outbox_counts()["pending"] == queued


def test_without_a_query_households_come_in_pinyin_order(ws: Workspace) -> None:
    titles = _titles(HouseholdsVM(ws))
    spelled = ["".join(lazy_pinyin(t)) for t in titles]
    assert spelled == sorted(spelled) and len(titles) == 31


def test_a_name_with_an_emoji_is_refused_with_the_reason(ws: Workspace) -> None:
    vm = NewHouseholdVM(ws, village="330702102203", head_name="钱多多😀", address="上坞村1组1号")
    assert vm.save() is None
    assert vm.errors == {"head_name": "姓名不能包含表情符号或图形符号"}


def test_in_english_the_domain_s_refusals_are_said_in_english(ws: Workspace) -> None:
    """The domain raises codes, so the English form says its refusals in English (before,
    the domain's Chinese sentences reached the English screen as they were)."""
    valid = make_id_number("330702", TODAY.replace(year=1960), 5)
    broken = valid[:-1] + ("1" if valid[-1] != "1" else "2")
    vm = NewHouseholdVM(ws, head_name="钱多多", address="1号", id_number=broken, lang="en")
    assert vm.save() is None
    assert vm.errors == {"id_number": "The ID number's check digit is wrong"}
    vm = NewHouseholdVM(ws, village="330702102203", head_name="钱多多😀", address="1号", lang="en")
    assert vm.save() is None
    assert vm.errors == {"head_name": "A name cannot contain emoji or pictographs"}


def test_the_search_box_clears_with_one_tap(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        [clear] = [
            c for c in client.controls() if isinstance(c, ft.IconButton) and c.tooltip == "清除搜索"
        ]
        assert not clear.visible  # nothing to clear yet
        await client.type("搜索", "oyxl")
        assert clear.visible and client.has_text("共 1 户")
        await client.click("清除搜索")
        search = client.find("搜索", ft.TextField)
        assert isinstance(search, ft.TextField) and search.value == ""
        assert not clear.visible and client.has_text("共 31 户")

    asyncio.run(go())
