"""Issue 12's property: the device and the county server give the same warnings (预警) and
the same 重大变故响应率 on the same random data.

Random small counties — households of every class with monitored categories that expire
(or carry no day), incomes around the uplift line, members with and without birth dates,
living alone or not, flags the facts may contradict, major events (recorded late or not)
and members who left; visits in every mode and outcome with corrections; needs in every
status — are written to a device's encrypted store and to the server (SQLite and
PostgreSQL). The device computes as it does in production: the warnings from its
workspace (Today's roster, recent visits and the needs awaiting action), the response rate
from its store as the statistics screen reads it; the server as `doorstep server report
warnings` and `report major-events` do. The model is tests/reports/test_server_parity.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.domain.calendar import Period
from app.domain.codes import (
    Category,
    NeedArea,
    NeedStatus,
    PersonFlag,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.coverage import Breakdown, Caseload, major_event_response
from app.domain.records import Household, Need, Person, Record, Visit
from app.domain.staff import Staff, responsible_for
from app.store.sandbox import Sandbox, open_store
from app.ui.catalogue import code_names
from app.ui.viewmodels.workspace import Workspace
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.reports.events import response_reports, warnings_on
from sync.server.tables import Area
from tests.reports.builders import ANDI_OTHER, POLICY, XIAOSHUN, YANTOU
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
TODAY = date(2026, 11, 18)
PERIODS = ["2026-10", "2026-11", "2026-Q4", "2026"]
BREAKDOWNS: list[Breakdown | None] = [None, Breakdown.VILLAGE, Breakdown.CATEGORY]


def around(days_back: int, days_ahead: int = 0) -> st.SearchStrategy[date]:
    return st.integers(-days_back, days_ahead).map(lambda n: TODAY + timedelta(days=n))


RECENT = around(400, 5)
BIRTHS = st.sampled_from(
    [
        date(1946, 11, 18),  # 80 today
        date(1946, 11, 19),  # 80 tomorrow
        date(1940, 2, 29),
        date(1960, 5, 1),
        date(2008, 11, 18),  # 18 today
        date(2008, 11, 19),  # 17 today
        date(2015, 6, 1),
    ]
)


@st.composite
def counties(draw) -> list[Record]:  # type: ignore[no-untyped-def]
    records: list[Record] = []
    for _ in range(draw(st.integers(1, 7))):
        categories = draw(st.lists(st.sampled_from(list(Category)), max_size=3, unique=True))
        dated = {
            field: draw(st.none() | around(1500))
            for field in ("exited_on", "rejected_on", "temporary_aid_on")
        }
        left = draw(st.none() | around(200, 10))
        registered = draw(st.none() | around(500))
        if registered and left and left < registered:
            registered, left = left, registered
        h = Household(
            area_code=draw(st.sampled_from(VILLAGES)),
            address="岩头村1号",
            categories=categories,
            register_status="left" if left else "registered",
            registered_on=registered,
            left_on=left,
            annual_income_yuan=draw(st.none() | st.integers(0, 140_000)),
            **dated,
        )
        records.append(h)
        for i in range(draw(st.integers(0, 3))):
            event = draw(st.none() | around(120, 2))
            flags = draw(
                st.lists(
                    st.sampled_from([PersonFlag.ELDERLY_ALONE, PersonFlag.SEVERE_DISABILITY]),
                    max_size=2,
                    unique=True,
                )
            )
            if event is not None and draw(st.booleans()):
                flags.append(PersonFlag.MAJOR_EVENT)
            records.append(
                Person(
                    household_id=h.id,
                    area_code=h.area_code,
                    name=f"成员{i}",
                    relation="户主" if i == 0 else "家庭成员",
                    birth_date=draw(st.none() | BIRTHS),
                    lives_alone=draw(st.booleans()),
                    flags=flags,
                    major_event_date=event,
                    major_event_recorded_on=(
                        draw(st.none() | around(100, 2)) if event is not None else None
                    ),
                    left_on=draw(st.none() | around(200, 5)),
                )
            )
        made: list[Visit] = []
        for _ in range(draw(st.integers(0, 8))):
            day = draw(RECENT)
            amends = draw(st.sampled_from(made)) if made and draw(st.integers(0, 7)) == 0 else None
            made.append(
                Visit(
                    household_id=h.id,
                    area_code=h.area_code,
                    visited_at=datetime.combine(day, time(draw(st.integers(8, 18)))),
                    worker_id=draw(st.sampled_from(["w-a", "w-b"])),
                    team=draw(st.sampled_from(list(Team))),
                    mode=draw(st.sampled_from(list(VisitMode))),
                    outcome=draw(st.sampled_from(list(VisitOutcome))),
                    amends_visit_id=amends.id if amends else None,
                )
            )
        records += made
        for _ in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(list(NeedStatus)))
            records.append(
                Need(
                    household_id=h.id,
                    area_code=h.area_code,
                    area=NeedArea.LIVING,
                    description="需要冬衣",
                    raised_on=draw(around(90)),
                    status=status,
                    assessment_reason="不符合" if status == NeedStatus.UNREASONABLE else "",
                    fulfilled_on=TODAY if status == NeedStatus.FULFILLED else None,
                )
            )
    return records


def device_side(tmp: Path, records: list[Record]):  # type: ignore[no-untyped-def]
    """The warnings as Today lists them, and the response rate as the statistics screen
    computes it, from a device's own store."""
    sandbox, key = Sandbox.create(tmp / uuid.uuid4().hex, "督导", "246810", scrypt_n=2**10)
    store = open_store(sandbox, key)
    store.add_many(records, queue=False)
    store.set_meta("scope", "330702,330703")
    store.set_meta("area_names", json.dumps(AREA_NAMES, ensure_ascii=False))
    ws = Workspace(sandbox, store, clock=lambda: datetime.combine(TODAY, time(9)))
    try:
        warnings = [w.to_json() for w in ws.warnings()]
        roster = ws.roster
        found = ws.reports.case_records(set(roster.households))
        caseload = Caseload(
            roster.households.values(),
            [p for people in roster.members.values() for p in people],
            found.visits,
            responsible=responsible_for(roster.households.values(), Staff()),
        )
    finally:
        ws.lock()
    names = {**code_names(), **AREA_NAMES}
    responses = {
        period: [
            major_event_response(caseload, period, policy=POLICY, by=by, names=names).to_json()
            for by in BREAKDOWNS
        ]
        for period in PERIODS
    }
    return warnings, responses


