"""Properties of coverage on random households: an independent day-by-day oracle agrees,
covered never exceeds due, rows add up, and one more qualifying visit never lowers the rate."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.calendar import parse_period, window_containing
from app.domain.codes import Category, PersonFlag, VisitMode, VisitOutcome
from app.domain.coverage import REGISTERED_ONLY, Breakdown, Caseload, VisitFact, coverage_by
from app.domain.policy import qualifies, requirement_for
from tests.reports.builders import ANDI_OTHER, POLICY, XIAOSHUN, YANTOU, household, member, visit

PERIODS = ["2026-09", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2026-H2", "2026"]
FIRST, LAST = date(2025, 12, 1), date(2027, 1, 10)
days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))


@st.composite
def worlds(draw):
    households, persons, visits = [], [], []
    for _ in range(draw(st.integers(1, 7))):
        cats = draw(st.lists(st.sampled_from(list(Category)), max_size=3, unique=True))
        registered = draw(st.none() | days)
        left = draw(st.none() | days)
        if registered and left and left < registered:
            registered, left = left, registered
        area = draw(st.sampled_from([YANTOU, ANDI_OTHER, XIAOSHUN]))
        h = household(*cats, area=area, registered_on=registered, left_on=left)
        households.append(h)
        flags = draw(
            st.lists(
                st.sampled_from([PersonFlag.ELDERLY_ALONE, PersonFlag.SEVERE_DISABILITY]),
                max_size=2,
                unique=True,
            )
        )
        persons.append(member(h, *flags))
        for _ in range(draw(st.integers(0, 12))):
            visits.append(
                visit(
                    h,
                    draw(days),
                    draw(st.sampled_from(list(VisitMode))),
                    draw(st.sampled_from(list(VisitOutcome))),
                    worker=draw(st.sampled_from(["w-a", "w-b"])),
                )
            )
    return households, persons, visits


def oracle(households, persons, visits, period):
    """Due and covered by walking every day of the period, with no shared helper but the rules."""
    p = parse_period(period)
    due = covered = 0
    for h in households:
        if not any(c.served_class in REGISTERED_ONLY for c in h.categories):
            continue
        req = requirement_for(POLICY, h, [m for m in persons if m.household_id == h.id])
        if req is None:
            continue
        mine = [v.visited_at.date() for v in visits if v.household_id == h.id and qualifies(v, req)]
        counted = []
        day = p.start
        while day <= p.end:
            w = window_containing(req.frequency, day)
            if w.end == day and h.on_register(day):
                counted.append(w)
            day += timedelta(days=1)
        if counted:
            due += 1
            covered += all(any(d in w for d in mine) for w in counted)
    return due, covered


common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(worlds(), st.sampled_from(PERIODS))
def test_coverage_agrees_with_a_day_by_day_oracle(world, period):
    households, persons, visits = world
    report = coverage_by(Caseload(households, persons, visits), period, [None], policy=POLICY)[0]
    assert (report.overall.total, report.overall.count) == oracle(
        households, persons, visits, period
    )
    assert report.overall.count <= report.overall.total
    assert len(report.overdue) == report.overall.total - report.overall.count


@common
@given(worlds(), st.sampled_from(PERIODS))
def test_single_valued_breakdowns_add_up_to_the_overall_figure(world, period):
    households, persons, visits = world
    single = [b for b in Breakdown if b != Breakdown.CATEGORY]
    for report in coverage_by(Caseload(households, persons, visits), period, single, policy=POLICY):
        assert sum(r.tally.total for r in report.rows) == report.overall.total
        assert sum(r.tally.count for r in report.rows) == report.overall.count
        assert all(r.tally.count <= r.tally.total for r in report.rows)


@common
@given(worlds(), st.sampled_from(PERIODS), st.data())
def test_one_more_qualifying_visit_never_lowers_coverage(world, period, data):
    households, persons, visits = world
    h = data.draw(st.sampled_from(households))
    extra = visit(h, data.draw(days), VisitMode.HOME, VisitOutcome.MET)
    before = coverage_by(Caseload(households, persons, visits), period, [None], policy=POLICY)[0]
    after = coverage_by(
        Caseload(households, persons, [*visits, extra]), period, [None], policy=POLICY
    )[0]
    assert after.overall.total == before.overall.total
    assert after.overall.count >= before.overall.count


@common
@given(worlds(), st.sampled_from(PERIODS))
def test_server_facts_and_device_records_give_identical_reports(world, period):
    households, persons, visits = world
    facts = [
        VisitFact.of(v.household_id, v.visited_at, v.mode, v.outcome, v.worker_id, v.team, v.id)
        for v in reversed(visits)  # a database returns rows in its own order
    ]
    device = coverage_by(
        Caseload(households, persons, visits), period, list(Breakdown), policy=POLICY
    )
    server = coverage_by(
        Caseload(households, persons, facts), period, list(Breakdown), policy=POLICY
    )
    assert [r.to_json() for r in server] == [r.to_json() for r in device]
