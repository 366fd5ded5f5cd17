"""The views over a real Session without a client: every screen builds, every interactive
control is labelled, and the main flows work, at tablet and laptop widths."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft
import pytest

from app.domain.records import ConsentEvent, Visit
from app.store.sandbox import list_sandboxes, open_store
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import INTERACTIVE, Client, label_of

SIZES = [(800, 1280), (1440, 900)]


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro())


async def _unlocked(data_dir: Path, clock: Clock, size: tuple[int, int] = (800, 1280)) -> Client:
    client = await Client(data_dir, width=size[0], height=size[1], clock=clock).start()
    await client.unlock(PIN)
    assert client.top().route == "/today", client.texts()
    return client


def _unlabelled(client: Client) -> list[str]:
    return [
        f"{type(c).__name__}"
        for c in client.controls()
        if isinstance(c, INTERACTIVE) and c.visible and not label_of(c)
    ]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_builds_and_is_labelled(
    data_dir: Path, clock: Clock, size: tuple[int, int]
) -> None:
    async def go() -> None:
        client = await _unlocked(data_dir, clock, size)
        wide = size[0] >= 900
        assert (client.top().navigation_bar is None) == wide
        seen = {}
        for tab in ("家庭", "需求", "心愿", "设置", "首页"):
            if wide:
                rail = next(c for c in client.controls() if isinstance(c, ft.NavigationRail))
                index = [d.label for d in rail.destinations].index(tab)
                await client.event(rail, "change", {"selected_index": index})
            else:
                await client.tab(tab)
            seen[tab] = client.top().route
            assert _unlabelled(client) == [], client.top().route
        assert seen == {
            "家庭": "/households",
            "需求": "/needs",
            "心愿": "/wishes",
            "设置": "/settings",
            "首页": "/today",
        }
        await client.click("打开欧阳秀兰家")
        assert client.top().route == "/household" and _unlabelled(client) == []
        for action, route in (
            ("新增探访", "/visit-new"),
            ("敲门问需求", "/visit-new"),
            ("信息共享同意", "/consent"),
            ("转介", "/referral"),
        ):
            await client.click(action)
            assert client.top().route == route and _unlabelled(client) == [], route
            client.shell.pop()
        client.shell.go_to("households")
        await client.click("主动发现")
        assert client.top().route == "/household-new" and _unlabelled(client) == []
        client.shell.open("sync-problems")
        assert client.has_text("没有需要处理的同步问题。") and _unlabelled(client) == []
        client.shell.lock()
        assert client.top().route == "/start"

    run(go)


def test_wrong_pin_is_a_message(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        for digit in "111111":
            await client.click(digit)
        await client.click("解锁")
        assert client.has_text("PIN 不正确，还可尝试 9 次。")
        assert client.top().route == "/start"

    run(go)


def test_care_visit_from_search_to_timeline(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await _unlocked(data_dir, clock)
        await client.tab("家庭")
        await client.type("搜索", "oyxl")
        assert client.has_text("共 1 户")
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        await client.click("保存")
        assert "请填写或更正：探访结果" in client.snacks()
        assert client.has_text("请选择")
        await client.click("见到本人")
        await client.click("生活照料")
        await client.type("情况记录", "帮忙打扫卫生")
        await client.click("添加需求")
        await client.type("需求说明", "需要助餐服务")
        await client.click("保存")
        assert client.top().route == "/household"
        assert client.has_text("帮忙打扫卫生") and client.has_text("需求：生活保障：需要助餐服务")
        assert client.snacks()[-1].startswith("探访已保存。")
        client.shell.go_to("today")
        assert client.has_text("重大变故 0 户")

    run(go)
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        assert any(v.observations == "帮忙打扫卫生" for v in store.load_all(Visit))
    finally:
        store.close()


def test_consent_grant_then_withdraw(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await _unlocked(data_dir, clock)
        await client.click("打开欧阳秀兰家")
        await client.click("信息共享同意")
        await client.click("记录同意")
        assert client.snacks()[-1] == "请填写或更正：签名或同意书照片"
        await client.click("口头同意（有见证人）")
        await client.type("见证人", "村主任")
        await client.click("记录同意")
        assert client.snacks()[-1] == "同意已记录。"
        await client.click("撤回同意")
        await client.click("确认撤回")
        assert client.snacks()[-1] == "已撤回同意。"
        assert client.has_text("见证人：村主任")

    run(go)
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        assert sorted(e.action for e in store.load_all(ConsentEvent)) == ["grant", "withdraw"]
    finally:
        store.close()


def test_idle_lock(data_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ui import shell as shell_module

    monkeypatch.setattr(shell_module, "IDLE_CHECK_S", 0.01)

    async def go() -> None:
        client = await _unlocked(data_dir, clock)
        clock.advance(minutes=6)
        await client.settle()
        assert client.top().route == "/start"
        assert client.has_text("长时间未操作，已自动锁定。")

    run(go)


def test_language_switch(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await _unlocked(data_dir, clock)
        await client.tab("设置")
        await client.click("English")
        assert client.has_text("Language")
        await client.tab("Today")
        assert client.has_text("My households")

    run(go)
