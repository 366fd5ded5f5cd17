"""The start screen in Chromium at both sizes: the PIN wait counts down on screen; the
enrolment form says what an address may look like and how to use the QR code's text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    fill,
    open_app,
    seed,
    shoot,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    seed(tmp_path, households=20)
    running = start_server(tmp_path)
    yield running
    stop_server(running)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_the_pin_wait_counts_down(
    browser: Browser, fresh_server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, fresh_server.url, size)
    for _ in range(5):
        for digit in "000000":
            page.get_by_role("button", name=digit, exact=True).click()
        page.get_by_role("button", name="解锁").click()
        page.wait_for_timeout(600)
    expect(page.get_by_text(re.compile(r"请在 (30|29|28) 秒后再试"))).to_be_visible()
    # The same line, a few seconds on, with fewer seconds: it ticks.
    expect(page.get_by_text(re.compile(r"请在 (1\d|2[0-5]) 秒后再试"))).to_be_visible(
        timeout=30_000
    )
    shoot(page, "30-start-pin-wait")
    page.close()


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_the_enrolment_form_explains_the_address_and_the_qr_code(
    browser: Browser, fresh_server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, fresh_server.url, size)
    page.get_by_role("button", name=re.compile("^添加工作人员")).click()
    page.wait_for_timeout(800)
    expect(page.get_by_text(re.compile("^有登记二维码时"))).to_be_visible()
    fill(page, "登记码", "doorstep:enroll?code=ABCD&server=https://county.example.cn")
    shoot(page, "31-start-enrol")
    server = page.get_by_label(re.compile("^服务器地址"))
    server.focus()  # Flutter fills the field's DOM input when it has the focus
    expect(server).to_have_value("https://county.example.cn")
    page.close()


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_the_enrolment_qr_code_is_read_from_an_image_file(
    browser: Browser, fresh_server: Server, size: tuple[int, int], tmp_path: Path
) -> None:
    """In a browser tab (no camera plug-in), 选择二维码图片 opens the PNG the county sent
    and fills the code and the server address; a picture with no code says so."""
    from sync.server.services import admin

    qr = "doorstep:enroll?code=QRCD-5678&server=https://county.example.cn:8443&pin=sha256:cd34"
    good = tmp_path / "enrol.png"
    good.write_bytes(admin.qr_png(qr))
    page = open_app(browser, fresh_server.url, size)
    page.get_by_role("button", name=re.compile("^添加工作人员")).click()
    page.wait_for_timeout(800)
    expect(page.get_by_role("button", name="扫描二维码")).to_be_visible()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="选择二维码图片").click()
    chooser.value.set_files(str(good))
    server = page.get_by_label(re.compile("^服务器地址"))
    for _ in range(30):  # reading the code takes a moment; Flutter fills a focused input
        server.focus()
        if server.input_value() == "https://county.example.cn:8443":
            break
        page.wait_for_timeout(500)
    expect(server).to_have_value("https://county.example.cn:8443")
    shoot(page, "32-start-enrol-qr-read")
    code = page.get_by_label(re.compile("^登记码"))
    code.focus()
    expect(code).to_have_value(qr)

    blank = tmp_path / "blank.png"
    blank.write_bytes(admin.qr_png("x")[:60])  # a PNG cut short
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="选择二维码图片").click()
    chooser.value.set_files(str(blank))
    expect(page.get_by_text("无法识别：图片文件已损坏。")).to_be_visible(timeout=15_000)
    shoot(page, "33-start-enrol-qr-refused")
    page.close()
