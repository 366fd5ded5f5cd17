"""已获帮扶 on a household's screen in Chromium, at 800 and 1440 px: help from a charity's
project, a government-purchased project, a fulfilled wish and a need met, with a rare
character and a long note; the living-needs help of one month from two sources is flagged
(防止重复救助和过度帮扶). Photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page

from app.domain.codes import NeedArea, NeedStatus, WishState
from app.domain.ids import new_id
from app.domain.projects import ProjectBook, ServiceProject
from app.domain.records import Delivery, Need, Person, Wish
from app.store.sandbox import list_sandboxes, open_store
from tests.e2e.conftest import (
    LONG_NOTE,
    NARROW,
    PIN,
    WIDE,
    Server,
    fill,
    go,
    nav,
    open_app,
    scroll_to,
    seed,
    shoot,
    start_server,
    stop_server,
    unlock,
)

pytestmark = pytest.mark.browser
TODAY = date.today()
SAME_MONTH = TODAY.replace(day=1)


def _project(name: str, org: str, funding: str, areas: list[str]) -> ServiceProject:
    return ServiceProject.model_validate(
        {
            "id": new_id(),
            "name": name,
            "organisation_id": new_id(),
            "organisation_name": org,
            "need_areas": areas,
            "areas": ["330702"],
            "starts_on": date(TODAY.year - 1, 1, 1),
            "funding": funding,
        }
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("help")
    seed(data_dir, households=40)
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        head = next(p for p in store.load_all(Person) if p.name == "欧阳秀兰")
        hid, area = head.household_id, head.area_code
        meals = _project("困难老人助餐服务𠮷", "婺城区慈善总会", "fundraising", ["living", "care"])
        homecare = _project(
            "居家养老上门服务", "阳光社工服务中心䶮", "purchased_service", ["living"]
        )
        with store.unit_of_work() as uow:
            uow.projects.put(ProjectBook(projects=[meals, homecare]), "digest")
            uow.commit()
        met = Need(
            area_code=area,
            household_id=hid,
            area=NeedArea.MEDICAL,
            description="慢性病用药",
            raised_on=TODAY - timedelta(days=60),
            status=NeedStatus.FULFILLED,
            fulfilled_on=TODAY - timedelta(days=40),
            resource="医疗救助",
            fulfilment_note="已纳入医疗救助，" + LONG_NOTE[:120],
        )
        records = [
            met,
            Wish(
                area_code=area,
                household_id=hid,
                title="一台电暖器",
                value_yuan=300,
                state=WishState.FULFILLED,
                collected_on=TODAY - timedelta(days=90),
                claimed_by="爱心人士王先生",
                fulfilled_on=TODAY - timedelta(days=70),
            ),
            *(
                Delivery(
                    area_code=area,
                    household_id=hid,
                    project_id=p.id,
                    area=NeedArea.LIVING,
                    delivered_on=SAME_MONTH,
                    service=service,
                    value_yuan=value,
                )
                for p, service, value in (
                    (meals, "上门送餐 20 次", 300),
                    (homecare, "助洁助浴 4 次", 320),
                )
            ),
        ]
        store.add_many(records, queue=False)
    finally:
        store.close()
    running = start_server(data_dir)
    yield running
    stop_server(running)


def shown(page: Page, words: str) -> Locator:
    pattern = re.compile(re.escape(words))
    return page.get_by_text(pattern).or_(page.get_by_label(pattern)).first


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_help_received_flags_two_sources_in_one_month(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    nav(page, "家庭")
    fill(page, "搜索", "oyxl")
    go(page, "button", re.compile("打开欧阳秀兰家"))
    month = SAME_MONTH.strftime("%Y-%m")
    warning = shown(page, f"生活保障在 {month} 有多个来源的帮扶")
    scroll_to(
        page,
        page.get_by_text(re.compile("已获帮扶")).or_(page.get_by_label(re.compile("已获帮扶"))),
    )
    scroll_to(page, warning)
    warning.scroll_into_view_if_needed()
    shown(page, "共 4 次，折合 920 元").wait_for()
    shown(page, "婺城区慈善总会 · 困难老人助餐服务𠮷：上门送餐 20 次 · 300 元").wait_for()
    shown(page, "阳光社工服务中心䶮").wait_for()
    shown(page, "爱心人士王先生 · 一台电暖器 · 300 元").wait_for()
    shoot(page, "18-household-help")
