"""Touch targets: every button a finger can reach is at least 48 × 48 px — the back arrow,
the need's delete icon, the period arrows of 统计 — at 800 and 1440 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import NARROW, WIDE, Server, go, nav, open_app, settle, tap, unlock

pytestmark = pytest.mark.browser

MIN = 48
BOTTOM_BAR = 100  # the navigation bar at 800 px and the padding above it


def _small_buttons(page: Page) -> list[str]:
    """Buttons on screen smaller than MIN px either way, with their label and size (a line
    of a list cut by the bottom edge or the navigation bar is measured where it shows
    whole)."""
    height = (page.viewport_size or {"height": 0})["height"]
    small = []
    for button in page.get_by_role("button").all():
        box = button.bounding_box()
        if box is None or box["width"] == 0:
            continue
        if box["y"] + box["height"] >= height - BOTTOM_BAR:
            continue
        if box["width"] < MIN - 0.5 or box["height"] < MIN - 0.5:
            label = button.get_attribute("aria-label") or button.inner_text()
            small.append(f"{label!r} {box['width']:.0f}×{box['height']:.0f} at y={box['y']:.0f}")
    return small


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_buttons_are_big_enough_to_tap(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    go(page, "button", re.compile("打开欧阳秀兰家"))
    small = {"household": _small_buttons(page)}
    go(page, "button", "新增探访")
    tap(page, "button", "添加需求")
    settle(page)
    small["visit with a need"] = _small_buttons(page)
    tap(page, "button", "删除此需求")  # the form is blank again: nothing is kept as a draft
    settle(page)
    go(page, "button", "返回")
    go(page, "button", "返回")
    nav(page, "统计")
    settle(page)
    small["reports"] = _small_buttons(page)
    assert small == {"household": [], "visit with a need": [], "reports": []}
    page.close()
