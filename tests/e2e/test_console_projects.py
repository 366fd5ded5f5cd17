"""The project library's console pages in Chromium at 800 and 1440 px: charity staff
register a project (a name with a rare character) and see it listed; a bad period is shown
on the form. Every page fits its width, breaks no content-security rule; photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from sync.server.context import ServerContext
from sync.server.settings import Settings
from tests.console.conftest import make_accounts
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"800": (800, 900), "1440": (1440, 900)}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("projects") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    make_accounts(ctx)
    server = ThreadServer(ctx).start()
    yield server
    server.stop()
    ctx.db.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_charity_staff_register_a_project(browser: Browser, county, size) -> None:  # type: ignore[no-untyped-def]
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.url, "demo-charity")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="项目库").click()
    expect(page.get_by_role("heading", name="慈善帮扶项目库")).to_be_visible()
    page.get_by_role("link", name="登记服务项目").click()
    name = f"安地镇困难老人助餐服务𠮷䶮（{size}）"
    page.get_by_label("项目名称").fill(name)
    page.get_by_label("生活保障").check()
    page.get_by_label("日常关怀").check()
    page.get_by_label(re.compile("^服务区划")).fill("330702102")
    page.get_by_label("开始日期").fill("2026-01-01")
    page.get_by_label(re.compile("^结束日期")).fill("2025-12-31")
    page.get_by_label("资金来源").select_option("trust")
    page.get_by_label("预算（元）").fill("200000")
    page.get_by_label("可服务户数").fill("120")
    page.get_by_label("品牌项目（一县一品）").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("项目结束日期不能早于开始日期")
    check(page, "project-form-error", problems, status=422)
    page.get_by_label(re.compile("^结束日期")).fill("2026-12-31")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_text("慈善信托").first).to_be_visible()
    check(page, "projects", problems)
