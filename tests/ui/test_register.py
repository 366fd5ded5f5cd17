"""编辑家庭: every edit of a household or member is saved with its register changes and
queued per field; every bad input gets one sentence and leaves nothing saved; the
household's history says who changed what, when, from what (personal values masked).

The fixture's today is 2026-05-20 (tests.ui.conftest); 欧阳秀兰's household has her (born
1950-03-08, a 重大变故 on 2026-05-19) and 欧阳小明 (born 2015-06-01)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime

import pytest

from app.domain.codes import (
    Category,
    EmploymentAbility,
    EmploymentWish,
    Frequency,
    LeaveReason,
    MajorEventKind,
    PersonFlag,
    SchoolStage,
    VisitMode,
)
from app.domain.coverage import VisitFact
from app.domain.identity import make_id_number
from app.domain.policy import Urgency, visit_status
from app.domain.records import Household, Person, RegisterChange
from app.store.errors import IllegalEdit
from app.store.sandbox import open_store
from app.store.transfer import export_records
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.register import HouseholdEditVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import TODAY, ouyang
from tests.ui.harness import Client

NEWBORN_ID = make_id_number("330702", date(2026, 5, 1), 214)  # a girl born on 1 May


def edit_vm(ws: Workspace) -> HouseholdEditVM:
    return HouseholdEditVM(ws, ouyang(ws))


def person_named(vm: HouseholdEditVM, name: str) -> Person:
    return next(p for p in vm.members if p.name == name)


def stored(ws: Workspace) -> tuple[dict[str, int], int]:
    """What the store holds and queues: nothing may change when an edit is refused."""
    return ws.store.counts(), len(ws.store.pending(limit=100_000))


def refused(ws: Workspace, vm: HouseholdEditVM, save: object, sentence: str) -> None:
    before = stored(ws)
    assert save() is False  # type: ignore[operator]
    assert vm.message == sentence and vm.failed
    assert stored(ws) == before


# --- each edit ---------------------------------------------------------------------------


def test_a_new_phone_is_saved_queued_alone_and_in_the_history_masked(ws: Workspace) -> None:
    vm = edit_vm(ws)
    queued = len(ws.store.pending(limit=100_000))
    vm.phone = "13857990001"
    assert vm.save_household() and vm.message == "已保存。"
    assert ws.households.get(vm.household_id).phone == "13857990001"
    new = ws.store.pending(limit=100_000)[queued:]
    assert [(m.record_type, m.kind) for m in new] == [
        ("household", "update"),
        ("register_change", "create"),
    ]
    assert new[0].payload == {"fields": {"phone": "13857990001"}}
    change = new[1].payload
    assert (change["field"], change["before"], change["after"]) == (
        "phone",
        "13905791234",
        "13857990001",
    )
    assert change["worker_id"] == ws.profile.worker_id
    [line] = HouseholdVM(ws, vm.household_id).history()
    assert line.what == "电话" and line.change == "「139****1234」→「138****0001」"
    assert line.when == "2026-05-20 10:30" and line.who == ws.profile.name


def test_saving_what_did_not_change_writes_nothing(ws: Workspace) -> None:
    vm = edit_vm(ws)
    before = stored(ws)
    assert vm.save_household() and vm.message == "没有需要保存的修改。"
    assert stored(ws) == before


def test_a_newborn_is_added_with_her_id_number_and_counted_in_the_household(
    ws: Workspace,
) -> None:
    vm = edit_vm(ws)
    vm.new_member.name = "欧阳𠮷"
    vm.new_member.id_number = NEWBORN_ID
    vm.new_member.relation = "孙女"
    assert vm.add_member() and vm.message == "已添加成员欧阳𠮷。"
    baby = person_named(vm, "欧阳𠮷")
    assert (baby.birth_date, baby.gender, baby.relation) == (date(2026, 5, 1), "F", "孙女")
    assert [m.name for m in ws.roster.members[vm.household_id]].count("欧阳𠮷") == 1
    [line] = HouseholdVM(ws, vm.household_id).history()
    assert (line.what, line.change) == ("新增成员", "欧阳𠮷")
    assert [h.household_id for h in ws.search_index().search("欧阳𠮷")] == [vm.household_id]


def test_a_son_back_without_an_id_number_is_added_with_his_birth_date(ws: Workspace) -> None:
    vm = edit_vm(ws)
    vm.new_member.name = "欧阳建国"
    vm.new_member.birth_date = "1975-02-03"
    vm.new_member.gender = "M"
    vm.new_member.relation = "子"
    assert vm.add_member()
    son = person_named(vm, "欧阳建国")
    assert (son.birth_date, son.gender, son.id_number) == (date(1975, 2, 3), "M", None)


def test_a_death_is_kept_with_its_reason_and_date_and_the_member_stays(ws: Workspace) -> None:
    vm = edit_vm(ws)
    head = person_named(vm, "欧阳秀兰")
    form = vm.forms[head.id]
    form.left_reason, form.left_on = LeaveReason.DIED.value, "2026-05-19"
    assert vm.save_member(head.id)
    again = person_named(vm, "欧阳秀兰")  # still a member of the record, with her leave
    assert (again.left_on, again.left_reason) == (date(2026, 5, 19), LeaveReason.DIED)
    history = HouseholdVM(ws, vm.household_id).history()
    assert {(h.what, h.change) for h in history} == {
        ("欧阳秀兰 · 离开日期", "「空」→「2026-05-19」"),
        ("欧阳秀兰 · 离开原因", "「空」→「去世」"),
    }
    line = next(m for m in HouseholdVM(ws, vm.household_id).member_lines() if m.name == "欧阳秀兰")
    assert line.left == "已退出（2026-05-19）"


def test_a_major_event_starts_the_three_day_clock_at_once(ws: Workspace) -> None:
    vm = edit_vm(ws)
    child = person_named(vm, "欧阳小明")
    form = vm.forms[child.id]
    form.major_event_kind = MajorEventKind.ACCIDENT.value
    form.major_event_date = "2026-05-20"
    form.major_event_note = "放学路上被电动车撞伤，左腿骨折"
    assert vm.save_member(child.id)
    saved = person_named(vm, "欧阳小明")
    assert PersonFlag.MAJOR_EVENT in saved.flags
    assert (saved.major_event_kind, saved.major_event_date, saved.major_event_recorded_on) == (
        MajorEventKind.ACCIDENT,
        date(2026, 5, 20),
        TODAY,
    )
    status = ws.status(vm.household_id)
    assert status is not None and status.urgency == Urgency.MAJOR_EVENT
    assert status.major_event_due == date(2026, 5, 22)  # her own event of the 19th: earlier


def test_care_school_and_employment_are_saved_as_codes(ws: Workspace) -> None:
    vm = edit_vm(ws)
    child, head = person_named(vm, "欧阳小明"), person_named(vm, "欧阳秀兰")
    vm.forms[child.id].school_stage = SchoolStage.PRIMARY.value
    vm.forms[child.id].care = {PersonFlag.SEVERE_DISABILITY}
    assert vm.save_member(child.id)
    vm.forms[head.id].employment_ability = EmploymentAbility.NONE.value
    vm.forms[head.id].employment_wish = EmploymentWish.NO_WISH.value
    vm.forms[head.id].care = {PersonFlag.DISABLED_CARE}
    vm.forms[head.id].lives_alone = True
    assert vm.save_member(head.id)
    child, head = person_named(vm, "欧阳小明"), person_named(vm, "欧阳秀兰")
    assert child.school_stage == SchoolStage.PRIMARY
    assert child.flags == [PersonFlag.SEVERE_DISABILITY]
    assert (head.employment_ability, head.employment_wish) == (
        EmploymentAbility.NONE,
        EmploymentWish.NO_WISH,
    )
    # Her 重大变故 stays: the care flags are set beside the others, not instead of them.
    assert set(head.flags) == {PersonFlag.MAJOR_EVENT, PersonFlag.DISABLED_CARE}
    assert head.lives_alone
    lines = {h.what: h.change for h in HouseholdVM(ws, vm.household_id).history()}
    assert lines["欧阳小明 · 就学阶段"] == "「空」→「小学」"
    assert lines["欧阳秀兰 · 照护标记"] == "「重大变故」→「重大变故、失能」"
    assert lines["欧阳秀兰 · 独居"] == "「否」→「是」"


def test_the_history_lists_newest_first_and_names_other_workers_from_the_staff(
    ws: Workspace,
) -> None:
    household_id = ouyang(ws)
    change = RegisterChange(
        area_code="330702102201",
        household_id=household_id,
        field="address",
        before="岩头村3组88号",
        after="岩头村3组90号",
        changed_at=datetime(2026, 5, 1, 9, 0),
        worker_id="w-other",
    )
    ws.store.add_many([change], queue=False)  # as a pull brings another worker's change
    vm = edit_vm(ws)
    vm.notes = "老人耳背，敲门要大声"
    assert vm.save_household()
    first, second = HouseholdVM(ws, household_id).history()
    assert (first.what, first.who) == ("备注", ws.profile.name)
    assert (second.when, second.who) == ("2026-05-01 09:00", "其他工作人员")
    assert second.change == "「岩头村3组88号」→「岩头村3组90号」"


# --- bad input: one sentence, nothing saved -------------------------------------------


def test_a_death_before_birth_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].left_reason = LeaveReason.DIED.value
    vm.forms[child.id].left_on = "2015-05-31"  # born 2015-06-01
    refused(ws, vm, lambda: vm.save_member(child.id), "离开（去世）日期不能早于出生日期")


def test_a_leave_dated_after_today_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    head = person_named(vm, "欧阳秀兰")
    vm.forms[head.id].left_reason = LeaveReason.MOVED_OUT.value
    vm.forms[head.id].left_on = "2026-05-21"
    refused(ws, vm, lambda: vm.save_member(head.id), "离开（去世）日期不能晚于今天")
    vm.forms[head.id].left_on = "2026-05-20"  # today is allowed
    assert vm.save_member(head.id)


def test_a_leave_reason_without_its_date_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    head = person_named(vm, "欧阳秀兰")
    vm.forms[head.id].left_reason = LeaveReason.MARRIED_OUT.value
    refused(ws, vm, lambda: vm.save_member(head.id), "成员离开需要填写离开日期")


def test_a_major_event_dated_after_today_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].major_event_kind = MajorEventKind.ILLNESS.value
    vm.forms[child.id].major_event_date = "2026-05-21"
    refused(ws, vm, lambda: vm.save_member(child.id), "重大变故日期不能晚于今天")


def test_a_major_event_kind_without_its_date_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].major_event_kind = MajorEventKind.JOB_LOSS.value
    refused(ws, vm, lambda: vm.save_member(child.id), "标记重大变故时需要填写变故日期")


def test_a_date_that_is_not_a_date_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    head = person_named(vm, "欧阳秀兰")
    vm.forms[head.id].left_on = "2026-02-30"
    refused(
        ws,
        vm,
        lambda: vm.save_member(head.id),
        "「离开（去世）日期」不是有效日期，请按 2026-05-20 的格式填写。",
    )


def test_a_newborn_with_an_invalid_id_number_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    vm.new_member.name = "欧阳小花"
    vm.new_member.id_number = NEWBORN_ID[:-1] + ("0" if NEWBORN_ID[-1] != "0" else "1")
    refused(ws, vm, vm.add_member, "身份证号校验位不正确")
    vm.new_member.id_number = make_id_number("330702", date(2026, 5, 21), 214)  # born tomorrow
    refused(ws, vm, vm.add_member, "身份证号中的出生日期无效")


def test_a_newborn_with_the_id_number_of_another_live_member_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    someone = next(p for p in ws.store.load_all(Person) if p.household_id != vm.household_id)
    vm.new_member.name = "欧阳小花"
    vm.new_member.id_number = str(someone.id_number)
    refused(ws, vm, vm.add_member, "该身份证号已属于本辖区的另一位在册成员，请核对")


def test_an_id_number_of_a_member_who_left_may_come_back(ws: Workspace) -> None:
    """A son who moved out and is back: his old record has left, the new one is live."""
    vm = edit_vm(ws)
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].left_reason, vm.forms[child.id].left_on = "moved_out", "2026-01-10"
    assert vm.save_member(child.id)
    vm.new_member.name = "欧阳小明"
    vm.new_member.id_number = str(child.id_number)
    assert vm.add_member()


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("欧阳😀", "姓名不能包含表情符号或图形符号"),
        ("欧阳\x07明", "姓名不能包含控制字符或不可见字符"),
    ],
)
def test_names_with_emoji_or_control_characters_are_refused_on_add_and_on_edit(
    ws: Workspace, name: str, sentence: str
) -> None:
    vm = edit_vm(ws)
    vm.new_member.name = name
    refused(ws, vm, vm.add_member, sentence)
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].name = name
    refused(ws, vm, lambda: vm.save_member(child.id), sentence)


def test_an_invalid_phone_is_refused(ws: Workspace) -> None:
    vm = edit_vm(ws)
    vm.phone = "12345"
    refused(
        ws, vm, vm.save_household, "电话号码应为11位手机号或带区号的固定电话（如0579-82123456）"
    )


# --- the store refuses what the service would: create and update alike -------------------


def test_the_store_refuses_dates_ahead_of_its_clock_on_create_and_on_update(
    ws: Workspace,
) -> None:
    household = ws.households.get(ouyang(ws))
    ahead = date(2099, 1, 1)
    person = Person(
        area_code=household.area_code,
        household_id=household.id,
        name="欧阳未来",
        birth_date=date(2000, 1, 1),
        left_on=ahead,
        left_reason=LeaveReason.MOVED_OUT,
    )
    with pytest.raises(IllegalEdit) as created:
        ws.store.add(person)
    assert created.value.code == "person.left_in_future"
    member = next(p for p in ws.households.members(household.id) if p.name == "欧阳小明")
    event = member.model_copy(update={"major_event_date": ahead})
    with pytest.raises(IllegalEdit) as updated:
        ws.store.update(event)
    assert updated.value.code == "person.major_event_in_future"


def test_a_register_change_is_insert_only(ws: Workspace) -> None:
    vm = edit_vm(ws)
    vm.address = "岩头村3组90号"
    assert vm.save_household()
    [change] = ws.store.load_all(RegisterChange)
    with pytest.raises(IllegalEdit) as caught:
        ws.store.update(change.model_copy(update={"after": "别处"}))
    assert caught.value.code == "change.insert_only"
    assert ws.store.get(Household, vm.household_id).address == "岩头村3组90号"


# --- a death and the visit rules ------------------------------------------------------


def test_a_member_who_died_stops_counting_for_the_visit_rule(ws: Workspace) -> None:
    """A 低保 household (quarterly) whose only member is 80+ and lives alone (weekly), not
    visited since 2026-05-01 (a Friday). She died on Tuesday 2026-05-19; the worker records
    it on Wednesday 2026-05-20. Worked by hand:
    - on 05-18 she is a member: weekly, and the week of 05-18..05-24 has no visit → due;
    - from 05-19, the day she died (the leave date; `member_on`: a member counts to the end
      of the day before she left), and so on 05-20, the next day, when it is recorded: she
      no longer counts, the household is quarterly, and the visit of 05-01 covers Q2."""
    household_id = next(
        h.id
        for h in ws.roster.households.values()
        if h.categories == (Category.DIBAO,)
        and [m.flags for m in ws.roster.members[h.id]] == [(PersonFlag.ELDERLY_ALONE,)]
    )
    vm = HouseholdEditVM(ws, household_id)
    [elder] = vm.members
    household = ws.roster.households[household_id]
    visit = VisitFact(household_id, datetime(2026, 5, 1, 9, 0), VisitMode.HOME, True, "w", "")

    def frequency(on: date) -> Frequency:
        status = visit_status(ws.policy, household, ws.roster.members[household_id], [visit], on)
        assert status is not None
        return status.requirement.frequency

    assert frequency(date(2026, 5, 18)) == Frequency.WEEKLY
    vm.forms[elder.id].left_reason, vm.forms[elder.id].left_on = "died", "2026-05-19"
    assert vm.save_member(elder.id)
    assert frequency(date(2026, 5, 18)) == Frequency.WEEKLY  # before: she still counted
    assert frequency(date(2026, 5, 19)) == Frequency.QUARTERLY
    assert frequency(date(2026, 5, 20)) == Frequency.QUARTERLY
    status = visit_status(
        ws.policy, household, ws.roster.members[household_id], [visit], date(2026, 5, 20)
    )
    assert status is not None and status.requirement.reasons == ("dibao",)
    assert status.urgency == Urgency.DONE


def test_a_member_saved_while_the_name_index_is_being_built_is_found_once_it_is(
    ws: Workspace,
) -> None:
    """The index is built in the background after the unlock; a save does not wait for it.
    (A person the build read before the save committed would be missed: the pending list
    adds it; here one the store does not even hold shows the list is applied.)"""
    household = ws.households.get(ouyang(ws))
    ws.lock()  # a fresh unlock: no index yet
    sandbox = ws.sandbox
    fresh = Workspace(sandbox, open_store(sandbox, sandbox.unlock(PIN)), clock=ws.clock)
    try:
        only_indexed = Person(
            area_code=household.area_code, household_id=household.id, name="欧阳未存"
        )
        fresh.reindex(only_indexed)
        assert [h.person_id for h in fresh.search_index().search("欧阳未存")] == [only_indexed.id]
        renamed = only_indexed.model_copy(update={"name": "欧阳改名"})
        fresh.reindex(renamed)  # built now: upserted at once
        assert fresh.search_index().search("欧阳未存") == []
    finally:
        fresh.lock()


def test_a_masked_export_masks_the_values_of_register_changes(ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A changed phone, a new member's name and ID number, a note: masked as on their own
    records; a leave date and reason are not personal and stay."""
    vm = edit_vm(ws)
    vm.phone, vm.notes = "13857990001", "邻居王阿姨每天送饭"
    assert vm.save_household()
    vm.new_member.name, vm.new_member.id_number = "欧阳𠮷", NEWBORN_ID
    assert vm.add_member()
    child = person_named(vm, "欧阳小明")
    vm.forms[child.id].left_reason, vm.forms[child.id].left_on = "moved_out", "2026-05-01"
    assert vm.save_member(child.id)
    out = tmp_path / "masked.jsonl"
    export_records(ws.store, out)
    text = out.read_text(encoding="utf-8")
    for secret in ("13905791234", "13857990001", "邻居王阿姨", "欧阳𠮷", NEWBORN_ID):
        assert secret not in text, secret
    changes = {
        c["field"]: (c["before"], c["after"])
        for c in map(json.loads, text.splitlines())
        if c["type"] == "register_change"
    }
    assert changes["phone"] == ("139****1234", "138****0001")
    assert changes["notes"] == ("", "***")
    assert changes["member_added"] == ("", "欧*𠮷")
    assert changes["left_on"] == ("", "2026-05-01")
    assert changes["left_reason"] == ("", "moved_out")


