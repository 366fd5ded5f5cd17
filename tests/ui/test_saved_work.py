"""Work that looks saved must be saved: the sync bar counts a change at once, a form left
by an auto-lock comes back, a date that is not a date is refused (views over a Session)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import flet as ft
import pytest

from app.domain.records import Household, Visit
from app.store.sandbox import list_sandboxes, open_store
from app.ui.shell import DIALOG_GONE_S
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import Client


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro())


async def _unlock(client: Client) -> None:
    await client.unlock(PIN)


def _bar(client: Client) -> str:
    return next(t for t in client.texts() if "待上传" in t)


def _field(client: Client, label: str) -> ft.TextField:
    found = client.find(label, ft.TextField)
    assert isinstance(found, ft.TextField)
    return found


def _offers(client: Client) -> list[ft.AlertDialog]:
    """The open offers to resume unsaved forms."""
    return [
        d
        for d in client.page._dialogs.controls
        if isinstance(d, ft.AlertDialog) and d.open and "有未保存的表单" in str(d.title.value)  # type: ignore[union-attr]
    ]


def _visits(data_dir: Path) -> list[Visit]:
    """欧阳秀兰's visits, as stored."""
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        household = next(h for h in store.load_all(Household) if h.address == "岩头村3组88号")
        return store.load_all(Visit, household_id=household.id)
    finally:
        store.close()


def test_a_saved_visit_shows_as_pending_at_once(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await _unlock(client)
        assert "待上传 0 条" in _bar(client)
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        await client.click("无人在家")
        await client.click("保存")
        assert client.top().route == "/household"
        assert "待上传 1 条" in _bar(client)

    run(go)


@pytest.mark.parametrize("size", [(800, 1280), (1440, 900)], ids=["800", "1440"])
def test_an_impossible_date_is_refused_not_saved_as_today(
    data_dir: Path, clock: Clock, size: tuple[int, int]
) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock, width=size[0], height=size[1]).start()
        await _unlock(client)
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        await client.click("无人在家")
        await client.type("探访日期", "2026-02-30")
        await client.event(_field(client, "探访日期"), "blur")
        assert _field(client, "探访日期").error == "2 月没有 30 日（这个月只有 28 天）"
        await client.click("保存")
        assert client.top().route == "/visit-new"
        assert client.snacks()[-1] == "请填写或更正：探访日期"
        await client.type("探访日期", "2026/5/3")
        await client.click("保存")
        assert client.top().route == "/household"

    run(go)
    assert [v.visited_at.date().isoformat() for v in _visits(data_dir)] == ["2026-05-03"]


def test_a_visit_left_by_the_auto_lock_is_offered_back(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await _unlock(client)
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        await client.click("见到本人")
        await client.click("精神慰藉")
        await client.type("情况记录", "老伴刚去世，情绪低落")
        assert client.shell is not None
        client.shell.lock(client.shell.t("start.locked_idle"))
        assert client.top().route == "/start"

        await _unlock(client)
        assert client.has_text("有未保存的表单")
        assert client.has_text("欧阳秀兰 · 探访关爱 · 05-20 10:30")
        await client.click("继续填写")
        assert client.top().route == "/visit-new"
        assert client.has_text("已恢复 05-20 10:30 未保存的内容，请核对后保存")
        assert _field(client, "情况记录").value == "老伴刚去世，情绪低落"
        await client.click("保存")
        assert client.top().route == "/today"
        assert client.snacks()[-1].startswith("探访已保存。")

        client.shell.lock()
        await _unlock(client)
        assert _offers(client) == []

    run(go)
    assert [v.observations for v in _visits(data_dir)] == ["老伴刚去世，情绪低落"]


def test_a_kept_draft_can_be_discarded(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await _unlock(client)
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        await client.type("情况记录", "写了一半")
        assert client.shell is not None
        client.shell.lock()
        await _unlock(client)
        await client.click("丢弃")
        assert _offers(client) == []
        await client.click("打开欧阳秀兰家")
        await client.click("新增探访")
        assert _field(client, "情况记录").value == ""
        assert not client.has_text("已恢复")

    run(go)


def test_the_day_a_date_picker_chose_in_any_time_zone() -> None:
    from datetime import UTC, date, datetime, timedelta, timezone

    from app.ui.views.visit import picked_day

    for hours in (-11, -5, 0, 8, 12):
        local_midnight = datetime(2026, 12, 3, tzinfo=timezone(timedelta(hours=hours)))
        assert picked_day(local_midnight.astimezone(UTC)) == date(2026, 12, 3), hours
    assert picked_day(datetime(2026, 12, 3)) == date(2026, 12, 3)


def test_a_consent_form_left_by_the_auto_lock_is_offered_back(data_dir: Path, clock: Clock) -> None:
    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await _unlock(client)
        await client.click("打开欧阳秀兰家")
        await client.click("信息共享同意")
        await client.click("口头同意（有见证人）")
        await client.type("见证人", "村委会主任李明")
        assert client.shell is not None
        client.shell.lock(client.shell.t("start.locked_idle"))

        await _unlock(client)
        assert client.has_text("欧阳秀兰 · 信息共享同意 · 05-20 10:30")
        await client.click("继续填写")
        assert client.top().route == "/consent"
        assert client.has_text("已恢复 05-20 10:30 未保存的内容，请核对后保存")
        assert _field(client, "见证人").value == "村委会主任李明"
        await client.click("记录同意")
        assert client.snacks()[-1] == "同意已记录。"
        client.shell.lock()
        await _unlock(client)
        assert _offers(client) == []

    run(go)


def test_closing_a_dialog_skips_a_snackbar_and_changes_screen_only_once_it_is_gone(
    data_dir: Path, clock: Clock
) -> None:
    """A snackbar shown over a dialog is not what 取消 closes; and a screen opened by the
    tap that closes a dialog opens only once Flutter reports the dialog dismissed (opened
    in the same tap, it went above the dialog, which came back when it closed)."""

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await _unlock(client)
        shell = client.shell
        assert shell is not None
        asked = ft.AlertDialog(modal=True, title=ft.Text("问"))
        shell.show_dialog(asked)
        shell.snack("同步完成")
        opened: list[str] = []
        shell.pop_dialog(then=lambda: opened.append(client.top().route or ""))
        snack = client.page._dialogs.controls[-1]
        assert isinstance(snack, ft.SnackBar) and snack.open and not asked.open
        await asyncio.sleep(0.2)
        assert opened == []  # Flutter has not yet said the dialog is down
        await client.session.dispatch_event(asked._i, "dismiss", None)  # type: ignore[union-attr]
        await asyncio.sleep(0.15)
        assert opened == ["/today"] and asked not in client.page._dialogs.controls
        # When the report never comes, the screen changes all the same, and the dialog goes.
        again = ft.AlertDialog(modal=True, title=ft.Text("再问"))
        shell.show_dialog(again)
        shell.pop_dialog(then=lambda: opened.append("later"))
        await asyncio.sleep(DIALOG_GONE_S + 0.3)
        assert opened[-1] == "later" and again not in client.page._dialogs.controls

    run(go)
