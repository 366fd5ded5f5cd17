"""The desk pages in Chromium at 800 and 1440 px: a supervisor enters an indicator with its
evidence note on the target list's page, then prints a household's file (a member named
with rare characters), its consent forms with the drawn signature, and a village's visit
log. Every page fits its width, breaks no content-security rule and is photographed."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from sync.server.tables import Photo, RecordRow
from tests.console.conftest import TOWNSHIP, make_accounts
from tests.console.test_printing import RARE, _png
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_console import check, fonts_of, open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"800": (800, 900), "1440": (1440, 900)}
LONG_NOTE = (
    "依据《金华市民政局关于调整最低生活保障标准的通知》（金民〔2026〕12号）及各县（市、区）"
    f"备案材料汇总，经财务科核对，台账编号 2026-DB-0042，经办人 {RARE}。"
)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, str]]:
    db = tmp_path_factory.mktemp("desk") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 300, seed=1, today=date.today(), scope=[TOWNSHIP])
    make_accounts(ctx)
    with ctx.db.small_write() as s:
        consent = s.exec(
            select(RecordRow)
            .where(col(RecordRow.type) == "consent", col(RecordRow.area_code).startswith(TOWNSHIP))
            .order_by(col(RecordRow.seq))
        ).first()
        assert consent is not None
        household_id = consent.household_id or ""
        person = s.get(RecordRow, json.loads(consent.data)["person_id"])
        assert person is not None
        person.data = json.dumps({**json.loads(person.data), "name": RARE}, ensure_ascii=False)
        s.add(person)
        signature = _png()
        s.add(
            Photo(
                id="0193a0c0-0000-7000-8000-00000000beef", record_id=consent.id,
                area_code=consent.area_code, mime="image/png",
                sha256=hashlib.sha256(signature).hexdigest(), size=len(signature),
                content=signature, created_at=datetime.now(UTC), uploaded_by="device",
            )
        )  # fmt: skip
        data = json.loads(consent.data)
        data.update(evidence_photo_id="0193a0c0-0000-7000-8000-00000000beef", method="signature")
        consent.data = json.dumps(data, ensure_ascii=False)
        s.add(consent)
    server = ThreadServer(ctx).start()
    yield server, household_id
    server.stop()
    ctx.db.dispose()


def check_print(page: Page, name: str, problems: list[str]) -> None:
    """A printout fits its width, draws in the bundled font, broke no rule; photographed."""
    page.evaluate("document.fonts.ready.then(() => true)")
    assert "Noto Sans CJK SC" in fonts_of(page, "h1"), f"{name}: the title in tofu"
    width = page.viewport_size["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    assert problems == [], f"{name}: {problems}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_a_supervisor_enters_an_indicator_and_prints(browser: Browser, county, size) -> None:
    server, household_id = county
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, server.url, "demo-supervisor")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="目标清单").click()
    expect(page.get_by_role("heading", name=re.compile("目标清单"))).to_be_visible()
    page.get_by_label(re.compile(r"^指标（")).select_option("dibao_standard")
    page.get_by_label("指标值", exact=True).fill("15600" if size == "1440" else "14000")
    page.get_by_label(re.compile("佐证说明")).fill(LONG_NOTE)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存：最低生活保障年人均标准")
    expect(page.locator("tr.status-met, tr.status-not_met").first).to_be_visible()
    check(page, "indicators", problems)

    page.goto(f"{server.url}/console/households/{household_id}")
    page.get_by_role("link", name="打印家庭档案").click()
    expect(page.get_by_role("heading", name="家庭档案")).to_be_visible()
    expect(page.get_by_text(RARE).first).to_be_visible()
    # 𠮷 and 䶮 are drawn from the bundled rare-character face, fetched for this page.
    page.evaluate("document.fonts.ready.then(() => true)")
    rare = "[...document.fonts].filter(f => f.family.includes('Rare')).map(f => f.status)"
    assert page.evaluate(rare) == ["loaded"], "𠮷 䶮 in tofu"
    check_print(page, "print-household", problems)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="下载 PDF")).to_be_hidden()
    page.emulate_media(media="screen")
    pdf = page.request.get(f"{server.url}/console/households/{household_id}/print.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    page.goto(f"{server.url}/console/households/{household_id}/consents/print")
    expect(page.get_by_role("heading", name="信息共享同意书")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("的签名"))).to_be_visible()
    check_print(page, "print-consents", problems)

    with_visits = page.request.get(f"{server.url}/console/coverage/{TOWNSHIP}")
    village = re.findall(rf"/console/coverage/({TOWNSHIP}\d{{3}})", with_visits.text())[0]
    page.goto(f"{server.url}/console/areas/{village}/visits/print?period={date.today().year}")
    expect(page.get_by_role("heading", name=re.compile("走访记录"))).to_be_visible()
    check_print(page, "print-visits", problems)
    page.context.close()
