"""The public wish board in Chromium on a phone (390×844) and a desk (1440 px): a donor
filters the board, opens a wish, claims it with the form (no script on the page), reads
the claim code once and follows it; a second look shows the wish as 已被认领. Every page
fits its width, breaks no content-security rule, fetches nothing from elsewhere, and is
photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sync.server.context import ServerContext
from sync.server.settings import Settings
from tests.board.seed import OTHER_TOWNSHIP, area_names, seed_board
from tests.e2e.conftest import SCREENSHOTS
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"phone": (390, 844), "desk": (1440, 900)}


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, ServerContext]]:
    db = tmp_path_factory.mktemp("board") / "county.db"
    ctx = ServerContext.open(Settings(database_url=f"sqlite:///{db}"))
    seed_board(ctx, 40)
    server = ThreadServer(ctx).start()
    yield server, ctx
    server.stop()
    ctx.db.dispose()


def open_page(browser: Browser, size: tuple[int, int]) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    fetched: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: fetched.append(r.url))
    return page, problems, fetched


def check(page: Page, name: str, problems: list[str]) -> Path:
    width = page.viewport_size["width"]  # type: ignore[index]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{name} is {overflow} px wide on a {width} px screen"
    assert problems == [], f"{name}: {problems}"
    # The bundled face swaps in once loaded: photograph after it has, two frames later.
    page.evaluate(
        "document.fonts.ready.then(() => new Promise(r =>"
        " requestAnimationFrame(() => requestAnimationFrame(() => r(true)))))"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"board-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("size", SIZES)
def test_a_donor_claims_a_wish_from_the_board(browser: Browser, board, size) -> None:  # type: ignore[no-untyped-def]
    server, ctx = board
    page, problems, fetched = open_page(browser, SIZES[size])
    page.goto(f"{server.url}/wishes")
    expect(page.get_by_role("heading", name="微心愿")).to_be_visible()
    check(page, "list", problems)
    # The page and its stylesheet; this Chromium has no CJK system font, so it also takes
    # the bundled last-resort face (a phone with one does not).
    assert {u.split("?")[0].removeprefix(server.url) for u in fetched} <= {
        "/wishes",
        "/wishes/static/board.css",
        "/console/static/fonts.css",
        "/console/static/icon.svg",
        "/console/fonts/NotoSansSC-Regular.otf",
    }
    township = area_names(ctx)[OTHER_TOWNSHIP]
    page.get_by_label("乡镇（街道）").select_option(label=township)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(f"township={OTHER_TOWNSHIP}"))
    cards = page.locator("li.wish.state-published")
    expect(cards.first).to_be_visible()
    assert all(township in t for t in page.locator("li.wish .meta").all_inner_texts())
    card = cards.first
    title = card.locator("strong").inner_text()
    card.locator("a").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_label("您的姓名或单位名称").fill("陈爱心")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_label("打算怎样送达").fill("送到社区服务站")
    page.get_by_role("button", name="确认认领").click()
    expect(page.get_by_role("alert")).to_contain_text("联系电话不是有效的号码")
    check(page, "refused", [p for p in problems if "status of 400" not in p])
    page.get_by_label("联系电话").fill("139 5790 0123" if size == "phone" else "0579-82345678")
    page.get_by_role("button", name="确认认领").click()
    expect(page.get_by_role("heading", name="认领成功")).to_be_visible()
    code = page.locator(".claim-code").inner_text().strip()
    assert len(code) >= 20
    check(page, "claimed", [p for p in problems if "status of 400" not in p])
    page.get_by_role("link", name="查看认领进度").click()
    expect(page.get_by_role("status")).to_contain_text("认领成功")
    check(page, "status", [p for p in problems if "status of 400" not in p])
    page.goto(f"{server.url}/wishes?township={OTHER_TOWNSHIP}")
    claimed = page.locator("li.wish.state-claimed", has_text=title)
    expect(claimed.first).to_contain_text("已被认领")
    page.context.close()
