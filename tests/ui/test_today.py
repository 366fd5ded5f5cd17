"""Today: who to visit first, and why."""

from __future__ import annotations

from app.domain.codes import VisitOutcome
from app.domain.policy import Urgency
from app.ui.viewmodels.today import PAGE, TodayVM
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.conftest import ouyang


def test_major_event_heads_the_list_with_why(ws: Workspace) -> None:
    vm = TodayVM(ws)
    first = vm.items[0]
    assert first.household_id == ouyang(ws)
    assert first.urgency == Urgency.MAJOR_EVENT
    assert first.title == "欧阳秀兰" and first.village == "岩头村"
    assert first.why.startswith("重大变故 · 须在5月22日前上门")
    assert vm.counts[Urgency.MAJOR_EVENT] == 1


def test_most_urgent_first_and_counts_add_up(ws: Workspace) -> None:
    vm = TodayVM(ws)
    order = [item.sort_key for item in vm.items]
    assert order == sorted(order)
    assert sum(vm.counts.values()) == len(vm.items)
    assert {i.urgency for i in vm.items} <= {Urgency.MAJOR_EVENT, Urgency.OVERDUE, Urgency.DUE_SOON}
    overdue = [i for i in vm.items if i.urgency == Urgency.OVERDUE]
    assert overdue and all("距上次探访" in i.why for i in overdue)
    assert vm.summary().startswith("重大变故 1 户，逾期 ")


def test_a_home_visit_takes_the_household_off_the_list(ws: Workspace) -> None:
    household = ouyang(ws)
    visit = NewVisitVM(ws, household)
    visit.set_outcome(VisitOutcome.MET.value)
    visit.toggle_care("comfort", True)
    assert visit.save() is not None
    vm = TodayVM(ws)
    assert household not in {i.household_id for i in vm.items}
    assert vm.counts[Urgency.MAJOR_EVENT] == 0


def test_nobody_home_does_not_count(ws: Workspace) -> None:
    household = ouyang(ws)
    visit = NewVisitVM(ws, household)
    visit.set_outcome(VisitOutcome.NOBODY_HOME.value)
    assert visit.save() is not None
    assert TodayVM(ws).items[0].household_id == household


def test_long_lists_come_a_page_at_a_time(ws: Workspace) -> None:
    vm = TodayVM(ws)
    vm.items = vm.items * 20
    assert len(vm.visible()) == PAGE and vm.has_more
    vm.show_more()
    assert len(vm.visible()) == min(2 * PAGE, len(vm.items))


def test_english_labels(ws: Workspace) -> None:
    vm = TodayVM(ws, lang="en")
    assert vm.items[0].why.startswith("Major adverse event · home visit by 2026-05-22")
