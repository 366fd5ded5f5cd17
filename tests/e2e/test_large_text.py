"""大字（适老化） in Chromium: every main screen with the larger text, at 800 and 1440 px,
shot to tests/screenshots/ for a person to look at; the navigation and the main buttons
stay reachable; dialogs and the navigation's labels are drawn larger too."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from app.ui.viewmodels.device import DeviceSettings
from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    fill,
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
def large_text(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("large-text")
    seed(data_dir)
    DeviceSettings(large_text=True).save(data_dir)
    running = start_server(data_dir)
    yield running
    stop_server(running)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_every_screen_with_large_text(
    browser: Browser, large_text: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, large_text.url, size)
    unlock(page)
    shots = [shoot(page, "large-01-today")]
    nav(page, "家庭")
    fill(page, "搜索", "oyxl")
    shots.append(shoot(page, "large-02-households"))
    go(page, "button", re.compile("打开欧阳秀兰家"))
    shots.append(shoot(page, "large-03-household"))
    go(page, "button", "新增探访")
    shots.append(shoot(page, "large-04-visit"))
    go(page, "button", "返回")
    go(page, "button", "信息共享同意")
    shots.append(shoot(page, "large-05-consent"))
    go(page, "button", "返回")
    go(page, "button", "返回")
    for tab, name in (("需求", "06-needs"), ("心愿", "07-wishes"), ("统计", "08-reports")):
        nav(page, tab)
        shots.append(shoot(page, f"large-{name}"))
    nav(page, "设置")
    page.get_by_role("button", name="大字（适老化）").wait_for()
    shots.append(shoot(page, "large-09-settings"))
    for path in shots:
        assert path.stat().st_size > 10_000, path
    page.close()


def _drawn(page: Page, wide: bool) -> tuple[float, float]:
    """As drawn: the height of the rail's 设置 destination (0 on a tablet, whose bar keeps
    its height) and of the wipe dialog's title."""
    nav(page, "设置")
    rail = 0.0
    if wide:
        box = page.get_by_role("button", name=re.compile("^设置\\s")).first.bounding_box()
        assert box is not None
        rail = box["height"]
    go(page, "button", "清除本设备数据")
    title = page.get_by_text("清除本设备的全部数据？").first
    title.wait_for()
    box = title.bounding_box()
    assert box is not None
    return rail, box["height"]


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_dialogs_and_navigation_labels_are_larger(
    browser: Browser, server: Server, large_text: Server, size: tuple[int, int]
) -> None:
    drawn = {}
    for name, running in (("normal", server), ("large", large_text)):
        page = open_app(browser, running.url, size)
        unlock(page)
        drawn[name] = _drawn(page, wide=size == WIDE)
        shoot(page, f"{name}-10-dialog")
        page.close()
    (rail, title), (large_rail, large_title) = drawn["normal"], drawn["large"]
    assert large_title >= 1.15 * title, drawn
    assert large_rail >= rail + 4 if size == WIDE else large_rail == rail == 0, drawn
