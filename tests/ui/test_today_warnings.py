"""Today's warnings (预警) and a 重大变故 recorded on the device, headless over a real store.

The fixed clock is Wednesday 2026-05-20 (tests/ui/conftest.py); dates are worked out from it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.domain.codes import Category, NeedArea, NeedStatus, Team, VisitMode, VisitOutcome
from app.domain.policy import Urgency
from app.domain.records import Household, Need, Person, Visit
from app.domain.warnings import WarningKind
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.today import TodayVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.conftest import TODAY, Clock, ouyang

RARE = "𠮷䶮"


def add(ws: Workspace, *records: object) -> None:
    ws.store.add_many(list(records), queue=False)  # type: ignore[arg-type]
    ws.reload()


def attempt(h: Household, day: date, outcome: VisitOutcome = VisitOutcome.NOBODY_HOME) -> Visit:
    return Visit(
        area_code=h.area_code,
        household_id=h.id,
        visited_at=datetime.combine(day, time(9)),
        worker_id="w-li",
        team=Team.GRID_WORKER,
        mode=VisitMode.HOME,
        outcome=outcome,
    )


def test_today_lists_each_warning_in_a_sentence(ws: Workspace) -> None:
    h = Household(area_code="330702102202", address="后溪村7组1号", categories=[Category.DIBAO])
    head = Person(area_code=h.area_code, household_id=h.id, name=RARE, relation="户主")
    # Nobody home on 05-06, 05-13 and 05-19: a warning since 05-06.
    # A home visit on 03-10 (in the last whole quarter): not long unvisited.
    tries = [attempt(h, date(2026, 3, 10), VisitOutcome.MET)]
    tries += [attempt(h, date(2026, 5, d)) for d in (6, 13, 19)]
    # Raised 2026-04-10: its 30th day was 05-10.
    need = Need(
        area_code=h.area_code,
        household_id=h.id,
        area=NeedArea.HOUSING,
        description="屋顶漏雨",
        raised_on=date(2026, 4, 10),
        status=NeedStatus.REASONABLE,
    )
    add(ws, h, head, *tries, need)
    vm = TodayVM(ws)
    mine = [w for w in vm.warnings if w.household_id == h.id]
    assert [(w.kind, w.title, w.village) for w in mine] == [
        (WarningKind.NOBODY_HOME, RARE, "后溪村"),
        (WarningKind.NEED_IDLE, RARE, "后溪村"),
    ]
    assert mine[0].words == "自5月6日（周三）起连续 3 次无人在家"
    assert mine[1].words == "合理需求（住房改善）4月10日（周五）提出，40 天未处理"
    # The household's own screen lists the same warnings, in the same words and order.
    screen = HouseholdVM(ws, h.id)
    screen.load()
    assert screen.warning_lines() == [mine[0].words, mine[1].words]
    quiet = HouseholdVM(ws, ouyang(ws))
    quiet.load()
    assert quiet.warning_lines() == [
        w.words for w in vm.warnings if w.household_id == quiet.household_id
    ]


def test_a_major_event_recorded_here_heads_today_at_once_and_is_late_after_three_days(
    ws: Workspace, clock: Clock
) -> None:
    """What the member edit screen does on saving: the record updated through the store,
    the roster told. The status and the warnings follow without a reload."""
    household = next(
        h
        for h in ws.roster.households.values()
        if (s := ws.status(h.id)) is not None and s.urgency == Urgency.DONE
    )
    member = ws.households.members(household.id)[0]
    member.major_event_date = TODAY
    member.major_event_recorded_on = TODAY
    with ws.store.unit_of_work() as uow:
        saved = uow.records.update(member)
        uow.commit()
    ws.roster.put_person(saved)
    status = ws.status(household.id)
    assert status is not None and status.urgency == Urgency.MAJOR_EVENT
    assert status.major_event_due == TODAY + timedelta(days=3)  # 2026-05-23
    assert TodayVM(ws).items[0].household_id in {household.id, ouyang(ws)}
    assert household.id not in {w.household_id for w in ws.warnings()}
    clock.advance(days=4)  # 05-24: the 23rd passed without a home visit
    late = [w for w in ws.warnings() if w.household_id == household.id]
    assert [(w.kind, w.since) for w in late] == [(WarningKind.MAJOR_EVENT_LATE, date(2026, 5, 24))]
    words = TodayVM(ws).warnings
    said = next(w.words for w in words if w.household_id == household.id)
    assert said == f"{saved.name}的重大变故应在5月23日（周六）前上门，至今未上门"
