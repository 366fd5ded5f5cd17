"""Household detail: members with masked ID numbers, logged reveals, timeline, needs, consent."""

from __future__ import annotations

from app.domain.codes import VisitOutcome
from app.ui.viewmodels.consent import ConsentVM
from app.ui.viewmodels.household import REVEAL_ACTION, HouseholdVM
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.conftest import ouyang


def test_header_members_and_status(ws: Workspace) -> None:
    vm = HouseholdVM(ws, ouyang(ws))
    assert vm.title == "欧阳秀兰" and vm.village == "岩头村" and vm.categories == "特困供养"
    assert vm.status_line().startswith("重大变故待探访 · 每月 · 应于 2026-05-22 前探访")
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
        ("欧阳秀兰", "助联体成员慈善组织", True)
    ]
    assert lines[0].state == "已同意（至 2027-05-20）"
