"""大字（适老化）: with the setting on, every screen builds with all its text 1.25× larger, at
tablet and laptop widths; turning it off restores every size."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft
import pytest

from app.ui import widgets as w
from app.ui.viewmodels.device import DeviceSettings
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import Client

SIZES = [(800, 1280), (1440, 900)]


def _sizes(client: Client) -> list[tuple[str, float | None]]:
    return [
        (str(c.value), c.size)
        for c in client.controls()
        if isinstance(c, ft.Text) and c.value and c.visible
    ]


def _all_large(client: Client) -> list[str]:
    """The texts of the screen not drawn at LARGE_TEXT × their own size."""
    texts = [
        f"{c.value!r} at {c.size}"
        for c in client.controls()
        if isinstance(c, ft.Text)
        and c.value
        and c.size != round(getattr(c, "_doorstep_base_size", 0) * w.LARGE_TEXT, 1)
    ]
    # A field's label (inline, and floating above it) and its hint grow with it.
    large = round(w.TEXT * w.LARGE_TEXT, 1)
    labels = [
        f"{type(c).__name__} {c.label!r}'s {attr} at {style.size if style else None}"
        for c in client.controls()
        if isinstance(c, ft.TextField | ft.Dropdown) and c.label
        for attr in ("label_style", "hint_style")
        if (style := getattr(c, attr)) is None or (style.size or 0) < large
    ]
    return texts + labels


async def _visit_every_screen(client: Client, wide: bool) -> dict[str, list[str]]:
    """Every screen the navigation and a household lead to: what is not large on each."""
    small: dict[str, list[str]] = {"/today": _all_large(client)}
    for tab in ("家庭", "需求", "心愿", "统计", "设置", "首页"):
        if wide:
            rail = next(c for c in client.controls() if isinstance(c, ft.NavigationRail))
            index = [d.label for d in rail.destinations].index(tab)
            await client.event(rail, "change", {"selected_index": index})
        else:
            await client.tab(tab)
        await client.settle()
        small[client.top().route or tab] = _all_large(client)
    await client.click("打开欧阳秀兰家")
    small["/household"] = _all_large(client)
    for action in ("新增探访", "敲门问需求", "信息共享同意", "转介"):
        await client.click(action)
        small[f"{client.top().route} {action}"] = _all_large(client)
        client.shell.pop()
    client.shell.go_to("households")
    await client.type("搜索", "oyxl")  # a part rebuilt after a keystroke is large too
    small["/households search"] = _all_large(client)
    await client.click("主动发现")
    small["/household-new"] = _all_large(client)
    return small


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_builds_with_large_text(
    data_dir: Path, clock: Clock, size: tuple[int, int]
) -> None:
    DeviceSettings(large_text=True).save(data_dir)

    async def go() -> None:
        client = await Client(data_dir, width=size[0], height=size[1], clock=clock).start()
        await client.unlock(PIN)
        small = await _visit_every_screen(client, wide=size[0] >= 900)
        assert {route: texts for route, texts in small.items() if texts} == {}
        assert len(small) == 13

    asyncio.run(go())


def test_the_setting_turns_large_text_on_and_off(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("设置")
        normal = _sizes(client)
        await client.click("大字（适老化）")
        assert DeviceSettings.load(data_dir).large_text
        assert _all_large(client) == []
        assert [s for _, s in _sizes(client)] != [s for _, s in normal]
        await client.click("标准")
        assert not DeviceSettings.load(data_dir).large_text
        assert _sizes(client) == [(t, s or 14.0) for t, s in normal]

    asyncio.run(go())


def test_navigation_labels_dialogs_and_messages_are_large_too(data_dir: Path, clock: Clock) -> None:
    """The bar's and rail's labels (drawn from the theme) and every dialog and snackbar
    follow 大字; turning it off brings the labels back to their own size."""
    DeviceSettings(large_text=True).save(data_dir)

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        theme = client.page.theme
        assert theme is not None and theme.navigation_bar_theme is not None
        large = round(w.NAV_LABEL * w.LARGE_TEXT, 1)
        assert theme.navigation_bar_theme.label_text_style.size == large  # type: ignore[union-attr]
        assert theme.navigation_rail_theme is not None
        assert theme.navigation_rail_theme.unselected_label_text_style.size == large  # type: ignore[union-attr]
        await client.tab("设置")
        await client.click("清除本设备数据")
        assert client.has_text("清除本设备的全部数据？")
        assert _all_large(client) == []
        await client.type("PIN", "000000")
        await client.click("确认清除")
        assert client.snacks() and _all_large(client) == []
        await client.click("标准")
        theme = client.page.theme
        assert theme is not None and theme.navigation_bar_theme is not None
        assert theme.navigation_bar_theme.label_text_style.size == w.NAV_LABEL  # type: ignore[union-attr]

    asyncio.run(go())