# --- the screen, headless ---------------------------------------------------------------


def test_the_edit_screen_from_the_household_screen_and_back(data_dir, clock) -> None:  # type: ignore[no-untyped-def]
    """编辑家庭 opens from the household screen; a refused save keeps the form and says why
    beside it; a saved one closes it; the history on the household screen shows the edit."""

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.click("打开欧阳秀兰家")
        assert client.has_text("尚无变更记录。")
        await client.click("编辑家庭")
        assert client.top().route == "/household-edit"
        await client.click("编辑欧阳小明")
        await client.type("离开（去世）日期", "2015-05-31")
        await client.click("去世")
        await client.click("保存欧阳小明的信息")
        assert client.has_text("离开（去世）日期不能早于出生日期")
        await client.type("离开（去世）日期", "2026-05-18")
        await client.click("保存欧阳小明的信息")
        assert client.has_text("已保存。") and client.has_text("已离开 2026-05-18 去世")
        assert not client.has_text("离开（去世）日期不能早于出生日期")
        assert client.shell is not None
        client.shell.pop()  # 返回
        assert client.top().route == "/household"
        assert client.has_text("欧阳小明 · 离开原因：「空」→「去世」")
        assert client.has_text("已退出（2026-05-18）")

    asyncio.run(go())


def test_opening_and_saving_a_member_redraws_that_member_alone(data_dir, clock) -> None:  # type: ignore[no-untyped-def]
    """A member's form opened, switched or saved redraws the members it concerns, not the
    whole list (the screen answers at once with six members); what was saved shows."""

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.click("打开欧阳秀兰家")
        await client.click("编辑家庭")
        screen = client.shell.stack[-1]  # type: ignore[union-attr]
        names = {p.id: p.name for p in screen.vm.members}
        assert len(names) >= 2
        head, other = (
            next(i for i, n in names.items() if n == who) for who in ("欧阳秀兰", "欧阳小明")
        )
        drawn = {i: box.content for i, box in screen.member_boxes.items()}
        await client.click("编辑欧阳秀兰")
        assert screen.member_boxes[head].content is not drawn[head]  # its form opened
        assert all(screen.member_boxes[i].content is drawn[i] for i in names if i != head)
        await client.click("编辑欧阳小明")  # the head's form closes as this one opens
        assert screen.open_member == other
        assert all(
            screen.member_boxes[i].content is drawn[i] for i in names if i not in (head, other)
        )
        still = {i: box.content for i, box in screen.member_boxes.items()}
        form = screen.vm.forms[other]
        form.lives_alone = not form.lives_alone
        await client.click("保存欧阳小明的信息")
        assert client.has_text("已保存。") and screen.open_member is None
        assert screen.member_boxes[other].content is not still[other]
        assert all(screen.member_boxes[i].content is still[i] for i in names if i != other)
        # As saved, without reading the household again.
        assert screen.vm.member(other).lives_alone == form.lives_alone
        stored = client.shell.ws.store.get(Person, other)  # type: ignore[union-attr]
        assert stored.lives_alone == form.lives_alone
        await client.click("编辑欧阳秀兰")  # the message goes with the next member opened
        assert not client.has_text("已保存。")

    asyncio.run(go())