def server_side(ctx: ServerContext, records: list[Record]):  # type: ignore[no-untyped-def]  # noqa: F811
    with ctx.db.small_write() as s:
        for table in ("records", "worker_areas", "workers", "areas"):
            s.execute(text(f"DELETE FROM {table}"))
        s.add_all(Area(code=code, name=name) for code, name in AREA_NAMES.items())
    exchange.load_records(ctx, records)
    with ctx.db.reading() as session:
        warnings = [w.to_json() for w in warnings_on(session, TODAY, policy=POLICY).warnings]
        responses = {
            period: [
                r.to_json()
                for r in response_reports(session, Period.parse(period), BREAKDOWNS, policy=POLICY)[
                    0
                ]
            ]
            for period in PERIODS
        }
    return warnings, responses


def by_household(warnings: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """Households come in another order on each side; each household's list keeps its own."""
    return sorted(warnings, key=lambda w: str(w["household_id"]))


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_device_and_server_give_the_same_warnings_and_response_rate(ctx, tmp_path, data):  # noqa: F811
    records = data.draw(counties(), label="county")
    server_warnings, server_responses = server_side(ctx, records)
    device_warnings, device_responses = device_side(tmp_path, records)
    assert by_household(device_warnings) == by_household(server_warnings)
    assert device_responses == server_responses


def test_the_property_sees_every_kind_of_warning_and_answered_and_late_events(ctx, tmp_path):  # noqa: F811
    """A hand-made county where each warning occurs, so the comparison above has something
    to compare: the same lists on both sides, with every kind in them."""
    h = Household(
        area_code=YANTOU,
        address="岩头村2号",
        categories=[Category.TEKUN, Category.EXITED, Category.LEFT_BEHIND_CHILD],
        exited_on=date(2025, 1, 1),
        annual_income_yuan=20_000,
    )
    elder = Person(
        household_id=h.id,
        area_code=YANTOU,
        name="王秀英",
        birth_date=date(1960, 1, 1),
        flags=[PersonFlag.ELDERLY_ALONE],
        major_event_date=date(2026, 11, 1),
    )
    attempts = [
        Visit(
            household_id=h.id,
            area_code=YANTOU,
            visited_at=datetime.combine(date(2026, 11, d), time(10)),
            worker_id="w-a",
            team=Team.GRID_WORKER,
            outcome=VisitOutcome.NOBODY_HOME,
        )
        for d in (2, 9, 16)
    ]
    need = Need(
        household_id=h.id,
        area_code=YANTOU,
        area=NeedArea.HOUSING,
        description="屋顶漏雨",
        raised_on=date(2026, 10, 1),
        status=NeedStatus.REASONABLE,
    )
    records: list[Record] = [h, elder, *attempts, need]
    server_warnings, server_responses = server_side(ctx, records)
    device_warnings, device_responses = device_side(tmp_path, records)
    assert device_warnings == server_warnings
    assert {w["kind"] for w in device_warnings} == {
        "major_event_late",
        "nobody_home",
        "long_unvisited",
        "need_idle",
        "uplift_income",
        "flag_contradicted",
    }
    assert device_responses == server_responses
    assert device_responses["2026-11"][0]["overall"] == {"events": 1, "answered": 0, "rate": 0.0}
