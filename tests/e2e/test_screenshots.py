"""Screenshots of every screen at 800×1280 (tablet upright) and 1440×900 (laptop), written
to tests/screenshots/ (git-ignored) for a person to look at; each one is also checked for
Flutter's error placeholder and an absurd page height (conftest.check_layout)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    fill,
    go,
    nav,
    open_app,
    settle,
    shoot,
    tap,
    unlock,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_every_screen(browser: Browser, server: Server, size: tuple[int, int]) -> None:
    page = open_app(browser, server.url, size)
    shots = [shoot(page, "01-start")]
    unlock(page)
    shots.append(shoot(page, "02-today"))
    nav(page, "家庭")
    shots.append(shoot(page, "03-households"))
    fill(page, "搜索", "oyxl")
    shots.append(shoot(page, "03-households-search"))
    go(page, "button", re.compile("打开欧阳秀兰家"))
    shots.append(shoot(page, "04-household"))
    go(page, "button", "新增探访")
    shots.append(shoot(page, "05-visit"))
    page.get_by_role("button", name="保存").click()
    shots.append(shoot(page, "06-visit-missing-field"))
    go(page, "button", "返回")
    go(page, "button", "敲门问需求")
    shots.append(shoot(page, "07-knock-survey"))
    go(page, "button", "返回")
    go(page, "button", "信息共享同意")
    shots.append(shoot(page, "08-consent"))
    # Withdrawing is as easy as consenting (PIPL art. 15): on the first screenful.
    withdraw = page.get_by_role("button", name="撤回同意").bounding_box()
    assert withdraw is not None and withdraw["y"] + withdraw["height"] <= size[1]
    go(page, "button", "返回")
    go(page, "button", "返回")
    go(page, "button", "主动发现")
    shots.append(shoot(page, "09-report-household"))
    go(page, "button", "返回")
    nav(page, "需求")
    shots.append(shoot(page, "10-needs"))
    nav(page, "心愿")
    shots.append(shoot(page, "11-wishes"))
    nav(page, "设置")
    shots.append(shoot(page, "12-settings"))
    go(page, "button", "同步问题")
    shots.append(shoot(page, "13-sync-problems"))
    go(page, "button", "返回")
    nav(page, "统计")  # the seeded worker is a coordinator
    settle(page)
    shots.append(shoot(page, "14-reports"))
    page.mouse.move(size[0] / 2, size[1] / 2)
    for _ in range(6):
        page.mouse.wheel(0, 900)
        page.wait_for_timeout(300)
    shots.append(shoot(page, "15-reports-by-worker"))
    nav(page, "设置")
    tap(page, "button", "退出登录")
    page.get_by_label("PIN", exact=True).wait_for()
    for path in shots:
        assert path.stat().st_size > 10_000, path
    page.close()
