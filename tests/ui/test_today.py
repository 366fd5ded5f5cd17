"""Today: who to visit first, and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.codes import Frequency, VisitMode, VisitOutcome
from app.domain.policy import Requirement, Urgency, VisitStatus
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.today import PAGE, TodayVM, due_words
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.conftest import Clock, ouyang


def test_major_event_heads_the_list_with_why(ws: Workspace) -> None:
    vm = TodayVM(ws)
    first = vm.items[0]
    assert first.household_id == ouyang(ws)
    assert first.urgency == Urgency.MAJOR_EVENT
    assert first.title == "欧阳秀兰" and first.village == "岩头村"
    assert first.why.startswith("重大变故 · 最迟5月22日（周五）上门（还有 2 天）")
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


FRIDAY = date(2026, 12, 4)


def _status(urgency: Urgency, freq: Frequency, *, event: date | None = None) -> VisitStatus:
    requirement = Requirement(freq, frozenset({VisitMode.HOME}), ("tekun",))
    return VisitStatus(requirement, urgency, FRIDAY, FRIDAY - timedelta(days=20), event)


@pytest.mark.parametrize(
    ("urgency", "freq", "event", "words"),
    [
        # Was "已逾期 · 应于 2026-12-06 前探访" on 12-04: what was missed, and what is next.
        (
            Urgency.OVERDUE,
            Frequency.WEEKLY,
            None,
            ["上周（11月23日至29日）没有探访", "本周内探访，最迟12月6日（周日）"],
        ),
        (
            Urgency.OVERDUE,
            Frequency.MONTHLY,
            None,
            ["上月（11月）没有探访", "本月内探访，最迟12月31日（周四）"],
        ),
        (
            Urgency.OVERDUE,
            Frequency.QUARTERLY,
            None,
            ["上季度（7月至9月）没有探访", "本季度内探访，最迟12月31日（周四）"],
        ),
        (Urgency.DUE_SOON, Frequency.MONTHLY, None, ["本月内探访，最迟12月31日（周四）"]),
        (
            Urgency.DONE,
            Frequency.MONTHLY,
            None,
            ["本月已探访", "下月内探访，最迟1月31日（周日）"],
        ),
        # Was "须在12月4日前上门" on 12-04: the deadline is today, and says so.
        (
            Urgency.MAJOR_EVENT,
            Frequency.MONTHLY,
            FRIDAY,
            ["重大变故", "今天须上门：12月4日（周五）是最后期限"],
        ),
        (
            Urgency.MAJOR_EVENT,
            Frequency.MONTHLY,
            FRIDAY + timedelta(days=2),
            ["重大变故", "最迟12月6日（周日）上门（还有 2 天）"],
        ),
        (
            Urgency.MAJOR_EVENT,
            Frequency.MONTHLY,
            FRIDAY - timedelta(days=1),
            ["重大变故", "上门已超期 1 天：最迟应在12月3日（周四）"],
        ),
    ],
)
def test_what_is_late_and_what_is_due_next(
    urgency: Urgency, freq: Frequency, event: date | None, words: list[str]
) -> None:
    assert due_words(_status(urgency, freq, event=event), FRIDAY) == words


def test_the_last_day_of_a_window_says_today() -> None:
    sunday = date(2026, 12, 6)
    status = _status(Urgency.DUE_SOON, Frequency.WEEKLY)
    assert due_words(status, sunday) == ["今天须探访：12月6日（周日）是本周最后一天"]
    assert due_words(status, sunday, "en") == [
        "visit today: 2026-12-06 (Sun) is the last day of this week"
    ]


def test_today_and_the_household_screen_say_the_same(ws: Workspace, clock: Clock) -> None:
    clock.advance(days=2)  # the day of 欧阳秀兰's home-visit deadline
    household = ouyang(ws)
    item = next(i for i in TodayVM(ws).items if i.household_id == household)
    line = HouseholdVM(ws, household).status_line()
    assert item.why.startswith("重大变故 · 今天须上门：5月22日（周五）是最后期限")
    assert line.startswith("重大变故 · 今天须上门：5月22日（周五）是最后期限 · 每月")
    overdue = next(i for i in TodayVM(ws).items if i.urgency == Urgency.OVERDUE)
    assert "没有探访" in overdue.why and "最迟" in overdue.why
    assert "没有探访" in HouseholdVM(ws, overdue.household_id).status_line()
