"""Browser tests: the app served on 127.0.0.1 with a real store, driven in Debian's Chromium.

Flutter draws on a canvas; clicking `flt-semantics-placeholder` turns on the semantics
tree, after which labelled fields are `<input aria-label=...>` and buttons have role
button with their text. Never `playwright install`: it would download a browser.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from app.domain.codes import Category, NeedArea, NeedStatus, PersonFlag
from app.domain.identity import make_id_number
from app.domain.records import Household, Need, Person, Wish
from app.store import replica
from app.store.sandbox import open_store
from app.store.store import Store
from tests.ui.builders import PIN, make_roster, make_sandbox

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "tests" / "screenshots"
NARROW = (800, 1280)
WIDE = (1440, 900)
OUYANG_ADDRESS = "岩头村3组88号"

# Two cores shared with other work: give the app time before calling a check failed.
expect.set_options(timeout=20_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(data_dir: Path, households: int = 200) -> None:
    """A worker with `households` households and 欧阳秀兰, whose major event was yesterday."""
    today = date.today()
    roster = make_roster(households, today=today)
    household = Household(
        area_code="330702102201", address=OUYANG_ADDRESS, categories=[Category.TEKUN]
    )
    roster.households.append(household)
    roster.persons.append(
        Person(
            area_code=household.area_code,
            household_id=household.id,
            name="欧阳秀兰",
            id_number=make_id_number("330702", date(1950, 3, 8), 123),
            relation="户主",
            flags=[PersonFlag.MAJOR_EVENT],
            major_event_date=today - timedelta(days=1),
        )
    )
    sandbox = make_sandbox(data_dir, roster)
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        add_needs_wishes_and_a_rejection(store, roster.households[:6], today)
    finally:
        store.close()


def add_needs_wishes_and_a_rejection(
    store: Store, households: list[Household], today: date
) -> None:
    """Something in every list: needs by status, wishes by state, one rejected change."""
    areas = list(NeedArea)
    needs = [
        Need(
            area_code=h.area_code,
            household_id=h.id,
            area=areas[i % len(areas)],
            description=text,
            raised_on=today - timedelta(days=10 + i),
            status=status,
        )
        for i, (h, text, status) in enumerate(
            zip(
                households,
                [
                    "冬季取暖费用",
                    "孙子学费困难",
                    "慢性病用药报销",
                    "屋顶漏雨需修缮",
                    "希望找份保洁工作",
                    "需要助餐服务",
                ],
                [
                    NeedStatus.RAISED,
                    NeedStatus.RAISED,
                    NeedStatus.REASONABLE,
                    NeedStatus.MATCHED,
                    NeedStatus.RAISED,
                    NeedStatus.REFERRED,
                ],
                strict=True,
            )
        )
    ]
    wishes = [
        Wish(
            area_code=households[0].area_code,
            household_id=households[0].id,
            title="一台电暖器",
            value_yuan=300,
            collected_on=today - timedelta(days=5),
        ),
        Wish(
            area_code=households[1].area_code,
            household_id=households[1].id,
            title="一辆儿童自行车",
            value_yuan=650,
            collected_on=today - timedelta(days=3),
        ),
    ]
    store.add_many([*needs, *wishes], queue=False)
    household = households[2]
    store.update(household.model_copy(update={"address": household.address + "（新址）"}))
    sent = store.pending()
    replica.apply_answers(
        store,
        sent,
        [{"seq": sent[0].seq, "status": "rejected", "reason": "该家庭住址已由协理员更新。"}],
    )


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]


def start_server(data_dir: Path) -> Server:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.serve", str(data_dir), str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app server exited: {(data_dir / 'server.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Server(f"http://127.0.0.1:{port}/", data_dir, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("app server did not start in 60 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("device")
    seed(data_dir)
    running = start_server(data_dir)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed: apt-get install -y chromium")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def open_app(browser: Browser, url: str, size: tuple[int, int] = NARROW) -> Page:
    """A new tab on the app with Flutter's semantics tree turned on."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(20_000)
    page.goto(url)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    deadline = time.monotonic() + 30
    while page.locator("input[aria-label='PIN']").count() == 0:
        if time.monotonic() > deadline:
            raise AssertionError("the start screen did not appear")
        placeholder = page.locator("flt-semantics-placeholder")
        if placeholder.count():
            placeholder.dispatch_event("click")
        time.sleep(0.5)
    return page


