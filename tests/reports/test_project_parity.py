"""Issue 14's property: the device and the county server give the same measured indicators
— the project library's four counts, 服务项目在册困难群众覆盖率 and 合理需求兑现率 with needs met
by deliveries and by completed referrals — on the same random data (SQLite and PostgreSQL).

Random organisations (every kind, active or not, registered on random days), projects
(every funding source, serving villages, townships or counties, running, ended, not yet
started, stopped) and households with needs, referrals and deliveries are written to the
server; the device receives the project book exactly as a pull sends it and the records
into its encrypted store. Each side then computes as in production: the server over its
read model (`indicator_results`), the device over its store (`measured_values`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.domain.codes import Category, NeedArea, NeedStatus, ReferralStatus
from app.domain.coverage import Caseload
from app.domain.indicators import MEASURED_CODES, measured_values
from app.domain.organisations import OrganisationKind, credit_code_check_char
from app.domain.projects import FundingSource, ProjectBook
from app.domain.records import Delivery, Household, Need, Person, Record, Referral, Wish
from app.store.sandbox import Sandbox, open_store
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.projects import ProjectInput, add_project, book_update, set_active
from sync.server.services.reports.indicators import indicator_results
from sync.server.tables import Organisation
from tests.reports.builders import ANDI_OTHER, POLICY, XIAOSHUN, YANTOU, household, member
from tests.sync.conftest import ctx, db_url  # noqa: F401

YEAR = 2026
AS_OF = date(2026, 11, 20)
SCOPE = ["330702", "330703"]
AREAS = [YANTOU, ANDI_OTHER, XIAOSHUN, "330702102", "330703101", "330702", "330703"]
days = st.integers(0, 700).map(lambda n: date(2025, 1, 1) + timedelta(days=n))
areas_of_need = st.sampled_from(list(NeedArea))


def credit_code(n: int) -> str:
    first17 = f"5133070{n:010d}"
    return first17 + credit_code_check_char(first17)


@st.composite
def library(draw):  # type: ignore[no-untyped-def]
    """(organisations as (kind, active, registered day)), projects as dicts."""
    orgs = draw(
        st.lists(
            st.tuples(st.sampled_from(list(OrganisationKind)), st.booleans(), days),
            min_size=1,
            max_size=5,
        )
    )
    projects = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(days)
        end = draw(st.none() | st.integers(0, 400).map(lambda n, s=start: s + timedelta(days=n)))
        projects.append(
            {
                "owner": draw(st.integers(0, len(orgs) - 1)),
                "funding": draw(st.sampled_from(list(FundingSource))),
                "needs": draw(st.lists(areas_of_need, min_size=1, max_size=3, unique=True)),
                "areas": draw(st.lists(st.sampled_from(AREAS), min_size=1, max_size=2)),
                "start": start,
                "end": end,
                "active": draw(st.booleans()),
            }
        )
    return orgs, projects


@st.composite
def households(draw, project_count: int):  # type: ignore[no-untyped-def]
    """Households of both counties with needs, referrals and deliveries (deliveries name
    project positions; -1 stands for none yet)."""
    records: list[Record] = []
    deliveries: list[tuple[Household, int, date, NeedArea, str | None]] = []
    for _ in range(draw(st.integers(1, 8))):
        h = household(
            draw(st.sampled_from(list(Category))),
            area=draw(st.sampled_from([YANTOU, ANDI_OTHER, XIAOSHUN])),
        )
        person = member(h)
        records += [h, person]
        needs = []
        for _ in range(draw(st.integers(0, 3))):
            status = draw(st.sampled_from(list(NeedStatus)))
            raised = draw(days)
            needs.append(
                Need(
                    household_id=h.id,
                    area_code=h.area_code,
                    area=draw(areas_of_need),
                    description="需要帮助",
                    raised_on=raised,
                    status=status,
                    assessment_reason="不符合" if status == NeedStatus.UNREASONABLE else "",
                    fulfilled_on=raised if status == NeedStatus.FULFILLED else None,
                )
            )
        records += needs
        for _ in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(list(ReferralStatus)))
            sent = draw(days)
            records.append(
                Referral(
                    household_id=h.id,
                    person_id=person.id,
                    area_code=h.area_code,
                    recipient="慈善总会",
                    purpose="助医",
                    referred_on=sent,
                    status=status,
                    completed_on=sent if status == ReferralStatus.COMPLETED else None,
                    need_id=draw(st.sampled_from([None, *[n.id for n in needs]])),
                )
            )
        if project_count:
            for _ in range(draw(st.integers(0, 3))):
                deliveries.append(
                    (
                        h,
                        draw(st.integers(0, project_count - 1)),
                        draw(days),
                        draw(areas_of_need),
                        draw(st.sampled_from([None, *[n.id for n in needs]])),
                    )
                )
    return records, deliveries


def server_side(ctx: ServerContext, orgs, projects, records, deliveries):  # type: ignore[no-untyped-def]  # noqa: F811
    """The library and records on a server holding only these; the deliveries made."""
    with ctx.db.small_write() as s:
        for table in ("records", "service_projects", "console_users", "organisation_areas"):
            s.execute(text(f"DELETE FROM {table}"))
        s.execute(text("DELETE FROM organisations"))
    org_ids = []
    for n, (kind, active, registered) in enumerate(orgs):
        org = add_organisation(
            ctx,
            OrganisationInput(f"机构{n}号", kind.value, credit_code(n), [AREAS[n % 7]], []),
        )
        with ctx.db.small_write() as s:
            row = s.get(Organisation, org.id)
            row.created_at = datetime(
                registered.year, registered.month, registered.day, 4, tzinfo=UTC
            )  # type: ignore[union-attr]
            row.active = True  # a project is registered while its organisation is active
        org_ids.append((org.id, active))
    project_ids = []
    for p in projects:
        made = add_project(
            ctx,
            ProjectInput(
                name="项目" + uuid.uuid4().hex[:6],
                organisation_id=org_ids[p["owner"]][0],
                need_areas=[a.value for a in p["needs"]],
                areas=p["areas"],
                starts_on=p["start"].isoformat(),
                ends_on=p["end"].isoformat() if p["end"] else "",
                funding=p["funding"].value,
            ),
        )
        if not p["active"]:
            set_active(ctx, made.id, False)
        project_ids.append(made.id)
    with ctx.db.small_write() as s:
        for org_id, active in org_ids:
            s.get(Organisation, org_id).active = active  # type: ignore[union-attr]
    made_deliveries = [
        Delivery(
            household_id=h.id,
            area_code=h.area_code,
            project_id=project_ids[index],
            need_id=need_id,
            area=area,
            delivered_on=day,
            service="送温暖",
            value_yuan=100,
        )
        for h, index, day, area, need_id in deliveries
    ]
    exchange.load_records(ctx, [*records, *made_deliveries])
    with ctx.db.reading() as session:
        results = indicator_results(session, YEAR, areas=SCOPE, as_of=AS_OF, policy=POLICY)
        sent = book_update(session, SCOPE, "")
    return (
        {r.spec.code: r.value for r in results if r.spec.code in MEASURED_CODES},
        sent,
        [
            *records,
            *made_deliveries,
        ],
    )


def device_side(tmp: Path, sent: dict, records: list[Record]):  # type: ignore[no-untyped-def]
    """The same, as a supervisor's device computes it from its store and the book a pull
    brought."""
    sandbox, key = Sandbox.create(tmp / uuid.uuid4().hex, "督导", "246810", scrypt_n=2**10)
    store = open_store(sandbox, key)
    try:
        store.add_many(records, queue=False)
        with store.unit_of_work() as uow:
            uow.projects.put(ProjectBook.model_validate(sent["projects"]), sent["projects_digest"])
            uow.commit()
        facts = store.visit_facts()
        with store.unit_of_work() as uow:
            book = uow.projects.get()
            r = uow.records
            caseload = Caseload(
                r.load_all(Household),
                r.load_all(Person),
                facts,
                r.load_all(Need),
                r.load_all(Wish),
                r.load_all(Referral),
                deliveries=r.load_all(Delivery),
            )
    finally:
        store.close()
    return measured_values(caseload, YEAR, policy=POLICY, as_of=AS_OF, book=book)


@settings(
    max_examples=25,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_device_and_server_measure_the_same_indicators(ctx, tmp_path, data):  # noqa: F811
    orgs, projects = data.draw(library(), label="library")
    records, deliveries = data.draw(households(len(projects)), label="households")
    server, sent, written = server_side(ctx, orgs, projects, records, deliveries)
    device = device_side(tmp_path, sent, written)
    assert set(server) == MEASURED_CODES
    assert server == {code: device[code] for code in server}
