"""Today's warnings (预警) in the browser, at 800×1280 and 1440×900: the block above the visit
list names each kind, with a rare-character name (𠮷䶮) and a long need; 展开 shows the
rest; a warning opens its household; the statistics screen counts them by village."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app.domain.codes import Category, NeedArea, NeedStatus, Team, VisitMode, VisitOutcome
from app.domain.identity import make_id_number
from app.domain.records import Household, Need, Person, Visit
from app.store.sandbox import list_sandboxes, open_store
from tests.e2e.conftest import (
    LONG_NOTE,
    NARROW,
    WIDE,
    Server,
    go,
    nav,
    open_app,
    seed,
    settle,
    shoot,
    start_server,
    stop_server,
    unlock,
)
from tests.ui.builders import PIN

pytestmark = pytest.mark.browser

RARE_NAME = "𠮷䶮"


def add_warned_households(data_dir: Path) -> None:
    """A household of 𠮷䶮: nobody home three times, a 重大变故 six days ago unvisited, and
    a reasonable need with a long description raised 40 days ago; and a monitored household
    under the uplift line."""
    today = date.today()
    rare = Household(area_code="330702102202", address="后溪村7组1号", categories=[Category.DIBAO])
    head = Person(
        area_code=rare.area_code,
        household_id=rare.id,
        name=RARE_NAME,
        id_number=make_id_number("330702", date(1958, 4, 9), 321),
        relation="户主",
        major_event_date=today - timedelta(days=6),
    )
    attempts = [
        Visit(
            area_code=rare.area_code,
            household_id=rare.id,
            visited_at=datetime.combine(today - timedelta(days=d), time(9, 30)),
            worker_id="seed-worker",
            team=Team.GRID_WORKER,
            mode=VisitMode.HOME,
            outcome=VisitOutcome.NOBODY_HOME,
        )
        for d in (15, 10, 5)
    ]
    need = Need(
        area_code=rare.area_code,
        household_id=rare.id,
        area=NeedArea.HOUSING,
        description=LONG_NOTE,
        raised_on=today - timedelta(days=40),
        status=NeedStatus.REASONABLE,
    )
    monitored = Household(
        area_code="330702102203",
        address="上坞村2组6号",
        categories=[Category.SPECIAL_AID],
        annual_income_yuan=12_000,
    )
    member = Person(
        area_code=monitored.area_code,
        household_id=monitored.id,
        name="欧阳建国",
        id_number=make_id_number("330702", date(1966, 8, 1), 555),
        relation="户主",
    )
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        store.add_many([rare, head, *attempts, need, monitored, member], queue=False)
    finally:
        store.close()


@pytest.fixture(scope="module")
def warned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("device-warnings")
    seed(data_dir, households=60)
    add_warned_households(data_dir)
    running = start_server(data_dir)
    yield running
    stop_server(running)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_today_lists_the_warnings_and_the_statistics_count_them(
    browser: Browser, warned_server: Server, size: tuple[int, int]
) -> None:
    page = open_app(browser, warned_server.url, size)
    unlock(page)
    heading = page.get_by_text(re.compile(r"^预警 \d+ 条$")).first
    expect(heading).to_be_visible()
    for kind in ("重大变故超时未上门", "连续无人在家"):
        expect(page.get_by_text(kind).first).to_be_visible()
    shoot(page, "17-today-warnings")
    more = page.get_by_role("button", name=re.compile(r"^另有 \d+ 条预警$"))
    if more.count():
        more.first.click()
        settle(page)
    expect(page.get_by_text("合理需求久未处理").first).to_be_visible()
    expect(page.get_by_text("收入低于提低线").first).to_be_visible()
    shoot(page, "18-today-warnings-all")
    go(page, "button", re.compile(f"打开{RARE_NAME}家"))
    expect(page.get_by_text(RARE_NAME).first).to_be_visible()
    # The household's own screen lists its warnings under its status.
    expect(page.get_by_text(re.compile("重大变故应在.*前上门，至今未上门")).first).to_be_visible()
    shoot(page, "18b-household-warnings")
    go(page, "button", "返回")
    nav(page, "统计")
    settle(page)
    # Each section is a group named by its texts.
    counted = page.get_by_role("group", name=re.compile(r"^预警（今天，全部区域） 预警 \d+ 条"))
    expect(counted).to_be_attached()
    response = page.get_by_role("group", name=re.compile(r"^重大变故响应率 · 上月"))
    expect(response).to_be_attached()
    page.mouse.move(size[0] / 2, size[1] / 2)
    for _ in range(2):  # down to the response rate and the warnings
        page.mouse.wheel(0, 750 if size == NARROW else 600)
        page.wait_for_timeout(300)
    shoot(page, "19-reports-warnings")
    page.close()
