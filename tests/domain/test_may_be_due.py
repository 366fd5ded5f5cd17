"""The window pre-filter (`may_be_due`): which households a period can hold due, and from
which day their visits can count, worked by hand on the 2026 calendar.

October 2026 begins on a Thursday: the ISO weeks ending in it run from Monday 28 September
(week 40) to Sunday 25 October (week 43); week 44 ends on 1 November and is not counted.
"""

from __future__ import annotations

from datetime import date

from app.domain.calendar import Period
from app.domain.codes import Category, PersonFlag
from app.domain.coverage import Caseload, assess, earliest_counted_day, may_be_due
from app.domain.records import Household, Person
from tests.reports.builders import POLICY, household, member

OCTOBER = Period.parse("2026-10")


def county() -> dict[str, tuple[Household, list[Person]]]:
    """One household of each kind of window: weekly, monthly, quarterly, half-yearly, yearly."""
    weekly = household(Category.DIBAO)  # 低保 with a member living alone at 85: weekly
    monthly = household(Category.TEKUN)
    quarterly = household(Category.DIBAO)
    half_yearly = household(Category.EXITED)
    yearly = household(Category.LOW_INCOME)
    return {
        "weekly": (weekly, [member(weekly, PersonFlag.ELDERLY_ALONE), member(weekly, name="李四")]),
        "monthly": (monthly, [member(monthly)]),
        "quarterly": (quarterly, [member(quarterly)]),
        "half_yearly": (half_yearly, [member(half_yearly)]),
        "yearly": (yearly, [member(yearly)]),
    }


def starts_of(period: Period, as_of: date | None = None) -> dict[str, date]:
    """Kind of household -> first day of its earliest counted window, for those kept."""
    cases = county()
    due = may_be_due(
        [h for h, _ in cases.values()],
        [p for _, people in cases.values() for p in people],
        period,
        policy=POLICY,
        as_of=as_of,
    )
    kinds = {h.id: kind for kind, (h, _) in cases.items()}
    assert {p.household_id for p in due.persons} == set(due.starts)
    assert [h.id for h in due.households] == list(due.starts)
    assert due.weekly <= set(due.starts)
    assert {kinds[h] for h in due.weekly} == ({"weekly"} & {kinds[h] for h in due.starts})
    return {kinds[h]: day for h, day in due.starts.items()}


def test_october_holds_the_weekly_and_monthly_households_not_the_quarterly() -> None:
    assert starts_of(OCTOBER) == {"weekly": date(2026, 9, 28), "monthly": date(2026, 10, 1)}


def test_a_quarter_holds_the_quarterly_household_from_the_first_of_july() -> None:
    # 2026-07-01 is a Wednesday: the first week ending in Q3 began on Monday 29 June.
    assert starts_of(Period.parse("2026-Q3")) == {
        "weekly": date(2026, 6, 29),
        "monthly": date(2026, 7, 1),
        "quarterly": date(2026, 7, 1),
    }


def test_the_year_holds_every_kind_and_its_first_week_began_in_2025() -> None:
    assert starts_of(Period.parse("2026")) == {
        "weekly": date(2025, 12, 29),  # week 1 of 2026: Monday 29 December 2025
        "monthly": date(2026, 1, 1),
        "quarterly": date(2026, 1, 1),
        "half_yearly": date(2026, 1, 1),
        "yearly": date(2026, 1, 1),
    }


def test_as_of_leaves_out_the_windows_not_yet_ended() -> None:
    assert starts_of(OCTOBER, as_of=date(2026, 10, 3)) == {}  # week 40 ends on Sunday the 4th
    assert starts_of(OCTOBER, as_of=date(2026, 10, 4)) == {"weekly": date(2026, 9, 28)}
    assert starts_of(OCTOBER, as_of=date(2026, 10, 31)) == starts_of(OCTOBER)


def test_a_member_who_left_no_longer_sets_the_window() -> None:
    h = household(Category.DIBAO)
    elder = member(h, PersonFlag.ELDERLY_ALONE)
    elder.left_on = date(2026, 10, 15)  # quarterly from then on: not due in October

    def kept(as_of: date | None) -> dict[str, date]:
        return may_be_due([h], [elder], OCTOBER, policy=POLICY, as_of=as_of).starts

    assert kept(None) == {}
    assert kept(date(2026, 10, 12)) == {h.id: date(2026, 9, 28)}  # weeks 40 and 41 ended


def test_every_household_the_report_holds_due_is_kept_from_its_first_window() -> None:
    cases = county()
    households = [h for h, _ in cases.values()]
    persons = [p for _, people in cases.values() for p in people]
    caseload = Caseload(households, persons)
    for text in ("2026-10", "2026-11", "2026-12", "2026-Q4", "2026-H2", "2026"):
        period = Period.parse(text)
        due = may_be_due(households, persons, period, policy=POLICY)
        assessed = list(assess(caseload, period, policy=POLICY, classes=None))
        assert {a.case.household.id for a in assessed} == set(due.starts), text
        for a in assessed:
            assert due.starts[a.case.household.id] == a.windows[0].start, text


def test_the_earliest_counted_day_is_the_first_day_of_the_earliest_window() -> None:
    assert earliest_counted_day(OCTOBER) == date(2026, 9, 28)
    assert earliest_counted_day(Period.parse("2026-Q3")) == date(2026, 6, 29)
    assert earliest_counted_day(Period.parse("2026")) == date(2025, 12, 29)
