"""A device with no keystore, in Chromium: the start screen shows the masked name and a
passphrase field instead of the PIN pad, and the passphrase opens Today (issue 9, item 14)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from app.store.keystore import DEV_KEYSTORE_ENV
from tests.e2e.conftest import Server, fill, open_app, settle, start_server, stop_server
from tests.ui.builders import make_roster, make_sandbox

pytestmark = pytest.mark.browser

PASSPHRASE = "wucheng2026anding"


@pytest.fixture(scope="module")
def no_keystore_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("no-keystore")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(DEV_KEYSTORE_ENV)
        make_sandbox(data_dir, make_roster(3, today=date.today()), worker="王网格", pin=PASSPHRASE)
    env = {k: v for k, v in os.environ.items() if k != DEV_KEYSTORE_ENV}
    running = start_server(data_dir, env)
    yield running
    stop_server(running)


def test_a_passphrase_typed_on_the_keyboard_unlocks(
    browser: Browser, no_keystore_server: Server
) -> None:
    page = open_app(browser, no_keystore_server.url, field="口令")
    expect(page.get_by_text("王*格，请输入口令")).to_be_visible()
    expect(page.get_by_role("button", name="5", exact=True)).to_have_count(0)  # no PIN pad
    fill(page, "口令", "wucheng2026")
    page.get_by_role("button", name="解锁").click()
    expect(page.get_by_text("PIN 不正确，还可尝试 9 次。")).to_be_visible()
    fill(page, "口令", PASSPHRASE)
    page.get_by_role("button", name="解锁").click()
    page.get_by_text("我负责的家庭").wait_for()
    settle(page)
    page.close()
