"""反向转介 in Chromium, at 800 and 1440 px: charity staff sign in and refer a person (a rare
character in the name, markup and a long text in the situation); the coordinator's 主动发现
queue shows it and the coordinator starts an assistance application; the charity then sees
"accepted for assessment" and only what it sent; another charity's report cannot be
reached by its URL. Every page fits its width, breaks no content-security rule and is
photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from app.domain.identity import make_id_number
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.console.conftest import TOWNSHIP, charity_reports_of, make_accounts
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"800": (800, 1280), "1440": (1440, 900)}
SITUATION = (
    "独居老人，<script>alert('x')</script>腿脚不便，子女在外地务工，" * 8 + "冬季取暖靠一台旧电炉。"
)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, str]]:
    db = tmp_path_factory.mktemp("referrals") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 60, seed=1, today=date.today(), scope=[TOWNSHIP])
    made = make_accounts(ctx)
    other = charity_reports_of(ctx, made.organisation_id)["other"]
    server = ThreadServer(ctx).start()
    yield server, other
    server.stop()
    ctx.db.dispose()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出", exact=True).click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_charity_refers_a_person_back_and_sees_the_outcome(
    browser: Browser, county, size
) -> None:
    server, others_report = county
    page, problems = open_page(browser, SIZES[size])
    name = f"欧阳䶮𠮷{size}"
    sign_in(page, server.url, "demo-charity")
    nav = page.get_by_role("navigation", name="主菜单")
    nav.get_by_role("link", name="转介给民政").click()
    expect(page.get_by_role("heading", name="转介给民政")).to_be_visible()
    page.get_by_role("link", name="转介一位困难群众").click()
    page.get_by_label("姓名").fill(name)
    page.get_by_label("身份证号").fill("330702194802030001")  # a wrong check character
    page.get_by_label("联系电话").fill("13905791234")
    page.get_by_label("所在村（社区）").select_option(label="岩头村")
    page.get_by_label("生活保障").check()
    page.get_by_label("困难情况").fill(SITUATION)
    page.get_by_role("button", name="提交转介").click()
    expect(page.get_by_role("alert")).to_contain_text("请修改标出的内容")
    check(page, "charity-report-form", problems, status=422)
    number = make_id_number("330702", date(1948, 2, 3), 11 if size == "800" else 13)
    page.get_by_label("身份证号").fill(number)
    page.get_by_role("button", name="提交转介").click()
    expect(page.locator("#outcome")).to_have_text("结果：待民政部门核实")
    expect(page.get_by_text("<script>alert('x')</script>").first).to_be_visible()
    report_url = page.url.split("?")[0]
    sign_out(page)

    sign_in(page, server.url, "demo-coordinator")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="主动发现").click()
    expect(page.get_by_role("heading", name="主动发现待确认")).to_be_visible()
    item = page.locator(".found-item", has=page.get_by_role("heading", name=re.compile(name)))
    expect(item).to_contain_text("慈善组织转介：婺城区慈善总会")
    expect(item).to_contain_text("<script>alert('x')</script>")
    item.scroll_into_view_if_needed()
    check(page, "discoveries", problems)
    item.get_by_role("button", name="发起救助申请").click()
    expect(page.get_by_role("status")).to_have_text("已记录：发起救助申请。")
    expect(
        page.locator(".found-item", has=page.get_by_role("heading", name=re.compile(name)))
    ).to_contain_text("救助申请中")
    sign_out(page)

    sign_in(page, server.url, "demo-charity")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="转介给民政").click()
    row = page.get_by_role("row", name=re.compile(name))
    expect(row).to_contain_text("已接收，进入救助评估")
    check(page, "charity-reports", problems)
    row.get_by_role("link", name=name).click()
    expect(page.locator("#outcome")).to_have_text("结果：已接收，进入救助评估")
    body = page.locator("main").inner_text()
    assert "330702********" in body and number not in body
    for unseen in ("演示coordinator", "救助申请中", "地址待核实", "走访"):
        assert unseen not in body, unseen
    check(page, "charity-report", problems)

    # Another charity's report, by its URL: not there.
    page.goto(report_url.rsplit("/", 1)[0] + "/" + others_report)
    expect(page.get_by_role("heading", name="找不到页面")).to_be_visible()
    problems.clear()  # the 404 answer is logged by the browser: expected
    page.goto(f"{server.url}/console")
    sign_out(page)
    page.context.close()
