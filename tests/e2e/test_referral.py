"""Choosing a recipient and referring, in Chromium at 800 and 1440 px: the consent screen
lists the organisations the last sync brought (a class, then those serving the village),
a referral covered by the consent is made and listed, and once the consent is withdrawn the
same referral is refused with the reason. Screenshots (consent granted, consent withdrawn,
the household's referrals, the refusal) go to tests/screenshots/ to be looked at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.recipients import OrganisationRef
from app.domain.records import ConsentEvent, Referral
from app.store.sandbox import list_sandboxes, open_store
from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    choose,
    fill,
    go,
    open_app,
    scroll_to,
    seed,
    settle,
    shoot,
    start_server,
    stop_server,
    tap,
    unlock,
)
from tests.ui.builders import PIN

pytestmark = pytest.mark.browser

OPEN_OUYANG = re.compile("打开欧阳秀兰家")
CHARITY = OrganisationRef(
    new_id(), "婺城区慈善总会", OrganisationKind.CHARITY, "91330702MA0000001X", ("330702",)
)
MEMBER = OrganisationRef(
    new_id(), "安地镇𠮷祥社区助联体服务站（䶮山片区）", OrganisationKind.ALLIANCE_MEMBER,
    "91330702MA0000002X", ("330702102",),
)  # fmt: skip
CLOSED = OrganisationRef(
    new_id(), "已停办的基金会", OrganisationKind.CHARITY, "91330702MA0000003X", ("330702",),
    active=False,
)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A device of its own per size: what one run consents to must not carry into the next."""
    seed(tmp_path, households=30)
    sandbox = list_sandboxes(tmp_path)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        with store.unit_of_work() as uow:
            uow.organisations.put([CHARITY, MEMBER, CLOSED], "e2e")
            uow.commit()
    finally:
        store.close()
    running = start_server(tmp_path)
    yield running
    stop_server(running)


def _shown(page: Page, words: str) -> Locator:
    """Words on screen, as a text of their own or inside a card's label."""
    return page.get_by_text(words).or_(page.get_by_label(re.compile(re.escape(words)))).first


def _back(page: Page) -> None:
    go(page, "button", "返回")


def _refer_to_the_charity(page: Page) -> None:
    go(page, "button", "转介")
    choose(page, CHARITY.name)
    tap(page, "button", re.compile("^转介$"))


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_choose_a_recipient_refer_then_withdraw(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    go(page, "button", OPEN_OUYANG)

    # The consent screen: the class and the active organisations, chosen, not typed.
    go(page, "button", "信息共享同意")
    expect(page.get_by_role("button", name="全体助联体成员单位")).to_be_visible()
    expect(page.get_by_role("button", name=MEMBER.name)).to_be_visible()
    expect(page.get_by_role("button", name=CLOSED.name)).to_have_count(0)
    choose(page, CHARITY.name)
    # The purpose too is chosen from the list (救助帮扶转介, 微心愿发布 …), not typed.
    expect(page.get_by_role("textbox", name="共享目的")).to_have_count(0)
    expect(page.get_by_role("button", name="微心愿发布")).to_be_visible()
    choose(page, "救助帮扶转介")
    choose(page, "口头同意（有见证人）")
    page.mouse.wheel(0, 400)  # the witness field, under the longer form, into view
    settle(page)
    fill(page, "见证人", "村委会主任李明")
    tap(page, "button", "记录同意")
    page.mouse.wheel(0, -5000)
    expect(_shown(page, f"{CHARITY.name} · 救助帮扶转介")).to_be_visible()
    # The older consent typed as free text (金华市慈善总会, its purpose typed too) still
    # shows as it was typed, the purpose as 其他：… .
    expect(_shown(page, "金华市慈善总会 · 其他：对接慈善帮扶资源，")).to_be_visible()
    shoot(page, "16-consent-granted")
    _back(page)

    # Refer her to the charity: covered, so it is made and listed on the household screen.
    _refer_to_the_charity(page)
    expect(scroll_to(page, _shown(page, f"欧阳秀兰 → {CHARITY.name}"))).to_be_visible()
    page.mouse.wheel(0, 600)  # the referrals section into view at either width
    shoot(page, "17-household-referral")

    # Withdraw the consent (the new grant is listed first), then refer again: refused.
    go(page, "button", "信息共享同意")
    revoke = page.get_by_role("button", name="撤回同意")
    expect(revoke).to_have_count(2)  # hers to the charity, and the older typed one
    revoke.first.click()
    page.get_by_role("button", name="确认撤回").click()
    expect(revoke).to_have_count(1)
    withdrawn = re.compile(re.escape(f"已撤回 欧阳秀兰 {CHARITY.name} · "))
    expect(page.get_by_role("group", name=withdrawn)).to_have_count(1)
    shoot(page, "18-consent-withdrawn")
    _back(page)
    _refer_to_the_charity(page)
    refusal = f"向「{CHARITY.name}」共享信息（救助帮扶转介）的同意已撤回"
    expect(_shown(page, refusal)).to_be_visible()

    shoot(page, "19-referral-refused")
    page.close()

    sandbox = list_sandboxes(server.data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [made] = store.load_all(Referral)
        assert made.recipient == CHARITY.id
        mine = [e for e in store.load_all(ConsentEvent) if e.recipient == CHARITY.id]
        assert sorted(e.action for e in mine) == ["grant", "withdraw"]
        assert {e.purpose for e in mine} == {"assistance_referral"}
    finally:
        store.close()
