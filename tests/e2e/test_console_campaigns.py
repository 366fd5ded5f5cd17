"""节日走访 in Chromium at 800 and 1440 px: a supervisor and a coordinator open a festival
list with a long name from the menu and see its township named, its progress by village and the households
still to visit — heads' names masked, one with rare characters drawn (𠮷*䶮), the full
name nowhere. Every page fits its width, breaks no rule, and is photographed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import col, select

from app.domain.codes import CampaignGroup, Festival
from app.domain.records import Campaign, CampaignAssignment, Household, Visit
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.exchange import load_records
from sync.server.services.staff import read_staff
from sync.server.settings import Settings
from sync.server.tables import RecordRow
from tests.console.conftest import TOWNSHIP, make_accounts
from tests.e2e.test_console import check, open_page, sign_in
from tests.sync.conftest import ThreadServer

pytestmark = pytest.mark.browser
SIZES = {"800": (800, 900), "1440": (1440, 900)}
# 50 characters, the longest name a list may have.
LIST_NAME = "2026年重阳节安地镇八十岁以上老人、独居老人及特困供养人员上门慰问走访暨取暖物资发放清单（第一批）"
RARE_HEAD = "𠮷文䶮"  # 𠮷 U+20BB7 (Extension B), 䶮 U+4DAE (Extension A); masked 𠮷*䶮
ON_LIST = 24  # households on the list, every third visited


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("campaigns") / "county.db"
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db}", password_memory_kib=1024, password_time_cost=1)
    )
    exchange.load_demo(ctx, 60, seed=1, today=date.today(), scope=[TOWNSHIP])
    make_accounts(ctx)
    with ctx.db.small_write() as s:
        rows = s.exec(
            select(RecordRow).where(
                col(RecordRow.type).in_(("household", "visit", "person")),
                col(RecordRow.area_code).startswith(TOWNSHIP),
            )
        ).all()
        households = sorted(
            (Household.from_stored(json.loads(r.data)) for r in rows if r.type == "household"),
            key=lambda h: h.id,
        )[:ON_LIST]
        visits = [Visit.from_stored(json.loads(r.data)) for r in rows if r.type == "visit"]
        # The second household (waiting) is headed by someone named with rare characters.
        head = next(
            r
            for r in rows
            if r.type == "person"
            and r.household_id == households[1].id
            and json.loads(r.data).get("relation") == "户主"
        )
        head.data = json.dumps({**json.loads(head.data), "name": RARE_HEAD}, ensure_ascii=False)
        s.add(head)
        worker = next(
            m for m in read_staff(s).members if any(a.startswith(TOWNSHIP) for a in m.areas)
        )
    campaign = Campaign(
        area_code=TOWNSHIP + "000",
        author_worker_id=worker.id,
        festival=Festival.DOUBLE_NINTH,
        year=2026,
        name=LIST_NAME,
        groups=[CampaignGroup.ELDERLY],
        created_by=worker.id,
        created_on=date(2026, 10, 1),
    )
    places = []
    for i, h in enumerate(households):
        place = CampaignAssignment(
            area_code=h.area_code,
            household_id=h.id,
            campaign_id=campaign.id,
            worker_id=worker.id,
            groups=[CampaignGroup.ELDERLY],
        )
        done = [v for v in visits if v.household_id == h.id]
        if i % 3 == 0 and done:
            place = place.model_copy(
                update={
                    "visit_id": done[-1].id,
                    "visited_on": done[-1].visited_at.date(),
                    "delivered": ["重阳糕"],
                    "delivered_value_yuan": 120,
                }
            )
        places.append(place)
    assert any(p.visit_id for p in places) and places[1].visit_id is None
    load_records(ctx, [campaign, *places])
    running = ThreadServer(ctx).start()
    yield running
    running.stop()
    ctx.db.dispose()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["supervisor", "coordinator"])
def test_the_festival_list_shows_its_progress_and_who_is_still_to_visit(
    browser: Browser, server: ThreadServer, role: str, size: str
) -> None:
    page, problems = open_page(browser, SIZES[size])
    sign_in(page, server.url, f"demo-{role}")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="节日走访").click()
    expect(page.get_by_role("heading", name="节日走访清单")).to_be_visible()
    section = page.get_by_role("region", name=LIST_NAME)
    expect(section.get_by_role("heading", name=LIST_NAME)).to_be_visible()
    # The township's list is named by its township, not shown as its code.
    expect(section.get_by_text("重阳节 2026-10-18 · 安地镇", exact=True)).to_be_visible()
    expect(section.get_by_role("heading", name="按村（社区）")).to_be_visible()
    summary = section.locator(".summary")
    expect(summary).to_contain_text(f"{ON_LIST}走访对象（户）")
    visited = int(summary.locator(".big").nth(1).inner_text())
    assert 0 < visited < ON_LIST
    expect(summary).to_contain_text(f"{ON_LIST - visited}待走访（户）")
    waiting = section.locator("h3:text('待走访家庭') + div table tbody tr")
    expect(waiting).to_have_count(ON_LIST - visited)
    expect(waiting.get_by_role("link", name="𠮷*䶮", exact=True)).to_be_visible()
    expect(page.get_by_text(RARE_HEAD)).to_have_count(0)
    # 𠮷 and 䶮 are drawn from the bundled rare-character face, fetched for this page.
    page.evaluate("document.fonts.ready.then(() => true)")
    rare = "[...document.fonts].filter(f => f.family.includes('Rare')).map(f => f.status)"
    assert page.evaluate(rare) == ["loaded"], "𠮷 䶮 in tofu"
    check(page, f"campaigns-{role}", problems)
    page.context.close()
