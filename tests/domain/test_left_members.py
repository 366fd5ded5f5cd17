"""Members who left the household (`Person.left_on`, set by the roster import) stop counting
for the visit rules from the day they left: frequency, Today's status, coverage, 重大变故."""

from __future__ import annotations

from datetime import date

from app.domain.codes import Category, Frequency, PersonFlag
from app.domain.coverage import Caseload, major_event_response
from app.domain.policy import Urgency, member_on, requirement_for, visit_status
from app.domain.records import Household, Person, head_of
from app.reports.masking import household_heads
from tests.reports.builders import POLICY, cover, household, member, visit

LEFT = date(2026, 10, 15)


def left(person: Person, on: date) -> Person:
    person.left_on = on
    return person


def tekun_with_elderly_who_left() -> tuple[Household, Person]:
    """A 特困 (monthly) household whose elderly_alone member (weekly) left on 2026-10-15."""
    h = household(Category.TEKUN)
    return h, left(member(h, PersonFlag.ELDERLY_ALONE, name="王秀英", relation="母亲"), LEFT)


def test_a_member_counts_until_the_end_of_the_day_before_they_left() -> None:
    h, elder = tekun_with_elderly_who_left()
    assert member_on(elder, date(2026, 10, 14)) and not member_on(elder, LEFT)
    assert not member_on(elder, None)  # the records as they stand: they have left
    assert member_on(member(h), None)
    weekly = requirement_for(POLICY, h, [elder], date(2026, 10, 14))
    assert weekly is not None and weekly.frequency == Frequency.WEEKLY
    assert weekly.reasons == ("elderly_alone",)
    monthly = requirement_for(POLICY, h, [elder], LEFT)
    assert monthly is not None and monthly.frequency == Frequency.MONTHLY
    assert monthly.reasons == ("tekun",)


def test_an_elderly_member_who_left_no_longer_makes_the_household_weekly_in_november() -> None:
    h, elder = tekun_with_elderly_who_left()
    # One home visit a month: enough for a monthly household, not for a weekly one.
    visits = [visit(h, date(2026, 9, 10)), visit(h, date(2026, 11, 10))]
    november = cover([h], [elder], visits, "2026-11")
    assert (november.overall.total, november.overall.count) == (1, 1)
    assert november.overdue == ()
    # In September she was still in the household: weekly, and one visit is not enough.
    september = cover([h], [elder], visits, "2026-09")
    assert (september.overall.total, september.overall.count) == (1, 0)
    assert [o.household_id for o in september.overdue or ()] == [h.id]
    # A November report counted to a day before she left still reads her as a member.
    early = cover([h], [elder], visits, "2026-11", as_of=date(2026, 10, 14))
    assert (early.overall.total, early.overall.count) == (0, 0)  # no week of November ended
    still = cover([h], [left(elder, date(2026, 12, 1))], visits, "2026-11")
    assert (still.overall.total, still.overall.count) == (1, 0)


def test_today_follows_the_members_who_are_still_there() -> None:
    h, elder = tekun_with_elderly_who_left()
    before = visit_status(POLICY, h, [elder], [], date(2026, 10, 14))
    assert before is not None and before.requirement.frequency == Frequency.WEEKLY
    after = visit_status(POLICY, h, [elder], [], LEFT)
    assert after is not None and after.requirement.frequency == Frequency.MONTHLY
    assert after.requirement.reasons == ("tekun",)


def test_a_major_event_of_a_member_who_left_no_longer_calls_for_a_visit() -> None:
    h = household(Category.DIBAO)
    widow = member(h, PersonFlag.MAJOR_EVENT, event=date(2026, 10, 12), name="李桂花")
    status = visit_status(POLICY, h, [widow], [], date(2026, 10, 13))
    assert status is not None and status.urgency == Urgency.MAJOR_EVENT
    left(widow, date(2026, 10, 13))
    status = visit_status(POLICY, h, [widow], [], date(2026, 10, 13))
    assert status is not None and status.urgency != Urgency.MAJOR_EVENT
    assert status.major_event_due is None
    # The response rate counts the event while she was a member when it started…
    counted = major_event_response(Caseload([h], [widow]), "2026-10", policy=POLICY)
    assert (counted.overall.total, counted.overall.count) == (1, 0)
    # …and not an event recorded for someone who had already left.
    gone = member(h, PersonFlag.MAJOR_EVENT, event=date(2026, 10, 20), name="李大山")
    left(gone, date(2026, 10, 18))
    both = major_event_response(Caseload([h], [widow, gone]), "2026-10", policy=POLICY)
    assert (both.overall.total, both.overall.count) == (1, 0)


def test_the_head_a_household_is_known_by_is_one_still_listed() -> None:
    home = "0190a0b0-0000-7000-8000-000000000001"
    head = Person(area_code="330702102201", household_id=home, name="王大", relation="户主")
    son = Person(area_code="330702102201", household_id=home, name="王小", relation="子女")
    gone = head.model_copy(update={"left_on": date(2026, 5, 10)})
    assert head_of([son, head]) == head
    assert head_of([gone, son]) == son  # the head left: the first still listed
    assert head_of([gone]) == gone  # everyone left: still known by the head
    assert head_of([]) is None
    assert household_heads([gone, son]) == {home: son}
