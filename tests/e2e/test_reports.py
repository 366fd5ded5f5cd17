"""统计 in the browser, at 800×1280 and 1440×900: the period taps never crash the app, the
unfinished period shows its progress, and 导出 Excel downloads the workbook to the person
(nothing is left on the machine serving the app)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import NARROW, WIDE, Server, check_layout, nav, open_app, shoot, unlock

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_reports_download_and_period_taps(
    browser: Browser, server: Server, size: tuple[int, int], tmp_path: Path
) -> None:
    page = open_app(browser, server.url, size)
    unlock(page)
    nav(page, "统计")
    last_month = page.get_by_role("group", name=re.compile(r"统计期间 上月（\d{4}-\d{2}）"))
    expect(last_month).to_be_visible(timeout=15_000)  # the screen's first build is the slowest
    for label in ("按季度", "按年", "按月"):  # straight after opening, as people tap
        page.get_by_role("button", name=label).click()
    check_layout(page, "reports after period taps")  # no error panel, no placeholder
    page.get_by_role("button", name="按月").click()  # a tap mid-rebuild may be lost
    expect(last_month).to_be_visible(timeout=15_000)
    # 下一期: the last button of the period card (Flutter folds the arrows' tooltips
    # into the card's label).
    progress = page.get_by_text(re.compile(r"^本月（.*）进度（本期未结束）"))
    for _ in range(4):  # a tap that lands while the screen still settles can be lost
        try:
            last_month.get_by_role("button").last.click(timeout=5_000)
            progress.wait_for(timeout=5_000)
            break
        except PlaywrightError:
            continue
    expect(progress).to_be_visible(timeout=15_000)
    shoot(page, "16-reports-this-month")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").first.click()
    expect(page.get_by_text(re.compile("^已下载："))).to_be_visible()  # the snack lasts 10 s
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.name.startswith("探访关爱统计-")
    assert len(load_workbook(saved).sheetnames) >= 7
    assert not list(server.data_dir.rglob("*.xlsx"))  # nothing left beside the app
    page.close()
