"""A charity records its project's delivery in the console, in Chromium (800 and 1440 px
wide), over a real server fed by a real coordinator's device: the device records a need and
the person's consent and matches the need to the charity's project (匹配项目); the charity
opens 项目库 → 匹配的需求 (nobody named), the matched person's page (named, as consent
allows), records a delivery; the device syncs and the household's 已获帮扶 lists it. Every
page fits the width, breaks no content-security rule, and is photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser, expect

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, NeedArea, NeedStatus
from app.domain.projects import ServiceProject
from app.domain.records import ConsentEvent, Delivery, Household, Need, Person
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.needs import NeedsVM
from app.ui.viewmodels.workspace import Workspace
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.projects import add_project
from sync.server.settings import Settings
from tests.console.conftest import TOWNSHIP, Accounts, make_accounts, project_input
from tests.console.referring import people
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import Device, ThreadServer, new_device

pytestmark = pytest.mark.browser
SIZES = {"narrow": (800, 900), "desk": (1440, 900)}
TODAY = date.today()
SERVICE = "送冬季棉被两床、大米 25 kg（𠮷家老屋，䶮溪桥东）"


@dataclass
class County:
    server: ThreadServer
    accounts: Accounts
    device: Device
    workspace: Workspace
    project: ServiceProject


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    where = tmp_path_factory.mktemp("deliveries")
    ctx = ServerContext.open(
        Settings(
            database_url=f"sqlite:///{where / 'county.db'}",
            password_memory_kib=1024,
            password_time_cost=1,
        )
    )
    exchange.load_demo(ctx, 40, seed=5, today=TODAY, scope=[TOWNSHIP])
    made = make_accounts(ctx)
    project = add_project(
        ctx,
        project_input(
            made.organisation_id,
            name="安地镇冬季送温暖",
            need_areas=["living"],
            starts_on=date(TODAY.year, 1, 1).isoformat(),
            ends_on="",
        ),
    )
    server = ThreadServer(ctx).start()
    device = new_device(ctx, server.url, where / "device", areas=[TOWNSHIP], role="coordinator")
    device.sync()
    workspace = Workspace(device.sandbox, device.store)
    yield County(server, made, device, workspace, project)
    device.store.close()
    server.stop()
    ctx.db.dispose()


def _person(county: County, index: int) -> Person:
    """The `index`-th adult, one a household (each test serves a household of its own)."""
    heads = {p.household_id: p for p in reversed(people(county.device))}
    return sorted(heads.values(), key=lambda p: p.id)[index]


def _matched_on_the_device(county: County, person: Person) -> tuple[Household, Need]:
    """A coordinator's need, the person's consent to the charity, and the match, synced."""
    with county.device.store.unit_of_work() as uow:
        household = uow.records.get(Household, person.household_id)
        need = uow.records.add(
            Need(
                area_code=household.area_code,
                household_id=household.id,
                person_id=person.id,
                area=NeedArea.LIVING,
                description="冬季缺少棉被和口粮",
                raised_on=TODAY,
                status=NeedStatus.REASONABLE,
            )
        )
        uow.records.add(
            ConsentEvent(
                area_code=household.area_code,
                household_id=household.id,
                person_id=person.id,
                action=ConsentAction.GRANT,
                recipient=county.accounts.organisation_id,
                purpose="对接慈善帮扶资源",
                data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
                method=ConsentMethod.SIGNATURE,
                occurred_at=datetime.now(UTC),
                recorded_by=county.device.worker_id,
            )
        )
        uow.commit()
    needs = NeedsVM(county.workspace)
    assert needs.match(need.id, county.project.id), needs.message
    county.device.sync()
    return household, need


@pytest.mark.parametrize("size", SIZES)
def test_a_charity_records_a_delivery_and_the_device_shows_it(
    browser: Browser, county: County, size: str
) -> None:
    person = _person(county, list(SIZES).index(size))
    household, need = _matched_on_the_device(county, person)
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.server.url, "demo-charity")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="项目库").click()
    row = page.locator("tr", has_text="安地镇冬季送温暖")
    row.get_by_role("link", name="匹配的需求").click()
    expect(page.get_by_role("heading", name="匹配的需求")).to_be_visible()
    expect(page.get_by_text(person.name)).to_have_count(0)  # the list names nobody
    check(page, "project-matches", problems)
    page.locator(f"a[href$='/matches/{need.id}']").click()
    expect(page.get_by_role("heading", name="项目服务登记")).to_be_visible()
    expect(page.get_by_text(person.name, exact=True)).to_be_visible()
    expect(page.get_by_text("冬季缺少棉被和口粮")).to_have_count(0)  # needs: not consented
    check(page, "project-match", problems)
    page.get_by_label("提供的服务").fill(SERVICE)
    page.get_by_label("价值（元，可不填）").fill("260")
    page.get_by_label("备注（可不填）").fill("由本机构志愿者送到家中")
    page.get_by_role("button", name="登记服务").click()
    expect(page.get_by_role("status")).to_contain_text("已登记服务")
    expect(page.locator("td", has_text=SERVICE)).to_be_visible()
    check(page, "project-delivery", problems)
    page.context.close()
    county.device.sync()
    with county.device.store.unit_of_work() as uow:
        (delivery,) = uow.records.load_all(Delivery, household_id=household.id)
    assert (delivery.service, delivery.value_yuan, delivery.need_id) == (SERVICE, 260, need.id)
    lines, _, total = HouseholdVM(county.workspace, household.id).help_received()
    line = next(x for x in lines if x.record_id == delivery.id)
    assert line.what == f"安地镇冬季送温暖：{SERVICE}" and line.on == TODAY.isoformat()
    assert "260" in line.value
    assert "婺城区慈善总会" in line.source and "260" in total
