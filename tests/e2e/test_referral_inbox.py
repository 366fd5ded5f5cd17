"""A charity's referral inbox in Chromium (800 and 1440 px wide), over a real server fed by a
real device: the charity signs in, opens its inbox and a referral, accepts it, records what it
did and completes it; the device syncs and its need is 兑现 with the charity as its source.
A withdrawal synced from the device hides the person on the charity's page; a script in
what the device wrote shows as text; the supervisor sees the share log. Every page fits
the width, breaks no content-security rule, and is photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app.domain.codes import NeedStatus, ReferralStatus
from app.domain.records import Need, Referral
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.console.conftest import TOWNSHIP, Accounts, make_accounts
from tests.console.referring import people, refer, withdraw
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import Device, ThreadServer, new_device

pytestmark = pytest.mark.browser
SIZES = {"narrow": (800, 900), "desk": (1440, 900)}
LONG_SERVICE = (
    "陪同𠮷䶮两位老人到金华市中心医院复诊两次，代缴挂号费和检查费，"
    "并联系社区志愿者每周上门送药、测量血压，持续三个月；后续由本机构社工每月电话回访一次。"
)


@dataclass
class County:
    server: ThreadServer
    accounts: Accounts
    device: Device


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    where = tmp_path_factory.mktemp("referrals")
    ctx = ServerContext.open(
        Settings(
            database_url=f"sqlite:///{where / 'county.db'}",
            password_memory_kib=1024,
            password_time_cost=1,
        )
    )
    exchange.load_demo(ctx, 40, seed=5, today=date.today(), scope=[TOWNSHIP])
    made = make_accounts(ctx)
    server = ThreadServer(ctx).start()
    device = new_device(ctx, server.url, where / "device", areas=[TOWNSHIP])
    device.sync()
    yield County(server, made, device)
    device.store.close()
    server.stop()
    ctx.db.dispose()


def _person(county: County, index: int):  # type: ignore[no-untyped-def]
    return people(county.device)[index]


@pytest.mark.parametrize("size", SIZES)
def test_a_charity_answers_a_referral_and_the_need_is_fulfilled(
    browser: Browser, county: County, size: str
) -> None:
    index = list(SIZES).index(size)
    person = _person(county, index)
    referred = refer(
        county.device,
        person,
        county.accounts.organisation_id,
        address="岩头村3组12号（𠮷家老屋东侧，靠近䶮溪桥）",
    )
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.server.url, "demo-charity")
    nav = page.get_by_role("navigation", name="主菜单")
    nav.get_by_role("link", name="转介收件箱").click()
    expect(page.get_by_role("heading", name="转介收件箱")).to_be_visible()
    expect(page.get_by_text(person.name)).to_have_count(0)  # the list names nobody
    check(page, "referral-inbox", problems)
    page.locator(f"a[href='/console/referrals/{referred.referral.id}']").click()
    expect(page.get_by_role("heading", name="转介详情")).to_be_visible()
    expect(page.get_by_text(person.name, exact=True)).to_be_visible()
    address = page.locator("dd", has_text="靠近䶮溪桥")
    expect(address).to_be_visible()
    check(page, "referral", problems)
    # 𠮷 and 䶮 are drawn from the bundled rare-character face, fetched for this page.
    rare = "[...document.fonts].filter(f => f.family.includes('Rare')).map(f => f.status)"
    assert page.evaluate(rare) == ["loaded"]
    page.get_by_role("button", name="接收转介").click()
    expect(page.get_by_role("heading", name="登记帮扶结果")).to_be_visible()
    page.get_by_label("提供的服务").fill(LONG_SERVICE)
    page.get_by_label("价值（元，可不填）").fill("860")
    check(page, "referral-accepted", problems)
    page.get_by_role("button", name="完成转介").click()
    expect(page.get_by_text("860 元")).to_be_visible()
    expect(page.get_by_text(LONG_SERVICE)).to_be_visible()
    check(page, "referral-completed", problems)
    county.device.sync()
    with county.device.store.unit_of_work() as uow:
        got = uow.records.get(Referral, referred.referral.id)
        need = uow.records.get(Need, referred.need.id)
    assert got.status == ReferralStatus.COMPLETED and got.value_yuan == 860
    assert (need.status, need.resource, need.fulfilment_note) == (
        NeedStatus.FULFILLED,
        "婺城区慈善总会",
        LONG_SERVICE,
    )
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_withdrawal_from_the_device_hides_the_person(
    browser: Browser, county: County, size: str
) -> None:
    person = _person(county, 2 + list(SIZES).index(size))
    referred = refer(county.device, person, county.accounts.organisation_id)
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.server.url, "demo-charity")
    page.goto(f"{county.server.url}/console/referrals/{referred.referral.id}")
    expect(page.get_by_text(person.name, exact=True)).to_be_visible()
    withdraw(county.device, referred)
    page.reload()
    expect(page.get_by_text("同意已撤回").first).to_be_visible()
    expect(page.get_by_text(person.name)).to_have_count(0)
    expect(page.get_by_text("需要陪同就医")).to_have_count(0)
    check(page, "referral-withdrawn", problems)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_script_shows_as_text_and_the_supervisor_sees_the_share_log(
    browser: Browser, county: County, size: str
) -> None:
    script = "<script>document.title='pwned'</script>"
    person = _person(county, 4 + list(SIZES).index(size))
    referred = refer(
        county.device,
        person,
        county.accounts.organisation_id,
        address=f"岩头村{script}",
    )
    page, problems = open_page(browser, SIZES[size])
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    sign_in(page, county.server.url, "demo-charity")
    page.goto(f"{county.server.url}/console/referrals/{referred.referral.id}")
    expect(page.get_by_text(f"岩头村{script}")).to_be_visible()
    assert page.title() != "pwned" and dialogs == []
    page.context.close()
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.server.url, "demo-supervisor")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="信息披露").click()
    expect(page.get_by_role("heading", name="信息披露记录")).to_be_visible()
    check(page, "disclosures", problems)
    page.get_by_role("link", name="婺城区慈善总会").click()
    expect(page.get_by_text("救助帮扶转介").first).to_be_visible()  # the purpose, said
    check(page, "disclosures-organisation", problems)
    page.goto(f"{county.server.url}/console/households/{referred.household.id}")
    expect(page.get_by_role("heading", name="共享记录")).to_be_visible()
    expect(page.locator("td", has_text=re.compile("婺城区慈善总会")).first).to_be_visible()
    path: Path = check(page, "household-shares", problems)
    assert path.exists()
    page.context.close()
