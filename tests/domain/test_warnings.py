"""Warnings (预警), derived flags and expiring monitored categories, on hand-built cases.

Every date below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from app.assets import load_visit_policy
from app.domain.codes import (
    Category,
    Frequency,
    NeedArea,
    NeedStatus,
    PersonFlag,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.policy import (
    Urgency,
    add_years,
    categories_on,
    category_last_day,
    member_flags,
    requirement_for,
    visit_status,
)
from app.domain.records import Household, Need, Person, Visit
from app.domain.warnings import (
    HouseholdWarning,
    WarningKind,
    count_by_area,
    household_warnings,
    uplift_line,
)

POLICY = load_visit_policy()
AREA = "330702102201"
C, P, K = Category, PersonFlag, WarningKind


def household(*categories: Category, **fields: Any) -> Household:
    return Household(area_code=AREA, address="岩头村12号", categories=list(categories), **fields)


def person(hh: Household, *flags: PersonFlag, **fields: Any) -> Person:
    fields.setdefault("name", "王秀英")
    return Person(area_code=AREA, household_id=hh.id, flags=list(flags), **fields)


def visit(
    hh: Household,
    day: date,
    outcome: VisitOutcome = VisitOutcome.MET,
    mode: VisitMode = VisitMode.HOME,
    amends: Visit | None = None,
) -> Visit:
    return Visit(
        area_code=AREA,
        household_id=hh.id,
        visited_at=datetime.combine(day, time(10)),
        worker_id="w-li",
        team=Team.GRID_WORKER,
        mode=mode,
        outcome=outcome,
        amends_visit_id=amends.id if amends else None,
    )


def need(hh: Household, raised: date, status: NeedStatus = NeedStatus.REASONABLE) -> Need:
    return Need(
        area_code=AREA,
        household_id=hh.id,
        area=NeedArea.HOUSING,
        description="屋顶漏雨",
        raised_on=raised,
        status=status,
        assessment_reason="不符合条件" if status == NeedStatus.UNREASONABLE else "",
        fulfilled_on=date(2026, 11, 1) if status == NeedStatus.FULFILLED else None,
    )


def kinds(found: list[HouseholdWarning]) -> list[tuple[WarningKind, date | None]]:
    return [(w.kind, w.since) for w in found]


def warned(hh, members=(), visits=(), needs=(), today=date(2026, 12, 4)):  # type: ignore[no-untyped-def]
    return household_warnings(POLICY, hh, list(members), list(visits), list(needs), today)


# --- nobody home three times in a row --------------------------------------------------


def test_three_nobody_home_in_a_row_warn_from_the_first_of_them() -> None:
    hh = household(C.DIBAO)
    days = [date(2026, 11, 3), date(2026, 11, 17), date(2026, 12, 1)]
    visits = [visit(hh, date(2026, 10, 20))] + [
        visit(hh, d, VisitOutcome.NOBODY_HOME) for d in days
    ]
    found = [w for w in warned(hh, [person(hh)], visits) if w.kind == K.NOBODY_HOME]
    assert kinds(found) == [(K.NOBODY_HOME, date(2026, 11, 3))]


def test_two_nobody_home_or_a_moved_between_do_not_warn() -> None:
    hh = household(C.DIBAO)
    two = [visit(hh, date(2026, 11, d), VisitOutcome.NOBODY_HOME) for d in (3, 17)]
    assert K.NOBODY_HOME not in [w.kind for w in warned(hh, [person(hh)], two)]
    broken = [
        visit(hh, date(2026, 11, 3), VisitOutcome.NOBODY_HOME),
        visit(hh, date(2026, 11, 10), VisitOutcome.MOVED),
        visit(hh, date(2026, 11, 17), VisitOutcome.NOBODY_HOME),
    ]
    assert K.NOBODY_HOME not in [w.kind for w in warned(hh, [person(hh)], broken)]


def test_a_corrected_attempt_no_longer_counts_as_nobody_home() -> None:
    hh = household(C.DIBAO)
    first = visit(hh, date(2026, 11, 3), VisitOutcome.NOBODY_HOME)
    rest = [visit(hh, date(2026, 11, d), VisitOutcome.NOBODY_HOME) for d in (10, 17)]
    fix = visit(hh, date(2026, 11, 3), VisitOutcome.MET, amends=first)
    assert K.NOBODY_HOME in [w.kind for w in warned(hh, [person(hh)], [first, *rest])]
    assert K.NOBODY_HOME not in [w.kind for w in warned(hh, [person(hh)], [first, *rest, fix])]


# --- a reasonable need not acted on for 30 days ----------------------------------------


def test_a_reasonable_need_warns_on_its_thirtieth_day() -> None:
    hh = household(C.DIBAO)
    raised = date(2026, 11, 4)  # + 30 days = 2026-12-04
    item = need(hh, raised)
    assert [w.subject_id for w in warned(hh, [person(hh)], needs=[item], today=date(2026, 12, 3)) if w.kind == K.NEED_IDLE] == []  # fmt: skip
    found = [w for w in warned(hh, [person(hh)], needs=[item]) if w.kind == K.NEED_IDLE]
    assert [(w.since, w.subject_id) for w in found] == [(date(2026, 12, 4), item.id)]


@pytest.mark.parametrize(
    "status", [NeedStatus.RAISED, NeedStatus.MATCHED, NeedStatus.FULFILLED, NeedStatus.UNREASONABLE]
)
def test_a_need_not_assessed_reasonable_or_acted_on_does_not_warn(status) -> None:  # type: ignore[no-untyped-def]
    hh = household(C.DIBAO)
    found = warned(hh, [person(hh)], needs=[need(hh, date(2026, 9, 1), status)])
    assert K.NEED_IDLE not in [w.kind for w in found]


# --- a major event not visited within 3 days -------------------------------------------


def test_a_major_event_unvisited_after_three_days_warns_until_someone_is_met_at_home() -> None:
    hh = household(C.DIBAO)
    # Event 2026-11-28, recorded the same day: home visit due by 12-01, late from 12-02.
    p = person(hh, P.MAJOR_EVENT, major_event_date=date(2026, 11, 28))
    on_time = warned(hh, [p], today=date(2026, 12, 1))
    assert K.MAJOR_EVENT_LATE not in [w.kind for w in on_time]
    late = [w for w in warned(hh, [p]) if w.kind == K.MAJOR_EVENT_LATE]
    assert [(w.since, w.subject_id) for w in late] == [(date(2026, 12, 2), p.id)]
    phoned = [visit(hh, date(2026, 12, 3), mode=VisitMode.PHONE)]
    assert K.MAJOR_EVENT_LATE in [w.kind for w in warned(hh, [p], phoned)]
    met = [visit(hh, date(2026, 12, 3))]
    assert K.MAJOR_EVENT_LATE not in [w.kind for w in warned(hh, [p], met)]


def test_an_event_recorded_late_counts_its_three_days_from_the_recording() -> None:
    hh = household(C.DIBAO)
    # Happened 11-10, recorded 11-30: due by 12-03, late from 12-04.
    p = person(hh, major_event_date=date(2026, 11, 10), major_event_recorded_on=date(2026, 11, 30))
    assert K.MAJOR_EVENT_LATE not in [w.kind for w in warned(hh, [p], today=date(2026, 12, 3))]
    late = [w for w in warned(hh, [p]) if w.kind == K.MAJOR_EVENT_LATE]
    assert [w.since for w in late] == [date(2026, 12, 4)]


def test_a_recorded_event_date_starts_the_clock_without_the_flag() -> None:
    """The household screen and Today read `visit_status`: the event heads the list."""
    hh = household(C.LOW_INCOME)
    p = person(hh, major_event_date=date(2026, 12, 3))
    status = visit_status(POLICY, hh, [p], [], date(2026, 12, 4))
    assert status is not None and status.urgency == Urgency.MAJOR_EVENT
    assert status.major_event_due == date(2026, 12, 6)  # 12-03 + 3 days
    assert P.MAJOR_EVENT in member_flags(POLICY, p, date(2026, 12, 4))


# --- a monitored household under the uplift line ---------------------------------------


def test_uplift_line_is_the_threshold_for_three_scaled_to_the_household() -> None:
    assert uplift_line(POLICY, 3) == 100_000
    assert uplift_line(POLICY, 1) == pytest.approx(33_333.33, abs=0.01)
    assert uplift_line(POLICY, 6) == 200_000


def test_a_monitored_household_under_the_line_warns_and_one_above_it_does_not() -> None:
    # Two members: the line is 100,000 x 2 / 3 = 66,666.67 yuan.
    for income, expected in ((66_666, True), (66_667, False)):
        hh = household(C.SPECIAL_AID, annual_income_yuan=income)
        members = [person(hh), person(hh, name="王小明", relation="子")]
        found = [w.kind for w in warned(hh, members)]
        assert (K.UPLIFT_INCOME in found) is expected, income


def test_no_uplift_warning_for_low_income_households_unrecorded_income_or_expired_class() -> None:
    already = household(C.SPECIAL_AID, C.LOW_INCOME, annual_income_yuan=10_000)
    unknown = household(C.SPECIAL_AID)
    # Exited 2023-12-03: monitored up to 2026-12-03, no longer on 2026-12-04.
    expired = household(C.EXITED, exited_on=date(2023, 12, 3), annual_income_yuan=10_000)
    for hh in (already, unknown, expired):
        assert K.UPLIFT_INCOME not in [w.kind for w in warned(hh, [person(hh)])]
    assert K.UPLIFT_INCOME in [w.kind for w in warned(expired, [person(expired)], today=date(2026, 12, 3))]  # fmt: skip


# --- not visited for twice its frequency -----------------------------------------------


def test_a_monthly_household_unvisited_for_two_whole_months_warns() -> None:
    hh = household(C.TEKUN)  # monthly
    members = [person(hh)]
    # On 2026-12-04 the last two whole months are October and November.
    october = [visit(hh, date(2026, 10, 31))]
    assert K.LONG_UNVISITED not in [w.kind for w in warned(hh, members, october)]
    september = [visit(hh, date(2026, 9, 30))]
    found = [w for w in warned(hh, members, september) if w.kind == K.LONG_UNVISITED]
    assert [w.since for w in found] == [date(2026, 12, 1)]
    # A phone call does not count for a 特困 household (home visits only).
    phoned = [*september, visit(hh, date(2026, 11, 5), mode=VisitMode.PHONE)]
    assert K.LONG_UNVISITED in [w.kind for w in warned(hh, members, phoned)]


def test_a_household_registered_during_those_windows_is_not_warned() -> None:
    hh = household(C.TEKUN, registered_on=date(2026, 11, 1))  # not on it at 10-31's end
    assert K.LONG_UNVISITED not in [w.kind for w in warned(hh, [person(hh)])]
    older = household(C.TEKUN, registered_on=date(2026, 10, 31))  # on it at 10-31's end
    assert K.LONG_UNVISITED in [w.kind for w in warned(older, [person(older)])]


def test_a_household_that_left_the_register_has_no_warnings() -> None:
    hh = household(C.TEKUN, register_status="left", left_on=date(2026, 12, 1), annual_income_yuan=0)
    p = person(hh, major_event_date=date(2026, 11, 1))
    assert warned(hh, [p], needs=[need(hh, date(2026, 9, 1))]) == []


# --- flags the facts contradict --------------------------------------------------------


def test_elderly_alone_is_derived_from_birth_date_and_living_alone() -> None:
    hh = household(C.DIBAO)
    # Born 1946-12-05: 79 on 2026-12-04, 80 on 2026-12-05.
    p = person(hh, birth_date=date(1946, 12, 5), lives_alone=True)
    assert requirement_for(POLICY, hh, [p], date(2026, 12, 4)).frequency == Frequency.QUARTERLY  # type: ignore[union-attr]
    assert requirement_for(POLICY, hh, [p], date(2026, 12, 5)).frequency == Frequency.WEEKLY  # type: ignore[union-attr]
    together = person(hh, birth_date=date(1930, 1, 1), lives_alone=False)
    assert P.ELDERLY_ALONE not in member_flags(POLICY, together, date(2026, 12, 4))
    # Without a birth date the roster's flag stands.
    unknown = person(hh, P.ELDERLY_ALONE)
    assert member_flags(POLICY, unknown, date(2026, 12, 4)) == (P.ELDERLY_ALONE,)


def test_a_recorded_elderly_alone_flag_the_facts_contradict_warns_and_does_not_count() -> None:
    hh = household(C.DIBAO)
    # The roster template's example: born 1955-03-12, 71 on 2026-12-04, flagged 高龄独居.
    p = person(hh, P.ELDERLY_ALONE, birth_date=date(1955, 3, 12), lives_alone=True)
    found = [w for w in warned(hh, [p], [visit(hh, date(2026, 11, 20))])]
    assert [(w.kind, w.subject_id) for w in found] == [(K.FLAG_CONTRADICTED, p.id)]
    assert requirement_for(POLICY, hh, [p], date(2026, 12, 4)).frequency == Frequency.QUARTERLY  # type: ignore[union-attr]


def test_a_childs_category_with_no_member_under_18_warns() -> None:
    hh = household(C.LEFT_BEHIND_CHILD)
    grandmother = person(hh, birth_date=date(1950, 5, 1))
    # Born 2008-12-05: 17 on 2026-12-04, 18 the next day.
    grandson = person(hh, name="王小明", relation="孙", birth_date=date(2008, 12, 5))
    visited = [visit(hh, date(2026, 11, 20))]
    assert warned(hh, [grandmother, grandson], visited) == []
    found = warned(hh, [grandmother, grandson], visited, today=date(2026, 12, 5))
    assert kinds(found) == [(K.FLAG_CONTRADICTED, None)]
    # A member without a birth date: no one can tell, no warning.
    unknown = person(hh, name="王小红", relation="孙女")
    assert warned(hh, [grandmother, unknown], visited) == []


# --- categories that expire ------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "field", "entered", "last_day"),
    [
        # 近3年退出救助: exited 2023-06-15, monitored through 2026-06-15 (民法典 203).
        (C.EXITED, "exited_on", date(2023, 6, 15), date(2026, 6, 15)),
        # 2年内申请未通过: refused 2024-12-04, through 2026-12-04.
        (C.REJECTED, "rejected_on", date(2024, 12, 4), date(2026, 12, 4)),
        # 1年内临时救助: aided 2024-02-29, no 2025-02-29: through 2025-02-28.
        (C.TEMPORARY_AID, "temporary_aid_on", date(2024, 2, 29), date(2025, 2, 28)),
    ],
)
def test_a_monitored_category_ends_with_its_window(category, field, entered, last_day) -> None:  # type: ignore[no-untyped-def]
    hh = household(category, C.LOW_INCOME, **{field: entered})
    assert category_last_day(POLICY, hh, category) == last_day
    assert category in categories_on(POLICY, hh, last_day)
    after = date.fromordinal(last_day.toordinal() + 1)
    assert categories_on(POLICY, hh, after) == (C.LOW_INCOME,)
    # The visit rule follows: half-yearly (monitored) to yearly (低收入).
    p = person(hh)
    assert requirement_for(POLICY, hh, [p], last_day).frequency == Frequency.HALF_YEARLY  # type: ignore[union-attr]
    assert requirement_for(POLICY, hh, [p], after).frequency == Frequency.YEARLY  # type: ignore[union-attr]


def test_a_category_without_its_day_or_that_never_expires_stays() -> None:
    hh = household(C.EXITED, C.SPECIAL_AID)
    assert categories_on(POLICY, hh, date(2040, 1, 1)) == (C.EXITED, C.SPECIAL_AID)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_warnings_are_counted_by_village() -> None:
    other = "330702102202"
    items = [
        HouseholdWarning(K.NOBODY_HOME, "a", AREA),
        HouseholdWarning(K.NEED_IDLE, "a", AREA),
        HouseholdWarning(K.NEED_IDLE, "b", other),
    ]
    overall, rows = count_by_area(items, 12, {AREA: "岩头村"})
    assert overall.total == 3 and overall.counts[K.NEED_IDLE] == 2
    assert [(r.key, r.name, r.total) for r in rows] == [(AREA, "岩头村", 2), (other, other, 1)]
