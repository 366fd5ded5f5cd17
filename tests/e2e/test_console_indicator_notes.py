"""The bureau annotates a computed indicator in Chromium at 800 and 1440 px: a supervisor
picks 服务项目在册困难群众覆盖率, writes a long note with rare characters, and sees it beside
the figure (the figure unchanged) and in the notes' history; a note too long is refused in
one sentence on the page. Every page fits its width, breaks no rule, and is photographed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.console.conftest import TOWNSHIP, make_accounts
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"800": (800, 900), "1440": (1440, 900)}
NAME = "服务项目在册困难群众覆盖率"
NOTE = (
    "项目库于 3 月上线，1—2 月各机构的服务由𠮷䶮两位社工补录中，补录完成前本项数值偏低；"
    "数据口径为在册困难群众（低保、特困、低边），不含临时救助对象。"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("notes") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 40, seed=1, today=date.today(), scope=[TOWNSHIP])
    make_accounts(ctx)
    running = ThreadServer(ctx).start()
    yield running
    running.stop()
    ctx.db.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_a_supervisor_annotates_a_computed_indicator(
    browser: Browser, server: ThreadServer, size: str
) -> None:
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, server.url, "demo-supervisor")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="目标清单").click()
    row = page.locator("tr", has_text=NAME)
    figure = row.locator("td.num").all_inner_texts()
    page.get_by_label("批注的指标（", exact=False).select_option(label=f"18. {NAME}")
    # The form says 500 characters; a browser that ignores it meets the server's sentence.
    page.evaluate("document.getElementById('note').removeAttribute('maxlength')")
    page.get_by_label("批注（不超过 500 字）").fill("注" * 501)
    page.get_by_role("button", name="添加批注").click()
    expect(page.get_by_role("alert")).to_have_text("批注不能超过 500 个字（现有 501 个字）。")
    check(page, "indicator-note-refused", problems, status=422)
    page.get_by_label("批注（不超过 500 字）").fill(f"{NOTE}（{size}）")
    page.get_by_role("button", name="添加批注").click()
    row = page.locator("tr", has_text=NAME)
    expect(row.locator(".note")).to_contain_text(f"批注：{NOTE}（{size}）")
    assert row.locator("td.num").all_inner_texts() == figure
    history = page.locator("#notes + .scroll")
    expect(history.get_by_text(f"{NOTE}（{size}）")).to_be_visible()
    check(page, "indicator-note", problems)
    page.context.close()
