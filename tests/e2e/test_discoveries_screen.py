"""主动发现待确认 on the device in Chromium, at 800 and 1440 px: the coordinator opens the
queue from the household list (a reported household with a rare-character name, a long
reason, and one referred back by a charity) and starts an application; photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Locator, Page

from app.domain.codes import DataCategory, ReferralDirection, RegisterStatus
from app.domain.identity import make_id_number
from app.domain.records import Household, Person, Referral
from app.store.sandbox import list_sandboxes, open_store
from tests.e2e.conftest import (
    LONG_NOTE,
    NARROW,
    PIN,
    WIDE,
    Server,
    go,
    nav,
    open_app,
    seed,
    shoot,
    start_server,
    stop_server,
    unlock,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("discoveries")
    seed(data_dir, households=40)
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        found = Household(
            area_code="330702102201",
            address="岩头村7组21号",
            register_status=RegisterStatus.REPORTED,
            notes="网格巡查发现：" + LONG_NOTE,
        )
        referred = Household(
            area_code="330702102201",
            address="岩头村（地址待核实）",
            register_status=RegisterStatus.REPORTED,
            notes="慈善组织转介（婺城区慈善总会）：独居，行动不便\n需求类别：生活保障",
        )
        head = Person(area_code=referred.area_code, household_id=referred.id, name="王𠮷英")
        store.add_many(
            [
                found,
                Person(
                    area_code=found.area_code,
                    household_id=found.id,
                    name="欧阳䶮",
                    id_number=make_id_number("330702", date(1941, 1, 9), 77),
                ),
                referred,
                head,
                Referral(
                    area_code=referred.area_code,
                    household_id=referred.id,
                    person_id=head.id,
                    direction=ReferralDirection.TO_CIVIL_AFFAIRS,
                    recipient="org-demo",
                    purpose="救助资格评估",
                    data_categories=[DataCategory.IDENTITY],
                    referred_on=date.today(),
                ),
            ],
            queue=False,
        )
    finally:
        store.close()
    running = start_server(data_dir)
    yield running
    stop_server(running)


def shown(page: Page, words: str) -> Locator:
    """Text the page shows: as a text node, or inside a semantics label."""
    pattern = re.compile(re.escape(words))
    return page.get_by_text(pattern).or_(page.get_by_label(pattern)).first


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_the_queue_of_reported_households(browser: Browser, server: Server, size) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    nav(page, "家庭")
    go(page, "button", "待核实家庭（2）")
    shown(page, "岩头村7组21号").wait_for()
    shown(page, "慈善组织转介：慈善组织").wait_for()
    shoot(page, "16-discoveries")
    page.get_by_role("button", name="发起救助申请").first.click()
    shown(page, "已记录：发起救助申请").wait_for()
    shown(page, "救助申请中").wait_for()
    shoot(page, "17-discoveries-applying")
