"""Issue 5's property: the device and the county server give identical coverage on the same data.

Random small counties (categories, register dates, flags, members who left the household,
visits in every mode and outcome, corrections) are written both to a device's encrypted store and to the server (SQLite and
PostgreSQL). Each side computes as it does in production: the device from its store
(`load_all` and `visit_facts`), the server from its report columns with the lean reads,
the date-limited visit read and the overdue second pass. Every breakdown, the overall
figure and the overdue list must match exactly, for random periods and as-of days.

Responsible workers (责任人) follow one rule, app.domain.staff, on both sides: the server
reads every worker from its tables; the device is handed the staff of its scope as
`GET /v1/staff` answers it, keeps it sealed in its store and applies the same rule. The
staff is random: workers at village, township and county level, of every team, inactive
ones, supervisors (never 责任人), a worker of another county the device never hears of,
and often a village nobody covers (its households count under their last visitor).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.domain.calendar import (
    Period,
    next_window,
    parse_period,
    window_containing,
    windows_ending_in,
)
from app.domain.codes import (
    Category,
    Frequency,
    PersonFlag,
    ServedClass,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.coverage import Breakdown, Caseload, coverage_by
from app.domain.records import Household, Person, Record, Visit
from app.domain.staff import Staff, StaffMember, responsible_for
from app.store.sandbox import Sandbox, open_store
from app.ui.catalogue import code_names
from sync.server.context import ServerContext
from sync.server.services import admin, exchange, reports
from sync.server.services.staff import read_staff, staff_info
from sync.server.tables import Area, Worker
from tests.reports.builders import ANDI_OTHER, POLICY, XIAOSHUN, YANTOU, household, member, visit
from tests.sync.conftest import ctx, db_url  # noqa: F401

VILLAGES = [YANTOU, ANDI_OTHER, XIAOSHUN]
AREA_NAMES = {
    "330702": "婺城区",
    "330703": "金东区",
    "330702102": "安地镇",
    "330703101": "孝顺镇",
    YANTOU: "岩头村",
    ANDI_OTHER: "东村",
    XIAOSHUN: "孝顺村",
}
PERIODS = ["2026-02", "2026-06", "2026-09", "2026-11", "2026-12", "2026-Q3", "2026-H2", "2026"]
teams = st.sampled_from(list(Team))
ALL: list[Breakdown | None] = [None, *Breakdown]
DEVICE_SCOPE = ["330702", "330703"]  # the supervisor's device: both counties of the test
SCOPE_CODES = [*VILLAGES, "330702102", "330703101", "330702", "330703"]
ROLES = st.sampled_from(["worker", "worker", "coordinator", "supervisor"])
OUTSIDER = StaffMember("w-out", "外县人员", "worker", "coordinator", True, ("330781",))
AREAS_ONLY: list[Breakdown | None] = [None, Breakdown.VILLAGE, Breakdown.CATEGORY]


def days_around(period: str) -> st.SearchStrategy[date]:
    """Days from a few months before the period to a few weeks after it, often on or next
    to the first or last day of a visit window: where an off-by-one would show."""
    window = parse_period(period)
    first, last = window.start - timedelta(days=120), window.end + timedelta(days=30)
    edges: set[date] = set()
    for frequency in Frequency:
        w = window_containing(frequency, first)
        while w.start <= last:
            edges |= {w.start, w.end, w.start + timedelta(days=1), w.end - timedelta(days=1)}
            w = next_window(frequency, w)
    anyday = st.integers(0, (last - first).days).map(lambda n: first + timedelta(days=n))
    return anyday | st.sampled_from(sorted(edges))


REGISTERED = [c for c in Category if c.served_class == ServedClass.REGISTERED]
OUTCOMES = st.sampled_from(list(VisitOutcome))
MODES = st.sampled_from(list(VisitMode))
CORRECTS = st.integers(0, 9).map(lambda n: n == 0)  # one visit in ten corrects an earlier one


@st.composite
def staffs(draw) -> list[StaffMember]:  # type: ignore[no-untyped-def]
    """Workers with one or two areas at any level; often one village nobody may cover."""
    uncovered = draw(st.sampled_from([*VILLAGES, None]))
    pool = [c for c in SCOPE_CODES if uncovered is None or not uncovered.startswith(c)]
    members = [OUTSIDER]
    for i in draw(st.permutations(range(draw(st.integers(0, 6))))):
        members.append(
            StaffMember(
                f"w-{i}",
                f"工作人员{i}",
                draw(ROLES),
                str(draw(teams)),
                draw(st.integers(0, 3)) > 0,
                tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))),
            )
        )
    return members


@st.composite
def counties(draw, period: str):  # type: ignore[no-untyped-def]
    """Households, their members and visits, and the staff of the county.

    Most households are of the registered class; some are visited on a steady cadence
    (weekly or monthly, from a random first day) so that they are often just covered, and
    every household also gets random visits and corrections.
    """
    days = days_around(period)
    window = parse_period(period)
    workers = draw(staffs())
    visitors = st.sampled_from(["w-a", "w-b", *(m.id for m in workers if m is not OUTSIDER)])
    records: list[Record] = []
    for _ in range(draw(st.integers(1, 8))):
        categories = draw(st.lists(st.sampled_from(list(Category)), max_size=2, unique=True))
        if draw(st.booleans()) or not categories:
            categories.append(draw(st.sampled_from(REGISTERED)))
        registered = draw(st.none() | days)
        left = draw(st.none() | days)
        if registered and left and left < registered:
            registered, left = left, registered
        area = draw(st.sampled_from(VILLAGES))
        h = household(*dict.fromkeys(categories), area=area, registered_on=registered, left_on=left)
        flags = draw(st.lists(st.sampled_from([PersonFlag.ELDERLY_ALONE, PersonFlag.SEVERE_DISABILITY]), max_size=2, unique=True))  # fmt: skip
        records += [h, member(h, *flags)]
        if draw(st.integers(0, 2)) == 0:  # a member who left the household (around the period)
            gone = member(h, *draw(st.lists(st.sampled_from([PersonFlag.ELDERLY_ALONE, PersonFlag.SEVERE_DISABILITY]), min_size=1, max_size=2, unique=True)), name="李四", relation="子女")  # fmt: skip
            gone.left_on = draw(days)
            records.append(gone)
        when = [(draw(days), draw(MODES), draw(OUTCOMES)) for _ in range(draw(st.integers(0, 12)))]
        cadence = draw(st.sampled_from([0, 0, 7, 30]))
        if cadence:
            day = window.start - timedelta(days=draw(st.integers(0, 40)))
            while day <= window.end:
                when.append((day, VisitMode.HOME, VisitOutcome.MET))
                day += timedelta(days=cadence)
        made: list[Visit] = []
        for day, mode, outcome in when:
            made.append(
                visit(
                    h,
                    day,
                    mode,
                    outcome,
                    worker=draw(visitors),
                    team=draw(teams),
                    amends=draw(st.sampled_from(made)) if made and draw(CORRECTS) else None,
                )
            )
        records += made
    return records, workers


def device_side(ctx: ServerContext, tmp: Path, records: list[Record], period, as_of):  # type: ignore[no-untyped-def]  # noqa: F811
    """Coverage as the supervisor's device computes it from its own store, with the staff
    of its scope as the server sends it (run after `server_side` has loaded the staff)."""
    with ctx.db.reading() as session:
        sent = [m.model_dump() for m in staff_info(read_staff(session, DEVICE_SCOPE))]
    assert OUTSIDER.id not in {m["id"] for m in sent}
    sandbox, key = Sandbox.create(tmp / uuid.uuid4().hex, "督导", "246810", scrypt_n=2**10)
    store = open_store(sandbox, key)
    try:
        store.add_many(records, queue=False)
        with store.unit_of_work() as uow:
            uow.staff.put(Staff.from_json(sent))
            uow.commit()
        staff = store.staff()
        households = store.load_all(Household)
        caseload = Caseload(
            households,
            store.load_all(Person),
            store.visit_facts(),
            responsible=responsible_for(households, staff),
            worker_teams=staff.teams,
        )
    finally:
        store.close()
    names = {**code_names(), **AREA_NAMES, **staff.names}
    return coverage_by(
        caseload, period, [None, *Breakdown], policy=POLICY, names=names, as_of=as_of
    )


def server_side(ctx: ServerContext, records: list[Record], workers, period, as_of, by=ALL):  # type: ignore[no-untyped-def]  # noqa: F811
    """Coverage as `doorstep server report coverage` computes it, on a server holding only these."""
    with ctx.db.small_write() as s:
        for table in ("records", "worker_areas", "workers", "areas"):
            s.execute(text(f"DELETE FROM {table}"))
        s.add_all(Area(code=code, name=name) for code, name in AREA_NAMES.items())
    for m in workers:
        admin.create_worker(ctx, m.name, m.role, m.team, list(m.areas), worker_id=m.id)
    with ctx.db.small_write() as s:
        for m in workers:
            if not m.active:
                s.get(Worker, m.id).status = "inactive"  # type: ignore[union-attr]
    exchange.load_records(ctx, records)
    with ctx.db.reading() as session:
        return reports.coverage_reports(session, Period.parse(period), by, as_of=as_of).reports


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_device_and_server_give_identical_coverage(ctx, tmp_path, data):  # noqa: F811
    period = data.draw(st.sampled_from(PERIODS), label="period")
    records, workers = data.draw(counties(period), label="county")
    as_of = data.draw(st.none() | days_around(period), label="as_of")
    server = [r.to_json() for r in server_side(ctx, records, workers, period, as_of)]
    device = [r.to_json() for r in device_side(ctx, tmp_path, records, period, as_of)]
    assert server == device
    # A report with no worker in it skips the responsible workers: the same figures.
    with ctx.db.reading() as session:
        lean = reports.coverage_reports(
            session, Period.parse(period), AREAS_ONLY, as_of=as_of
        ).reports
    assert [r.to_json() for r in lean] == [device[ALL.index(b)] for b in AREAS_ONLY]


def edge_county(period: str) -> tuple[list[Record], list[StaffMember]]:
    """For each frequency, a household visited once at home on the first day of every window
    ending in the period, and one visited only on the last day: all just covered."""
    window = parse_period(period)
    who = {
        Frequency.WEEKLY: (Category.DIBAO, PersonFlag.ELDERLY_ALONE),
        Frequency.MONTHLY: (Category.TEKUN, None),
        Frequency.QUARTERLY: (Category.DIBAO, None),
    }
    records: list[Record] = []
    for frequency, (category, flag) in who.items():
        for edge in ("start", "end"):
            h = household(category, area=YANTOU)
            records += [h, member(h, *([flag] if flag else []))]
            for w in windows_ending_in(frequency, window):
                records.append(visit(h, getattr(w, edge), worker="w-a"))
    return records, [
        StaffMember(f"w-{YANTOU}", "岩头村协理员", "worker", "coordinator", True, (YANTOU,))
    ]


@pytest.mark.parametrize("period", PERIODS)
def test_visits_on_the_first_and_last_day_of_windows_count_alike(ctx, tmp_path, period):  # noqa: F811
    records, workers = edge_county(period)
    server = server_side(ctx, records, workers, period, None)
    device = device_side(ctx, tmp_path, records, period, None)
    assert device[0].overall.count == device[0].overall.total > 0
    assert [r.to_json() for r in server] == [r.to_json() for r in device]


@pytest.mark.parametrize(
    ("period", "due", "covered"), [("2026-09", 2, 0), ("2026-11", 1, 1), ("2026-12", 2, 1)]
)
def test_a_member_who_left_stops_counting_alike_on_both_sides(ctx, tmp_path, period, due, covered):  # noqa: F811
    """Two households whose elderly_alone member (weekly) left on 2026-10-15: both weekly
    in September; then the 特困 one is monthly (a visit a month covers November, none in
    December) and the 低保 one quarterly (its October visit covers the fourth quarter)."""
    records: list[Record] = []
    for category, days in ((Category.TEKUN, [(9, 10), (11, 10)]), (Category.DIBAO, [(10, 20)])):
        h = household(category, area=YANTOU)
        elder = member(h, PersonFlag.ELDERLY_ALONE, name="王秀英", relation="母亲")
        elder.left_on = date(2026, 10, 15)
        records += [h, elder, *(visit(h, date(2026, m, d)) for m, d in days)]
    workers = [StaffMember("w-y", "岩头村协理员", "worker", "coordinator", True, (YANTOU,))]
    server = server_side(ctx, records, workers, period, None)
    device = device_side(ctx, tmp_path, records, period, None)
    assert (device[0].overall.total, device[0].overall.count) == (due, covered)
    assert [r.to_json() for r in server] == [r.to_json() for r in device]
