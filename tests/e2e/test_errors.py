"""Mistakes show a message, never a crash: a wrong PIN, a required field left empty."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, go, open_app, unlock

pytestmark = pytest.mark.browser


def test_wrong_pin_shows_a_message(browser: Browser, server: Server) -> None:
    page = open_app(browser, server.url)
    for digit in "999999":
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_text(re.compile(r"^PIN 不正确，还可尝试 \d+ 次。$"))).to_be_visible()
    expect(page.get_by_label("PIN", exact=True)).to_be_visible()
    unlock(page)  # the right PIN still works afterwards
    page.close()


def test_saving_without_a_required_field_names_it(browser: Browser, server: Server) -> None:
    page = open_app(browser, server.url)
    unlock(page)
    go(page, "button", re.compile("^打开"))
    go(page, "button", "新增探访")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请填写或更正：探访结果").first).to_be_visible()
    # The inline error sits under 探访结果 in the same card (one group for screen readers).
    expect(page.get_by_role("group", name=re.compile(r"探访结果 \*\s+请选择"))).to_be_visible()
    expect(page.get_by_role("button", name="保存")).to_be_visible()  # still on the form
    page.close()
