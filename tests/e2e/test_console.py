"""The county web console in Chromium, on a phone (390 px) and a desk (1440 px): a
supervisor signs in and walks the coverage drill-down to a household and the audit log;
an admin opens the organisations. Every page fits the screen's width (wide tables scroll
inside their box), breaks no content-security rule, and is photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.console.conftest import PASSWORD, TOWNSHIP, make_accounts
from tests.e2e.conftest import SCREENSHOTS
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desk": (1440, 900)}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("console") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 300, seed=1, today=date.today(), scope=[TOWNSHIP])
    make_accounts(ctx)
    server = ThreadServer(ctx).start()
    yield server
    server.stop()
    ctx.db.dispose()


def open_page(browser: Browser, size: tuple[int, int]) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def fonts_of(page: Page, selector: str) -> set[str]:
    """The fonts Chromium drew an element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"] for font in used}


def check(page: Page, name: str, problems: list[str], status: int = 200) -> Path:
    """The page fits its width, broke no rule, draws its Chinese in a CJK font (the test
    machine has none of its own: the bundled one), and is photographed (full page); a
    page answered with `status` (a form shown again with its error: 422) says so."""
    problems[:] = [p for p in problems if f"status of {status} " not in p]
    page.evaluate("document.fonts.ready.then(() => true)")  # the first page fetches the font
    for selector in ("a.brand", "h1", "footer"):
        assert "Noto Sans CJK SC" in fonts_of(page, selector), f"{name}: {selector} in tofu"
    width = page.viewport_size["width"]  # type: ignore[index]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{name} is {overflow} px wide on a {width} px screen"
    assert problems == [], f"{name}: {problems}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"console-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/console")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize("size", SIZES)
def test_a_supervisor_walks_coverage_and_the_audit_log(browser: Browser, county, size) -> None:
    page, problems = open_page(browser, SIZES[size])
    page.goto(f"{county.url}/console/login")
    check(page, "login", problems)
    sign_in(page, county.url, "demo-supervisor")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    check(page, "home", problems)
    nav = page.get_by_role("navigation", name="主菜单")
    nav.get_by_role("link", name="探访关爱率").click()
    expect(page.get_by_role("heading", name=re.compile("婺城区"))).to_be_visible()
    check(page, "coverage-county", problems)
    page.get_by_role("link", name="安地镇").first.click()
    expect(page.get_by_role("heading", name=re.compile("安地镇"))).to_be_visible()
    check(page, "coverage-township", problems)
    village = page.locator("table a[href*='/console/coverage/']").first
    village_name = village.inner_text()
    village.click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(village_name)))).to_be_visible()
    check(page, "coverage-village", problems)
    overdue = page.locator("a[href^='/console/households/']")
    if overdue.count() == 0:  # a village with nobody overdue: take one from the township
        page.go_back()
        overdue = page.locator("a[href^='/console/households/']")
    assert overdue.count() > 0, "the demo township has overdue households this quarter"
    overdue.first.click()
    expect(page.get_by_role("heading", name="家庭档案")).to_be_visible()
    expect(page.get_by_text("330702********").first).to_be_visible()
    check(page, "household", problems)
    page.emulate_media(media="print")  # printed: no menu, no buttons, the tables whole
    expect(page.get_by_role("navigation", name="主菜单")).to_be_hidden()
    expect(page.get_by_role("button", name="退出")).to_be_hidden()
    expect(page.get_by_role("heading", name="家庭档案")).to_be_visible()
    page.emulate_media(media="screen")
    nav.get_by_role("link", name="审计日志").click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    page.locator("select[name=action]").select_option("household_read")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("cell", name="查看家庭档案").first).to_be_visible()
    check(page, "audit", problems)
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_registers_an_organisation(browser: Browser, county, size) -> None:
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, county.url, "demo-admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="帮扶机构").click()
    expect(page.get_by_role("heading", name="帮扶机构")).to_be_visible()
    page.get_by_role("link", name="登记机构").click()
    name = f"金华市爱心企业{size}"
    page.get_by_label("机构名称").fill(name)
    page.get_by_label("类型").select_option("caring_company")
    code = {"phone": "91110000802100433B", "desk": "91330100799655058B"}[size]
    page.get_by_label("统一社会信用代码").fill(code[:-1] + "C")  # a wrong check character
    page.get_by_label("服务区划").fill("330702")
    page.get_by_label("生活保障").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("校验位不正确")
    check(page, "organisation-form", problems, status=422)
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("link", name=name)).to_be_visible()
    check(page, "organisations", problems)
    page.context.close()
