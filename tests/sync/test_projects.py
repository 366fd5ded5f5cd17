"""Service projects end to end on a real server over loopback (SQLite and PostgreSQL):
the projects of a device's scope reach it on a pull (and only when they change); a
coordinator matches a need and records a delivery offline, both synced; the server
rejects a delivery naming a project it does not hold, or one that does not help in the
delivery's area, alone, with the reason."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.domain.codes import NeedArea
from app.domain.projects import InvalidProject
from app.domain.records import Delivery, IllegalChange, Need
from app.services.help import ProjectHelp
from app.store.errors import IllegalEdit
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.projects import ProjectInput, add_project, set_active
from sync.server.tables import RecordRow
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, push_payload, signed
from tests.sync.records import household

TODAY = date.today()


def _project(ctx, org: str, name: str, areas: list[str], needs: list[str], funding: str = "trust"):  # type: ignore[no-untyped-def]
    return add_project(
        ctx,
        ProjectInput(
            name=name,
            organisation_id=org,
            need_areas=needs,
            areas=areas,
            starts_on=f"{TODAY.year - 1}-01-01",
            funding=funding,
            budget_yuan="80000",
            capacity="50",
        ),
    )


@pytest.fixture
def library(ctx):  # type: ignore[no-untyped-def]
    org = add_organisation(
        ctx,
        OrganisationInput("婺城区慈善总会", "charity", "91350100M000100Y43", ["330702"], []),
    ).id
    meals = _project(ctx, org, "安地镇助餐服务", [TOWNSHIP], ["living", "care"])
    school = _project(ctx, org, "孝顺镇助学", ["330703101"], ["education"], "venture")
    return org, meals, school


def _need(h, area: NeedArea = NeedArea.LIVING) -> Need:  # type: ignore[no-untyped-def]
    return Need(
        household_id=h.id,
        area_code=h.area_code,
        area=area,
        description="独居老人做饭困难",
        raised_on=TODAY,
    )


def test_projects_of_the_scope_reach_the_device_and_matching_and_deliveries_sync(  # type: ignore[no-untyped-def]
    ctx, make_device, library
) -> None:
    _, meals, _ = library
    device = make_device(areas=[VILLAGE_A])
    device.sync()
    book = ProjectHelp(device.store).book()
    # The township's project, not the other county's; the organisation serving the scope.
    assert [p.name for p in book.projects] == ["安地镇助餐服务"]
    assert [o.name for o in book.organisations] == ["婺城区慈善总会"]
    with device.store.unit_of_work() as uow:
        assert uow.projects.digest()

    h = household(VILLAGE_A)
    need = _need(h)
    device.store.add_many([h, need])
    help_ = ProjectHelp(device.store)
    assert [p.id for p in help_.projects_for(need, TODAY)] == [meals.id]
    matched = help_.match(need, meals.id, TODAY)
    assert (matched.project_id, matched.resource, matched.status) == (
        meals.id,
        "安地镇助餐服务",
        "matched",
    )
    delivered = help_.record_delivery(
        Delivery(
            household_id=h.id,
            area_code=h.area_code,
            project_id=meals.id,
            need_id=need.id,
            area=NeedArea.LIVING,
            delivered_on=TODAY,
            service="上门送餐𠮷 10 次",
            value_yuan=150,
        )
    )
    report = device.sync()
    assert report.rejected == 0 and device.store.pending() == []
    with ctx.db.reading() as s:
        rows = {r.type: json.loads(r.data) for r in s.execute(select(RecordRow)).scalars()}
    assert rows["need"]["project_id"] == meals.id
    assert rows["delivery"]["id"] == delivered.id and rows["delivery"]["value_yuan"] == 150
    # Another device of the village receives the delivery and reads the same help.
    other = make_device(areas=[VILLAGE_A])
    other.sync()
    received = ProjectHelp(other.store).received(h.id)
    assert [(i.kind, i.source, i.value_yuan) for i in received.items] == [
        ("delivery", "婺城区慈善总会", 150)
    ]

    # A stopped project leaves the book at the next pull: the digest changed.
    set_active(ctx, meals.id, False)
    device.sync()
    assert [p.active for p in ProjectHelp(device.store).book().projects] == [False]
    with pytest.raises(InvalidProject) as refused:
        help_.record_delivery(delivered.model_copy(update={"id": need.id[:-1] + "9"}))
    assert refused.value.code == "project.unknown"


def test_the_device_checks_a_delivery_before_it_is_queued(ctx, make_device, library) -> None:  # type: ignore[no-untyped-def]
    _, meals, school = library
    device = make_device(areas=[VILLAGE_A])
    device.sync()
    h = household(VILLAGE_A)
    device.store.add_many([h])
    help_ = ProjectHelp(device.store)
    base = dict(
        household_id=h.id,
        area_code=h.area_code,
        project_id=meals.id,
        area=NeedArea.LIVING,
        delivered_on=TODAY,
        service="送米送油",
    )
    cases = [
        ({"project_id": school.id}, "project.unknown"),  # not a project of this scope
        ({"area": NeedArea.EDUCATION}, "project.not_for_area"),
        ({"delivered_on": date(TODAY.year - 2, 1, 1)}, "project.not_running"),
    ]
    for changes, code in cases:
        with pytest.raises(InvalidProject) as refused:
            help_.record_delivery(Delivery(**{**base, **changes}))
        assert refused.value.code == code
    # Dated after today: refused by the record's own rule before it is queued.
    with pytest.raises((IllegalEdit, IllegalChange)) as late:
        help_.record_delivery(Delivery(**{**base, "delivered_on": date(TODAY.year + 1, 1, 1)}))
    assert late.value.code == "delivery.in_future"
    # Bounds hold on create and on update: an empty or over-long service, a negative value.
    for bad in ({"service": ""}, {"service": "送" * 101}, {"value_yuan": -1}):
        with pytest.raises(ValueError):
            Delivery(**{**base, **bad})
    saved = help_.record_delivery(Delivery(**base))
    with pytest.raises(ValueError):
        saved.value_yuan = 100_000_001
    with pytest.raises(ValueError):
        saved.service = "送" * 101
    assert device.store.pending()[-1].record_type == "delivery"


def test_the_server_rejects_a_delivery_it_cannot_place_alone(ctx, make_device, library) -> None:  # type: ignore[no-untyped-def]
    _, meals, _ = library
    device = make_device(areas=[VILLAGE_A, OTHER_VILLAGE])
    h = household(VILLAGE_A)
    far = household(OTHER_VILLAGE)
    good = Delivery(
        household_id=h.id,
        area_code=h.area_code,
        project_id=meals.id,
        area=NeedArea.CARE,
        delivered_on=TODAY,
        service="陪同就医",
    )
    # Written as a forged device would: straight into the store, past the service's checks.
    bad = [
        good.model_copy(update={"id": good.id[:-4] + "0001", "project_id": good.id}),  # none
        good.model_copy(update={"id": good.id[:-4] + "0002", "area": NeedArea.HOUSING}),
        good.model_copy(  # the project does not serve that village
            update={"id": good.id[:-4] + "0003", "household_id": far.id, "area_code": far.area_code}
        ),
        good.model_copy(update={"id": good.id[:-4] + "0004", "need_id": h.id}),  # not a need
    ]
    device.store.add_many([h, far, good, *bad])
    answers = signed(device, "POST", "/v1/push", push_payload(device)).json()["answers"]
    assert [a["status"] for a in answers] == ["applied"] * 3 + ["rejected"] * 4
    reasons = [a["reason"] for a in answers[3:]]
    assert reasons[:3] == ["所涉及的服务项目不存在、已停用或不提供此领域的帮扶。"] * 3
    assert reasons[3] == "所涉及的需求不存在或不属于该家庭。"
    with ctx.db.reading() as s:
        delivered = s.execute(select(RecordRow.id).where(RecordRow.type == "delivery")).all()
    assert [d[0] for d in delivered] == [good.id]
