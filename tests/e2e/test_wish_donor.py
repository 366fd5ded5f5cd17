"""From the board to the coordinator's device, in Chromium: a donor on a phone (390×844)
claims a wish the coordinator's device published; the coordinator then syncs in the field
app (800 and 1440 px) and sees the donor on the wish — name, the phone masked until a tap
that shows it with a call link, how they will deliver — beside an approved wish with its
publish form. The screens are photographed for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.domain.codes import NeedArea, WishState
from app.domain.records import Household, Person, Wish
from app.domain.wishes import transition
from app.services.wishes import Wishes
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.e2e.conftest import (
    LONG_NOTE,
    NARROW,
    SCREENSHOTS,
    WIDE,
    Server,
    go,
    nav,
    open_app,
    settle,
    shoot,
    start_server,
    stop_server,
    unlock,
)
from tests.sync.conftest import PIN, VILLAGE_A, ThreadServer, new_device
from tests.sync.records import household

pytestmark = pytest.mark.browser
PHONE = (390, 844)
DONOR = "陈𠮷䶮"
DONOR_PHONE = "13957912345"


@dataclass
class County:
    server: ThreadServer
    app: Server
    published: str
    approved: str


def _wish(h: Household, title: str, description: str) -> Wish:
    return Wish(
        area_code=h.area_code,
        household_id=h.id,
        title=title,
        description=description,
        value_yuan=180,
        collected_on=date(2026, 11, 2),
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """A county server with a coordinator's enrolled device that has published one wish
    (and holds another, approved, with a long story); the field app serves the device."""
    folder = tmp_path_factory.mktemp("county")
    ctx = ServerContext.open(Settings(database_url=f"sqlite:///{folder / 'county.db'}"))
    exchange.load_demo(ctx, 4, seed=5, today=date(2026, 11, 20), scope=[VILLAGE_A[:9]])
    server = ThreadServer(ctx).start()
    data_dir = tmp_path_factory.mktemp("device")
    lead = new_device(ctx, server.url, data_dir, role="coordinator", name="周䶮协理员")
    h = household(VILLAGE_A, "岩头村8号")  # reported by the coordinator's device
    fan = _wish(h, "一台电风扇", "夏天屋里闷热，老人想要一台电风扇。")
    desk = _wish(h, "一套课桌椅𠮷", LONG_NOTE[:180])
    lead.store.add_many(
        [h, Person(area_code=VILLAGE_A, household_id=h.id, name="王秀英"), fan, desk]
    )
    for w in (fan, desk):
        lead.store.update(
            transition(lead.store.get(Wish, w.id), WishState.APPROVED, on=w.collected_on)
        )
    Wishes(lead.store).ask_to_publish(
        fan.id,
        need_area=NeedArea.LIVING,
        story="夏天屋里闷热，老人想要一台电风扇。",
        publicity_consent=False,
        on=date(2026, 11, 20),
    )
    assert lead.sync().rejected == 0
    lead.store.close()
    app = start_server(data_dir)
    yield County(server, app, fan.id, desk.id)
    stop_server(app)
    server.stop()
    ctx.db.dispose()


def type_story(page: Page, story: str) -> None:
    """Type the publish form's story (a multiline field in a dialog), retyping until it
    holds (Flutter may swap the input element when it takes focus)."""
    for _ in range(5):
        field = page.get_by_role("textbox", name=re.compile("^公开的心愿故事"))
        field.click()
        page.wait_for_timeout(300)
        field = page.get_by_role("textbox", name=re.compile("^公开的心愿故事"))
        field.fill(story)
        page.wait_for_timeout(400)
        if field.input_value() == story:
            return
    raise AssertionError("could not type the story")


def test_a_donor_claims_on_a_phone_and_the_coordinators_device_sees_them(
    browser: Browser, county: County
) -> None:
    context = browser.new_context(
        viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN", is_mobile=True
    )
    phone = context.new_page()
    phone.goto(f"{county.server.url}/wishes")
    phone.get_by_role("link", name=re.compile("一台电风扇")).first.click()
    phone.get_by_label("您的姓名或单位名称").fill(DONOR)
    phone.get_by_label("联系电话").fill(DONOR_PHONE)
    phone.get_by_label("打算怎样送达").fill("周六上午送到社区服务站")
    phone.get_by_role("button", name="确认认领").click()
    expect(phone.get_by_text("认领成功").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "wish-donor-claimed-390.png"), full_page=True)
    context.close()

    for size in (NARROW, WIDE):
        page = open_app(browser, county.app.url, size)
        unlock(page, PIN)
        if size == NARROW:
            # The coordinator syncs: the claim and the donor's contact arrive.
            go(page, "button", "同步")
            expect(page.get_by_text(re.compile("同步完成")).first).to_be_visible(timeout=60_000)
        nav(page, "心愿")
        go(page, "button", re.compile(r"^已认领 1"))
        # The card reads as one group: the donor's name, masked phone and delivery.
        card = page.get_by_role("group", name=re.compile(f"认领人：{DONOR} 139\\*\\*\\*\\*2345"))
        expect(card).to_be_visible()
        assert "送达方式：周六上午送到社区服务站" in (card.get_attribute("aria-label") or "")
        assert DONOR_PHONE not in (card.get_attribute("aria-label") or "")
        shots = [shoot(page, "wishes-claimed-donor")]
        go(page, "button", "显示认领人电话")
        expect(page.get_by_role("button", name=f"拨打 {DONOR_PHONE}")).to_be_visible()
        shots.append(shoot(page, "wishes-claimed-donor-phone"))
        go(page, "button", re.compile(r"^已审核 1"))
        expect(page.get_by_role("button", name="发布到心愿墙")).to_be_visible()
        shots.append(shoot(page, "wishes-approved"))
        go(page, "button", "发布到心愿墙")
        expect(page.get_by_label("公开的心愿故事")).to_be_visible()
        settle(page)
        shots.append(shoot(page, "wishes-publish-form"))
        if size == WIDE:
            # A story naming the household is refused in the form, with the reason.
            type_story(page, "王秀英家的孩子想要一套课桌椅")
            page.get_by_role("button", name="确认发布").click()
            expect(page.get_by_text(re.compile("含有家庭成员的姓名"))).to_be_visible()
            shots.append(shoot(page, "wishes-publish-refused"))
            type_story(page, "孩子在床边写作业，想有一套自己的课桌椅。")
            page.get_by_role("button", name="确认发布").click()
            settle(page)
            go(page, "button", re.compile(r"^已发布 1"))
            card = page.get_by_role("group", name=re.compile("待发布"))
            expect(card).to_be_visible()
            shots.append(shoot(page, "wishes-publish-pending"))
        for path in shots:
            assert Path(path).stat().st_size > 10_000, path
        page.close()