def settle(page: Page) -> None:
    """Let a page transition finish: fields typed into mid-animation lose their events."""
    page.wait_for_timeout(800)


def go(page: Page, role: str, name: object) -> None:
    """Tap a tab or button that opens another screen, and wait for it to settle."""
    page.get_by_role(role, name=name).first.click()  # type: ignore[arg-type]
    settle(page)


def fill(page: Page, label: str, value: str) -> None:
    """Type into a labelled field. Flutter sets up its editing element when the field
    takes focus and may replace the DOM input then, so check that the text took, and
    find the field again if it was replaced."""
    for attempt in range(5):
        try:
            # A focused, empty field adds its hint to the label: match the label's start.
            field = scroll_to(page, page.get_by_label(re.compile(rf"^{re.escape(label)}(\s|$)")))
            if attempt:
                field.focus(timeout=5_000)
                page.wait_for_timeout(300)
            field.fill(value, timeout=5_000)
            page.wait_for_timeout(400)
            if field.input_value(timeout=5_000) == value:
                return
        except (PlaywrightError, AssertionError):
            page.wait_for_timeout(500)
    raise AssertionError(f"could not type into {label!r}")


def scroll_to(page: Page, locator: Locator, *, steps: int = 12) -> Locator:
    """Scroll the screen with the wheel until `locator` is in the semantics tree.

    Flutter only exposes what is on (or near) the screen, so Playwright cannot scroll to
    it by itself."""
    try:
        locator.first.wait_for(state="attached", timeout=2_000)
        return locator
    except PlaywrightError:
        pass
    size = page.viewport_size or {"width": 800, "height": 1280}
    page.mouse.move(size["width"] / 2, size["height"] * 0.6)
    for direction in (1, -1):
        for _ in range(steps):
            if locator.count() > 0:
                return locator
            page.mouse.wheel(0, 350 * direction)
            page.wait_for_timeout(250)
    if locator.count() == 0:
        raise AssertionError(f"not found on this screen: {locator}")
    return locator


TITLES = {
    "首页": "首页",
    "家庭": "家庭",
    "需求": "需求",
    "心愿": "微心愿",
    "统计": "统计",
    "设置": "设置",
}


def nav(page: Page, destination: str) -> None:
    """A top-level destination: a tab in the bottom bar, or a button in the side rail.

    A tap that lands while the previous screen is still settling can be lost, so tap
    again until the destination's title shows."""
    heading = page.get_by_role("heading", name=TITLES[destination], exact=True)
    for _ in range(4):
        tab = page.get_by_role("tab", name=destination, exact=True)
        if tab.count():
            tab.click()
        else:
            # A rail destination reads "家庭 第 2 个标签，共 6 个".
            page.get_by_role("button", name=re.compile(f"^{destination}\\s")).first.click()
        try:
            heading.wait_for(timeout=5_000)
            break
        except PlaywrightError:
            continue
    settle(page)


def tap(page: Page, role: str, name: object) -> None:
    """Scroll to a control and tap it."""
    scroll_to(page, page.get_by_role(role, name=name)).first.click()  # type: ignore[arg-type]


def unlock(page: Page, pin: str = PIN) -> None:
    """Unlock with the PIN pad, as a worker on a tablet does."""
    for digit in pin:
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="解锁").click()
    page.get_by_text("我负责的家庭").wait_for()
    settle(page)


def shoot(page: Page, name: str) -> Path:
    """A screenshot into tests/screenshots (git-ignored), after the frame settles."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(1.5)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}x{page.viewport_size['height']}.png"  # type: ignore[index]
    page.screenshot(path=str(path))
    return path
