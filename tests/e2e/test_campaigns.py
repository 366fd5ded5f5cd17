"""节日走访 in Chromium, at 800 and 1440 px: the coordinator opens 节日走访 from Today, makes
a 老 list for the next festival (the count of households it picks shown before saving),
opens a household still to visit, records a visit with what was delivered, and the list
then shows it visited; a household still to visit is taken off with a reason and the list
closed, its progress kept; every screen photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.domain.campaigns import next_festival
from app.domain.records import CampaignAssignment
from app.store.sandbox import list_sandboxes, open_store
from app.ui.catalogue import label
from tests.e2e.conftest import (
    NARROW,
    PIN,
    WIDE,
    Server,
    choose,
    fill,
    go,
    open_app,
    scroll_to,
    seed,
    shoot,
    start_server,
    stop_server,
    tap,
    unlock,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("campaigns")
    seed(data_dir, households=40)
    running = start_server(data_dir)
    yield running
    stop_server(running)


def shown(page: Page, words: str | re.Pattern[str]) -> Locator:
    """Text the page shows: as a text node, or inside a semantics label."""
    pattern = words if isinstance(words, re.Pattern) else re.compile(re.escape(words))
    return page.get_by_text(pattern).or_(page.get_by_label(pattern)).first


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_a_list_is_made_and_a_delivered_visit_recorded(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    from datetime import date

    upcoming = next_festival(date.today())
    name = f"{upcoming.year}年{label(upcoming.festival)}走访慰问"
    page = open_app(browser, server.url, size)
    unlock(page)
    go(page, "button", re.compile(r"^节日走访：我有 \d+ 户待走访"))
    shown(page, "我的待走访家庭").wait_for()
    go(page, "button", "新建节日走访清单")
    shown(page, "按此规则选出").wait_for()
    # 老 only: 幼 and 残 off.
    choose(page, "幼", on=False)
    choose(page, "残", on=False)
    count = shown(page, re.compile(r"按此规则选出 [1-9]\d* 户"))
    count.wait_for()
    picked = int(re.findall(r"\d+", count.inner_text() or count.get_attribute("aria-label"))[0])
    shoot(page, "30-campaign-new")
    tap(page, "button", "保存清单")
    shown(page, f"共 {picked} 户，已走访 0 户，待走访 {picked} 户").wait_for()
    shoot(page, "31-campaign-list")

    # The first household still to visit: record the visit and what was delivered.
    tap(page, "button", re.compile("^打开.+家"))
    go(page, "button", "新增探访")
    scroll_to(page, shown(page, f"节日走访：{name}")).wait_for()
    choose(page, "见到本人")
    choose(page, "人文关怀")
    fill(page, "送达物品", "大米一袋、食用油一桶")
    fill(page, "价值（元）", "200")
    shoot(page, "32-campaign-visit")
    tap(page, "button", "保存")
    expect(page.get_by_text(re.compile("本(周|月|季度|半年|年)已探访"))).to_be_visible()

    go(page, "button", "返回")
    shown(page, f"共 {picked} 户，已走访 1 户，待走访 {picked - 1} 户").wait_for()
    visited = shown(page, re.compile("已走访 .+：大米一袋、食用油一桶（价值 200 元）"))
    scroll_to(page, visited)
    # The households visited come after those still to visit: photograph the end.
    size_now = page.viewport_size or {"width": 800, "height": 1280}
    page.mouse.move(size_now["width"] / 2, size_now["height"] * 0.6)
    for _ in range(8):
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(200)
    expect(visited).to_be_visible()
    page.mouse.move(4, size_now["height"] * 0.6)  # off the cards: no tooltip in the picture
    shoot(page, "33-campaign-visited")

    # The coordinator takes a household still to visit off the list (the reason asked on
    # the first tap), then closes the list (a second tap confirms): its progress stays.
    tap(page, "button", "移出清单")
    fill(page, "移出原因", "已随子女迁往杭州")
    tap(page, "button", "移出清单")
    remaining = picked - 2
    shown(page, f"共 {picked - 1} 户，已走访 1 户，待走访 {remaining} 户").wait_for()
    scroll_to(page, shown(page, re.compile("已移出 .+：已随子女迁往杭州"))).wait_for()
    tap(page, "button", "结束清单")
    tap(page, "button", "确认结束")
    scroll_to(page, shown(page, re.compile(r"^已结束 \d{4}-\d{2}-\d{2}$"))).wait_for()
    shown(page, f"共 {picked - 1} 户，已走访 1 户，待走访 {remaining} 户").wait_for()
    expect(page.get_by_role("button", name="移出清单")).to_have_count(0)
    page.mouse.move(size_now["width"] / 2, size_now["height"] * 0.6)
    for _ in range(12):  # back to the top: the heading, 已结束 and the final progress
        page.mouse.wheel(0, -600)
        page.wait_for_timeout(200)
    page.mouse.move(4, size_now["height"] * 0.6)
    shoot(page, "34-campaign-closed")
    page.close()

    sandbox = list_sandboxes(server.data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        delivered = [
            p.delivered for p in store.load_all(CampaignAssignment) if p.visit_id is not None
        ]
    finally:
        store.close()
    assert ["大米一袋", "食用油一桶"] in delivered
