"""The field workflow end to end in Chromium, against the app on 127.0.0.1 with a real store.

unlock → find a household by its pinyin initials → record a care visit with a need → it
shows in the timeline and leaves the Today list → grant and then withdraw consent → the
JSON Lines export holds both consent events.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.store.sandbox import list_sandboxes, open_store
from app.store.transfer import export_records
from tests.e2e.conftest import (
    Server,
    choose,
    fill,
    go,
    nav,
    open_app,
    scroll_to,
    tap,
    unlock,
)
from tests.ui.builders import PIN

pytestmark = pytest.mark.browser

OPEN_OUYANG = re.compile("打开欧阳秀兰家")


def _back(page: Page) -> None:
    go(page, "button", "返回")


def test_visit_consent_and_export(browser: Browser, server: Server, tmp_path: Path) -> None:
    page = open_app(browser, server.url)
    unlock(page)

    # Today: the major event heads the list.
    expect(page.get_by_role("button", name=OPEN_OUYANG)).to_be_visible()
    expect(page.get_by_text(re.compile("^重大变故 1 户"))).to_be_visible()

    # Households: found by pinyin initials.
    nav(page, "家庭")
    fill(page, "搜索", "oyxl")
    expect(page.get_by_text("共 1 户")).to_be_visible()
    go(page, "button", OPEN_OUYANG)

    # A care visit with a need.
    go(page, "button", "新增探访")
    choose(page, "见到本人")
    choose(page, "精神慰藉")
    fill(page, "情况记录", "老伴刚去世，情绪低落，已安慰")
    page.get_by_role("button", name="添加需求").click()
    fill(page, "需求说明", "丧葬费用有困难")
    go(page, "button", "保存")

    # Back on the household: the visit and its need are in the timeline.
    expect(page.get_by_text(re.compile("本(周|月|季度|半年|年)已探访"))).to_be_visible()
    expect(scroll_to(page, _shown(page, "老伴刚去世，情绪低落，已安慰"))).to_be_visible()
    expect(scroll_to(page, _shown(page, "需求：生活保障：丧葬费用有困难"))).to_be_visible()

    # Today no longer lists her.
    _back(page)
    nav(page, "首页")
    expect(page.get_by_text(re.compile("^重大变故 0 户"))).to_be_visible()
    expect(page.get_by_role("button", name=OPEN_OUYANG)).to_have_count(0)

    # Consent: grant (verbal, with a witness), then withdraw with a confirmation.
    nav(page, "家庭")
    fill(page, "搜索", "欧阳")
    go(page, "button", OPEN_OUYANG)
    go(page, "button", "信息共享同意")
    choose(page, "口头同意（有见证人）")
    fill(page, "见证人", "村委会主任李明")
    tap(page, "button", "记录同意")
    # She already consented to 金华市慈善总会 (the seed): the new grant is listed first.
    revoke = scroll_to(page, page.get_by_role("button", name="撤回同意"))
    expect(revoke).to_have_count(2)
    revoke.first.click()
    page.get_by_role("button", name="确认撤回").click()
    expect(page.get_by_role("button", name="撤回同意")).to_have_count(1)
    expect(scroll_to(page, page.get_by_text("见证人：村委会主任李明", exact=False))).to_be_visible()
    page.close()

    # The export holds the visit and both consent events.
    sandbox = list_sandboxes(server.data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        out = tmp_path / "export.jsonl"
        export_records(store, out, mask=False)
    finally:
        store.close()
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    consents = [r for r in lines if r["type"] == "consent" and r["recorded_by"] != "seed-worker"]
    assert sorted(r["action"] for r in consents) == ["grant", "withdraw"]
    grant = next(r for r in consents if r["action"] == "grant")
    withdraw = next(r for r in consents if r["action"] == "withdraw")
    assert grant["witness"] == "村委会主任李明" and withdraw["seen"] == [grant["id"]]
    assert withdraw["recipient"] == grant["recipient"]
    visits = [r for r in lines if r["type"] == "visit" and r["observations"].startswith("老伴")]
    needs = [r for r in lines if r["type"] == "need" and r["visit_id"] == visits[0]["id"]]
    assert visits[0]["care"] == ["comfort"] and needs[0]["description"] == "丧葬费用有困难"


def _shown(page: Page, words: str) -> Locator:
    """Words on screen, as a text of their own or inside a card's label (the timeline
    reads each visit as one group, so a screen reader hears it whole)."""
    return page.get_by_text(words).or_(page.get_by_label(re.compile(re.escape(words)))).first
