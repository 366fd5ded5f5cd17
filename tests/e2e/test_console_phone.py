"""The console on a 360 px phone and on paper, in Chromium: a list's every cell is on the
screen (the target list's status, the audit log's detail — no sideways scrolling to find
them), and the audit log fits an A4 sheet when printed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.console.conftest import TOWNSHIP, make_accounts
from tests.e2e.test_console import open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
PHONE = (360, 740)
A4_CSS_PX = 718  # 210 mm less two 15 mm margins, at 96 px to the inch


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("console-phone") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 60, seed=1, today=date.today(), scope=[TOWNSHIP])
    make_accounts(ctx)
    server = ThreadServer(ctx).start()
    yield server
    server.stop()
    ctx.db.dispose()


def right_edges(page, selector: str) -> list[float]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        selector, "els => els.map(e => e.getBoundingClientRect().right)"
    )


def test_lists_are_read_without_scrolling_sideways_on_a_phone(
    browser: Browser, county: ThreadServer
) -> None:
    page, problems = open_page(browser, PHONE)
    sign_in(page, county.url, "demo-supervisor")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.goto(f"{county.url}/console/indicators")
    expect(page.get_by_role("heading", name="目标清单", exact=False)).to_be_visible()
    badges = right_edges(page, "table.indicators .badge")
    assert len(badges) == 20 and max(badges) <= PHONE[0]
    page.goto(f"{county.url}/console/audit")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    details = right_edges(page, "td.detail")
    assert details and max(details) <= PHONE[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    assert problems == []


def test_the_audit_log_prints_within_an_a4_sheet(browser: Browser, county: ThreadServer) -> None:
    page, problems = open_page(browser, (A4_CSS_PX, 1000))
    sign_in(page, county.url, "demo-supervisor")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    page.emulate_media(media="print")
    page.goto(f"{county.url}/console/audit")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_CSS_PX
    assert problems == []
