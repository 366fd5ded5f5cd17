"""在册对象探访关爱率 on hand-built cases; every expected figure is worked out in a comment."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.calendar import InvalidPeriod
from app.domain.codes import Category, PersonFlag, VisitMode, VisitOutcome
from app.domain.coverage import (
    Caseload,
    InvalidBreakdown,
    Tally,
    VisitFact,
    coverage,
    major_event_response,
)
from tests.reports.builders import NAMES, POLICY, cover, household, member, visit
from tests.said import refused, said

C = Category
D = date


def figures(report):
    """(due, covered, rate) of a coverage report."""
    return report.overall.total, report.overall.count, report.overall.rate


def overdue(report):
    return [(o.household_id, o.last_visit) for o in report.overdue]


def test_weekly_household_needs_a_visit_in_every_iso_week_ending_in_the_month():
    # November 2026 starts on a Sunday, so the ISO weeks ending in it are Oct 26–Nov 1,
    # Nov 2–8, 9–15, 16–22 and 23–29: five windows (Nov 30–Dec 6 ends in December).
    # A 低保 household with a member 80+ living alone is weekly; phone and video count.
    a, b = household(C.DIBAO), household(C.DIBAO)
    persons = [member(a, PersonFlag.ELDERLY_ALONE), member(b, PersonFlag.ELDERLY_ALONE)]
    visits = [
        visit(a, D(2026, 10, 27)),  # in the week ending Nov 1, so it counts for November
        visit(a, D(2026, 11, 3), VisitMode.PHONE),
        visit(a, D(2026, 11, 10), VisitMode.VIDEO),
        visit(a, D(2026, 11, 17)),
        visit(a, D(2026, 11, 24), VisitMode.PHONE),
        visit(b, D(2026, 10, 30)),
        visit(b, D(2026, 11, 5)),
        visit(b, D(2026, 11, 12)),
        visit(b, D(2026, 11, 19)),
        # b has nothing in Nov 23–29; Dec 1 lies after the period and changes nothing.
        visit(b, D(2026, 12, 1)),
    ]
    report = cover([a, b], persons, visits, "2026-11")
    # due = 2 (both have five counted weeks), covered = 1 (a), rate = 1/2
    assert figures(report) == (2, 1, 0.5)
    # b's last qualifying visit on or before Nov 30 is Nov 19
    assert overdue(report) == [(b.id, D(2026, 11, 19))]


def test_weeks_of_december_are_the_four_ending_in_it():
    # December 2026 holds the ISO weeks ending Dec 6, 13, 20 and 27 (Dec 28–Jan 3 ends
    # in January): visits on Nov 30, Dec 7, Dec 14 and Dec 21 cover all four.
    h = household(C.TEKUN)
    persons = [member(h, PersonFlag.ELDERLY_ALONE)]
    days = [D(2026, 11, 30), D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21)]
    report = cover([h], persons, [visit(h, d) for d in days], "2026-12")
    assert figures(report) == (1, 1, 1.0)
    # Without the Nov 30 visit the week Nov 30–Dec 6 has none: due 1, covered 0.
    report = cover([h], persons, [visit(h, d) for d in days[1:]], "2026-12")
    assert figures(report) == (1, 0, 0.0)


def test_quarterly_household_is_due_only_in_a_period_holding_a_quarter_end():
    q, late = household(C.DIBAO), household(C.DIBAO)  # quarterly, home visits only
    visits = [visit(q, D(2026, 10, 15)), visit(late, D(2026, 9, 20))]
    # November holds no quarter end: no window of either household ends in it.
    november = cover([q, late], [], visits, "2026-11")
    assert november.overall == Tally(0, 0)
    assert november.overall.rate is None and november.overdue == ()
    # December holds the end of Q4 (Oct 1–Dec 31): both due; q was visited on Oct 15,
    # late only in Q3. due 2, covered 1, rate 1/2.
    december = cover([q, late], [], visits, "2026-12")
    assert figures(december) == (2, 1, 0.5)
    assert overdue(december) == [(late.id, D(2026, 9, 20))]
    # The quarter report counts the same single window.
    assert figures(cover([q, late], [], visits, "2026-Q4")) == (2, 1, 0.5)


def test_a_year_counts_every_window_ending_in_it():
    every, gap = household(C.DIBAO), household(C.DIBIAN)
    visits = [visit(every, D(2026, m, 10)) for m in (2, 5, 8, 11)]
    visits += [visit(gap, D(2026, m, 10)) for m in (2, 5, 11)]  # nothing in Q3
    # 2026 holds four quarter ends; every: 4 of 4 windows visited, gap: 3 of 4.
    # due 2, covered 1; gap's last qualifying visit in 2026 is Nov 10.
    report = cover([every, gap], [], visits, "2026")
    assert figures(report) == (2, 1, 0.5)
    assert overdue(report) == [(gap.id, D(2026, 11, 10))]


def test_household_registered_mid_period_counts_from_its_first_window_end_on_the_register():
    # Monthly 特困 household put on the register on Nov 10: at the end of October it was
    # not yet registered, so in Q4 only the windows November and December count.
    new = household(C.TEKUN, registered_on=D(2026, 11, 10))
    visits = [visit(new, D(2026, 11, 12)), visit(new, D(2026, 12, 5))]
    assert figures(cover([new], [], visits, "2026-Q4")) == (1, 1, 1.0)
    # In October no window ends while it is on the register: not due at all.
    assert figures(cover([new], [], visits, "2026-10")) == (0, 0, None)
    # Had it been registered since January, October would count and lack a visit.
    old = household(C.TEKUN, registered_on=D(2026, 1, 1))
    old_visits = [visit(old, D(2026, 11, 12)), visit(old, D(2026, 12, 5))]
    assert figures(cover([old], [], old_visits, "2026-Q4")) == (1, 0, 0.0)


def test_household_leaving_mid_period_counts_only_windows_ended_before_it_left():
    # Left the register on Nov 20: October's window ended on the register, November's
    # and December's did not. Q4: one counted window, visited Oct 8 → covered.
    left = household(C.TEKUN, registered_on=D(2025, 1, 1), left_on=D(2026, 11, 20))
    visits = [visit(left, D(2026, 10, 8))]
    assert figures(cover([left], [], visits, "2026-Q4")) == (1, 1, 1.0)
    assert figures(cover([left], [], visits, "2026-11")) == (0, 0, None)
    # A weekly household that left on Nov 18: weeks ending Nov 1, 8 and 15 count (it was
    # still on the register), Nov 22 and 29 do not; visits in those three weeks cover it.
    weekly = household(C.DIBAO, left_on=D(2026, 11, 18))
    persons = [member(weekly, PersonFlag.ELDERLY_ALONE)]
    days = [D(2026, 10, 28), D(2026, 11, 4), D(2026, 11, 11)]
    report = cover([weekly], persons, [visit(weekly, d) for d in days], "2026-11")
    assert figures(report) == (1, 1, 1.0)


def test_nobody_home_is_an_attempt_not_a_visit():
    # Monthly 特困 households. h: two "nobody home" attempts and a "moved" in November,
    # its last real visit on Oct 10. door: someone refused at the door, which reached them.
    h, door = household(C.TEKUN), household(C.TEKUN)
    visits = [
        visit(h, D(2026, 10, 10)),
        visit(h, D(2026, 11, 5), outcome=VisitOutcome.NOBODY_HOME),
        visit(h, D(2026, 11, 20), outcome=VisitOutcome.NOBODY_HOME),
        visit(h, D(2026, 11, 25), outcome=VisitOutcome.MOVED),
        visit(door, D(2026, 11, 6), outcome=VisitOutcome.REFUSED),
    ]
    report = cover([h, door], [], visits, "2026-11")
    # due 2, covered 1 (door); h overdue, last qualifying visit Oct 10
    assert figures(report) == (2, 1, 0.5)
    assert overdue(report) == [(h.id, D(2026, 10, 10))]


def test_phone_and_video_do_not_count_where_the_rule_wants_a_home_visit():
    # 特困 is monthly with home visits only; 近3年退出 (monitored) is half-yearly and
    # counts phone calls, but it is not a registered class.
    t, exited = household(C.TEKUN), household(C.EXITED)
    visits = [
        visit(t, D(2026, 12, 10), VisitMode.PHONE),
        visit(t, D(2026, 12, 11), VisitMode.VIDEO),
        visit(exited, D(2026, 8, 3), VisitMode.PHONE),
    ]
    registered = cover([t, exited], [], visits, "2026-12")
    # Only t is a registered household: due 1, covered 0, never visited at home.
    assert figures(registered) == (1, 0, 0.0)
    assert overdue(registered) == [(t.id, None)]
    # Over all classes: exited's H2 window (Jul 1–Dec 31) ends in December and its phone
    # call of Aug 3 counts. due 2, covered 1.
    assert figures(cover([t, exited], [], visits, "2026-12", classes=None)) == (2, 1, 0.5)


def test_major_event_rate_and_the_event_does_not_change_the_frequency():
    first, second, october = household(C.DIBAO), household(C.DIBAO), household(C.DIBAO)
    persons = [
        # Event Nov 10, recorded Nov 12: the 3 days run from Nov 12, deadline Nov 15.
        member(first, PersonFlag.MAJOR_EVENT, event=D(2026, 11, 10), recorded=D(2026, 11, 12)),
        # Event Nov 20: deadline Nov 23.
        member(second, PersonFlag.MAJOR_EVENT, event=D(2026, 11, 20)),
        # Event Oct 30 starts in October: not one of November's events.
        member(october, PersonFlag.MAJOR_EVENT, event=D(2026, 10, 30)),
    ]
    visits = [
        visit(first, D(2026, 11, 14)),  # home, in time
        visit(second, D(2026, 11, 21), VisitMode.PHONE),  # a call is not a home visit
        visit(second, D(2026, 11, 25)),  # home, two days late
        visit(october, D(2026, 10, 31)),
    ]
    caseload = Caseload([first, second, october], persons, visits)
    response = major_event_response(caseload, "2026-11", policy=POLICY)
    # events 2 (first, second), answered 1 (first), rate 1/2
    assert response.to_json()["overall"] == {"events": 2, "answered": 1, "rate": 0.5}
    # October holds one event, answered the next day at home.
    assert major_event_response(caseload, "2026-10", policy=POLICY).overall == Tally(1, 1)
    # The households stay quarterly: November has no quarter end, so none is due.
    assert figures(coverage(caseload, "2026-11", policy=POLICY)) == (0, 0, None)


def test_two_categories_take_the_stricter_frequency_and_count_in_both_category_rows():
    both = household(C.TEKUN, C.DIBAO)  # monthly (特困) beats quarterly (低保)
    only = household(C.DIBAO)
    visits = [
        visit(both, D(2026, 10, 5)),
        visit(both, D(2026, 11, 3)),
        visit(both, D(2026, 12, 7)),
        visit(only, D(2026, 11, 15)),
    ]
    november = cover([both, only], [], visits, "2026-11", by="category")
    # November: both is due (its month ends), only is not (no quarter end). due 1, covered 1.
    assert figures(november) == (1, 1, 1.0)
    # The one household counts in the 特困 row and in the 低保 row.
    assert [(r.key, r.tally.total, r.tally.count) for r in november.rows] == [
        ("tekun", 1, 1),
        ("dibao", 1, 1),
    ]
    # Q4 without the December visit: both has October and November but not December, one
    # of its three counted months → not covered; only is covered by Nov 15.
    # tekun row 0/1, dibao row 1/2, overall due 2, covered 1.
    q4 = cover([both, only], [], visits[:2] + visits[3:], "2026-Q4", by="category", names=NAMES)
    assert figures(q4) == (2, 1, 0.5)
    assert [(r.key, r.tally.total, r.tally.count) for r in q4.rows] == [
        ("tekun", 1, 0),
        ("dibao", 2, 1),
    ]
    assert [r.name for r in q4.rows] == ["特困供养", "低保"]


def test_a_corrected_visit_is_replaced_by_its_amendment():
    h = household(C.TEKUN)
    original = visit(h, D(2026, 11, 5))
    # The worker corrects the record: nobody was home after all.
    fix = visit(h, D(2026, 11, 5), outcome=VisitOutcome.NOBODY_HOME, amends=original)
    assert figures(cover([h], [], [original], "2026-11")) == (1, 1, 1.0)
    assert figures(cover([h], [], [original, fix], "2026-11")) == (1, 0, 0.0)


def test_visit_facts_from_database_rows_give_the_same_report_as_visit_records():
    h, g = household(C.TEKUN), household(C.ORPHAN)
    visits = [
        visit(h, D(2026, 11, 5)),
        visit(g, D(2026, 11, 7), outcome=VisitOutcome.NOBODY_HOME),
        visit(g, D(2026, 10, 7)),
    ]
    facts = [
        VisitFact.of(v.household_id, v.visited_at, v.mode, v.outcome, v.worker_id, v.team, v.id)
        for v in visits
    ]
    assert cover([h, g], [], facts, "2026-11") == cover([h, g], [], visits, "2026-11")


def test_a_period_in_progress_counts_only_the_windows_ended_so_far():
    # On Nov 18 the weeks ending Nov 1, 8 and 15 are over; Nov 22 and 29 are still open.
    h = household(C.DIBAO)
    persons = [member(h, PersonFlag.ELDERLY_ALONE)]
    visits = [visit(h, d) for d in (D(2026, 10, 28), D(2026, 11, 4), D(2026, 11, 11))]
    assert figures(cover([h], persons, visits, "2026-11")) == (1, 0, 0.0)
    assert figures(cover([h], persons, visits, "2026-11", as_of=D(2026, 11, 18))) == (1, 1, 1.0)


def test_coverage_json_has_exactly_the_documented_shape():
    h, g = household(C.TEKUN), household(C.TEKUN)
    visits = [visit(h, D(2026, 11, 5)), visit(g, D(2026, 10, 20))]
    report = cover([h, g], [], visits, "2026-11", by="village")
    assert report.to_json() == {
        "period": "2026-11",
        # due 2, covered 1 (h), rate 1/2
        "overall": {"due": 2, "covered": 1, "rate": 0.5},
        "rows": [
            {"key": "330702102201", "name": "330702102201", "due": 2, "covered": 1, "rate": 0.5}
        ],
        "overdue": [{"household_id": g.id, "last_visit": "2026-10-20"}],
    }
    names = {"330702102201": "岩头村"}
    named = cover([h, g], [], visits, "2026-11", by="village", names=names)
    assert named.to_json()["rows"][0]["name"] == "岩头村"


@pytest.mark.parametrize("period", ["2026-13", "2026Q4", "26-11", "", "2026-Q5", "十一月"])
def test_an_unknown_period_is_refused_with_a_clear_message(period):
    with refused(InvalidPeriod, "统计期"):
        cover([], [], [], period)


@pytest.mark.parametrize("by", ["town", "villages", "household", "区"])
def test_an_unknown_breakdown_is_refused_with_a_clear_message(by):
    with refused(InvalidBreakdown, "分组方式") as caught:
        cover([], [], [], "2026-11", by=by)
    assert "village" in said(caught.value)
