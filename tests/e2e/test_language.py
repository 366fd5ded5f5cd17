"""Flutter's own words (the back button, tab positions, close, alert) are Chinese, like the
rest of the app: the page's locale is the app's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import NARROW, WIDE, Server, go, open_app, settle, unlock

pytestmark = pytest.mark.browser

ENGLISH = re.compile(r"\bBack\b|\bTab \d+ of \d+|\bClose\b|\bAlert\b|\bDismiss\b")


def _labels(page: Page) -> list[str]:
    """Every accessible label and text of the semantics tree."""
    return page.eval_on_selector_all(
        "flt-semantics, [aria-label], [role]",
        "els => els.map(e => (e.getAttribute('aria-label') || '') + ' ' + e.textContent)",
    )


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_no_english_in_flutters_own_labels(
    browser: Browser, server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    seen = _labels(page)
    if size == WIDE:  # the side rail says which tab of how many
        assert any("第 2 个标签，共 6 个" in label for label in seen), seen
    go(page, "button", re.compile("打开欧阳秀兰家"))  # first on Today: a major event
    seen += _labels(page)
    page.get_by_role("button", name="返回").first.wait_for()
    go(page, "button", "新增探访")
    page.get_by_role("button", name="保存").click()  # a message with its close button
    settle(page)
    seen += _labels(page)
    assert [label for label in seen if ENGLISH.search(label)] == []
    page.close()
