"""Browser tests: the app served on 127.0.0.1 with a real store, driven in Debian's Chromium.

Flutter draws on a canvas; clicking `flt-semantics-placeholder` turns on the semantics
tree, after which labelled fields are `<input aria-label=...>` and buttons have role
button with their text. Never `playwright install`: it would download a browser.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from app.domain.codes import (
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    PersonFlag,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.identity import make_id_number
from app.domain.records import ConsentEvent, Household, Need, Person, Visit, Wish
from app.store.sandbox import open_store
from app.store.store import Store
from sync import replica
from sync.protocol import MutationAnswer
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
LONG_NOTE = "老人独居，腿脚不便，" * 40 + "家中取暖靠一台旧电炉，已提醒注意用电安全。"

# Two cores shared with other work: give the app time before calling a check failed.
expect.set_options(timeout=20_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(data_dir: Path, households: int = 200) -> None:
    """A worker with `households` households and 欧阳秀兰, whose major event was yesterday,
    who consented to two charities and withdrew one, with a visit with a long note."""
    today = date.today()
    roster = make_roster(households, today=today)
    household = Household(
        area_code="330702102201", address=OUYANG_ADDRESS, categories=[Category.TEKUN]
    )
    roster.households.append(household)
    head = Person(
        area_code=household.area_code,
        household_id=household.id,
        name="欧阳秀兰",
        id_number=make_id_number("330702", date(1950, 3, 8), 123),
        relation="户主",
        flags=[PersonFlag.MAJOR_EVENT],
        major_event_date=today - timedelta(days=1),
    )
    roster.persons.append(head)
    roster.visits.append(
        Visit(
            area_code=household.area_code,
            household_id=household.id,
            visited_at=datetime.combine(today - timedelta(days=20), clock(15, 30)),
            worker_id="seed-worker",
            team=Team.GRID_WORKER,
            mode=VisitMode.HOME,
            outcome=VisitOutcome.MET,
            observations=LONG_NOTE,
        )
    )
    sandbox = make_sandbox(data_dir, roster)
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        add_needs_wishes_and_a_rejection(store, roster.households[:6], today)
        store.add_many(consents(head, today), queue=False)
    finally:
        store.close()


def consents(person: Person, today: date) -> list[ConsentEvent]:
    """A consent in force (金华市慈善总会, 12 months) and one granted then withdrawn."""

    def event(
        action: ConsentAction, recipient: str, days_ago: int, **extra: object
    ) -> ConsentEvent:
        return ConsentEvent(
            area_code=person.area_code,
            household_id=person.household_id,
            person_id=person.id,
            action=action,
            recipient=recipient,
            purpose="对接慈善帮扶资源，包括助餐、助医、助学和冬季取暖等长期结对帮扶项目",
            method=ConsentMethod.VERBAL,
            witness="村委会主任",
            occurred_at=datetime.combine(today - timedelta(days=days_ago), clock(10)),
            recorded_by="seed-worker",
            **extra,  # type: ignore[arg-type]
        )

    cats = [DataCategory.IDENTITY, DataCategory.CONTACT]
    kept = event(
        ConsentAction.GRANT,
        "金华市慈善总会",
        30,
        data_categories=cats,
        valid_until=today + timedelta(days=330),
    )
    granted = event(ConsentAction.GRANT, "婺城区爱心助老志愿服务协会", 40, data_categories=cats)
    withdrawn = event(ConsentAction.WITHDRAW, "婺城区爱心助老志愿服务协会", 10, seen=[granted.id])
    return [kept, granted, withdrawn]


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
        [MutationAnswer(seq=sent[0].seq, status="rejected", reason="该家庭住址已由协理员更新。")],
    )


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]


# The app servers running now, whose logs a failed test's report shows.
LIVE_SERVERS: list[Server] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test's report ends with the app servers' logs: an error the app
    showed for a few seconds and logged (without values) is then on record in CI."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        for number, tab in enumerate(OPEN_TABS):
            report.sections.append(
                (f"tab {number} at failure", _what_tab_shows(tab, item.name, number))
            )
        for running in LIVE_SERVERS:
            log = running.data_dir / "server.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
            report.sections.append((f"app server log ({running.data_dir.name})", tail))


_LABELS = """() => Array.from(document.querySelectorAll("[aria-label], flt-semantics[role]"))
  .map(el => (el.getAttribute("role") || el.tagName.toLowerCase()) + ": "
    + (el.getAttribute("aria-label") || el.textContent || "").slice(0, 80))
  .filter(line => !line.endsWith(": ")).slice(0, 120).join("\\n")"""


def _what_tab_shows(tab: Page, test: str, number: int) -> str:
    """A failed test's open tab: its size, its semantics labels (what a screen reader would
    read: the screen it was on) and a screenshot in tests/screenshots."""
    try:
        if tab.is_closed():
            return "closed"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"failed-{re.sub(r'[^A-Za-z0-9_-]', '_', test)}-{number}.png"
        tab.screenshot(path=str(shot), timeout=10_000)
        return f"{tab.viewport_size} {shot.name}\n{tab.evaluate(_LABELS)}"
    except PlaywrightError as exc:
        return f"could not read the tab: {str(exc).splitlines()[0]}"


def start_server(data_dir: Path, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    env = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
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
                running = Server(f"http://127.0.0.1:{port}/", data_dir, process)
                LIVE_SERVERS.append(running)
                return running
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("app server did not start in 60 s")


def stop_server(server: Server) -> None:
    if server in LIVE_SERVERS:
        LIVE_SERVERS.remove(server)
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


# The tabs a test opened: closed when it ends (see `close_tabs`).
OPEN_TABS: list[Page] = []


@pytest.fixture(autouse=True)
def close_tabs() -> Iterator[None]:
    """Close every tab a test opened when it ends. A Flutter tab left open keeps drawing
    and keeps its app session (timers, sync) alive on the app server, so tabs piling up
    over a module's tests slowed the later ones until their waits ran out."""
    yield
    while OPEN_TABS:
        with contextlib.suppress(PlaywrightError):  # already closed with its browser
            OPEN_TABS.pop().close()


def open_app(
    browser: Browser, url: str, size: tuple[int, int] = NARROW, field: str = "PIN"
) -> Page:
    """A new tab on the app with Flutter's semantics tree turned on, at the start screen
    (whose secret field is labelled `field`: PIN, or 口令 where there is no keystore)."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    OPEN_TABS.append(page)
    page.set_default_timeout(20_000)
    page.goto(url)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    deadline = time.monotonic() + 30
    while page.locator(f"input[aria-label='{field}']").count() == 0:
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
    target = page.get_by_role(role, name=name).first  # type: ignore[arg-type]
    into_view(page, target)
    target.click()
    settle(page)


def into_view(page: Page, target: Locator) -> None:
    """Wheel the screen until `target` is inside the window. Playwright's own scrolling
    moves the semantics tree, not what Flutter draws, so its click on a control below the
    window lands on whatever Flutter draws there (a tap lost, or the wrong control)."""
    size = page.viewport_size or {"width": 800, "height": 1280}
    for _ in range(20):
        box = target.bounding_box()
        if box is None or (box["y"] >= 0 and box["y"] + box["height"] <= size["height"]):
            return
        page.mouse.move(size["width"] / 2, size["height"] * 0.6)
        offset = box["y"] + box["height"] / 2 - size["height"] / 2
        page.mouse.wheel(0, max(-600.0, min(600.0, offset)))
        page.wait_for_timeout(250)


def fill(page: Page, label: str, value: str) -> None:
    """Type into a labelled field as a person does: focus it, select what it holds and
    delete it, type, and check the text took and stayed.

    Flutter edits a field's text either in the labelled input itself or in an editing
    element of its own that takes the focus (the labelled input then reads "" however much
    is typed), and it keeps the text itself: `Locator.fill`'s select-all does not reach
    it, so a retry appended ("oyxloyxl…"). Keys go to whichever element has the focus, and
    the text is read from both."""
    # A focused, empty field adds its hint to the label: match the label's start.
    labelled = page.get_by_label(re.compile(rf"^{re.escape(label)}(\s|$)"))
    scroll_to(page, labelled)  # not on this screen at all: say so, not "could not type"
    tries: list[str] = []  # what each try read back, for the failure's message
    for _ in range(5):
        try:
            field = _newest(scroll_to(page, labelled))
            if value in _typed(page, field) and _stays(page, field, value):
                return  # already there: the last try took, late
            field.focus(timeout=5_000)
            page.wait_for_timeout(300)  # Flutter sets up its editing when the field takes focus
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.press("Backspace")
            if value:
                page.keyboard.insert_text(value)
            deadline = time.monotonic() + 8  # under load the text reads back seconds late
            while value not in _typed(page, field) and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            if _stays(page, field, value):
                return
            tries.append(f"read back {_typed(page, field)!r}")
        except PlaywrightError as exc:
            tries.append(str(exc).splitlines()[0])
        page.wait_for_timeout(500)
    raise AssertionError(
        f"could not type into {label!r} ({labelled.count()} fields so labelled): "
        + "; ".join(f"try {i}: {t}" for i, t in enumerate(tries, 1))
    )


def _newest(found: Locator) -> Locator:
    """Of two inputs so labelled while Flutter swaps in its editing element: the newer."""
    return found.last if found.count() > 1 else found


_FOCUSED_TEXT = """() => {
    const e = document.activeElement;
    return e && (e.tagName === "INPUT" || e.tagName === "TEXTAREA") ? e.value : null;
}"""


def _typed(page: Page, field: Locator) -> list[str]:
    """The text of the labelled input, and of the element Flutter edits in if another."""
    texts = [field.input_value(timeout=5_000)]
    focused = page.evaluate(_FOCUSED_TEXT)
    if focused is not None:
        texts.append(focused)
    return texts


def _stays(page: Page, field: Locator, value: str) -> bool:
    """Whether the field still reads `value` a moment after it took: Flutter answers a
    field's focus by writing its own text into the input, later under load, and text
    typed before that is wiped (and never reached the app)."""
    page.wait_for_timeout(400)
    try:
        return value in _typed(page, field)
    except PlaywrightError:
        return False


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
    deadline = time.monotonic() + 45
    while True:
        tab = page.get_by_role("tab", name=destination, exact=True)
        with contextlib.suppress(PlaywrightError):
            if tab.count():
                tab.click(timeout=5_000)
            else:
                # A rail destination reads "家庭 第 2 个标签，共 6 个".
                rail = page.get_by_role("button", name=re.compile(f"^{destination}\\s")).first
                rail.click(timeout=5_000)
        try:
            heading.wait_for(timeout=5_000)
            break
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{destination} did not open") from None
    settle(page)


def tap(page: Page, role: str, name: object) -> None:
    """Scroll to a control and tap it."""
    target = scroll_to(page, page.get_by_role(role, name=name)).first  # type: ignore[arg-type]
    into_view(page, target)
    target.click()


def choose(page: Page, name: str | re.Pattern[str], *, on: bool = True) -> None:
    """Make a choice button (one of a row of toggles) chosen, or with `on=False` not
    chosen, and wait until the app shows it so (screen readers are told a choice's state:
    aria-current). A tap sent while the screen was still changing from the one before can
    be lost, so tap again while the state has not changed."""
    exact = isinstance(name, str)
    button = page.get_by_role("button", name=name, exact=exact)  # type: ignore[arg-type]
    # The choice's cell: the innermost node with a state around the button.
    cell = page.locator("flt-semantics[aria-current]").filter(has=button).last
    want = "true" if on else "false"
    scroll_to(page, button)
    for _ in range(3):
        if cell.get_attribute("aria-current") == want:
            return
        into_view(page, button.first)
        button.first.click()
        with contextlib.suppress(AssertionError):
            expect(cell).to_have_attribute("aria-current", want, timeout=10_000)
    if cell.get_attribute("aria-current") != want:
        raise AssertionError(f"the choice {name!r} did not become {'chosen' if on else 'unchosen'}")


def unlock(page: Page, pin: str = PIN) -> None:
    """Unlock with the PIN pad, as a worker on a tablet does."""
    for digit in pin:
        page.get_by_role("button", name=digit, exact=True).click()
    page.get_by_role("button", name="解锁").click()
    page.get_by_text("我负责的家庭").wait_for()
    settle(page)


def shoot(page: Page, name: str) -> Path:
    """A screenshot into tests/screenshots (git-ignored), after the frame settles; then
    `check_layout`, so that every screen photographed is also checked."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(1.5)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}x{page.viewport_size['height']}.png"  # type: ignore[index]
    page.screenshot(path=str(path))
    check_layout(page, name)
    return path


# Taller than any screen should ever be: the longest real one (统计 on a tablet) is a few
# thousand pixels. Flutter's error placeholder for a broken layout is ~100,000 px.
MAX_HEIGHT = 25_000
ERROR_TEXTS = ("Error running app", "must be added to the page", "Exception", "Traceback")
_TALLEST = """() => {
  let tallest = 0, where = "";
  for (const el of document.querySelectorAll("flt-semantics, flt-semantics-scroll-overflow")) {
    const h = parseFloat(el.style.height) || 0;
    if (h > tallest) {
      tallest = h;
      let labelled = el;
      while (labelled && !labelled.getAttribute("aria-label")) labelled = labelled.parentElement;
      where = labelled ? labelled.getAttribute("aria-label").slice(0, 60) : el.tagName;
    }
  }
  return [tallest, where];
}"""


# Flutter's release-mode error placeholder is painted 0xF0C0C0C0 (grey 192, 94 % opaque):
# about rgb(195, 195, 195) over any of the app's light backgrounds.
_PLACEHOLDER_SHARE = """async (png) => {
  const bitmap = await createImageBitmap(await (await fetch("data:image/png;base64," + png)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  let grey = 0;
  for (let i = 0; i < px.length; i += 4) {
    const r = px[i], g = px[i + 1], b = px[i + 2];
    if (r >= 190 && r <= 200 && Math.abs(r - g) <= 2 && Math.abs(r - b) <= 2) grey++;
  }
  return grey / (bitmap.width * bitmap.height);
}"""
MAX_PLACEHOLDER_SHARE = 0.01  # a 100 × 100 px grey block on a tablet's screen


def placeholder_share(page: Page) -> float:
    """The share of the visible screen painted in the error placeholder's grey."""
    png = base64.b64encode(page.screenshot()).decode()
    return float(page.evaluate(_PLACEHOLDER_SHARE, png))


def tallest(page: Page) -> tuple[float, str]:
    """The height of the tallest node of the semantics tree, and the label nearest it.

    A scrollable's `flt-semantics-scroll-overflow` is sized to its whole content (its
    scroll extent plus the viewport), so this is the rendered height of the page."""
    height, where = page.evaluate(_TALLEST)
    return float(height), str(where)


def check_layout(page: Page, screen: str) -> None:
    """Fail when the screen holds Flutter's error placeholder (a grey block as tall as the
    broken layout's unbounded constraint, with nothing in it for screen readers) or
    Flet's error panel."""
    height, where = tallest(page)
    size = page.viewport_size or {"width": 0, "height": 0}
    at = f"{screen} at {size['width']}x{size['height']}"
    assert height < MAX_HEIGHT, (
        f"{at}: {height:.0f} px tall near {where!r} (Flutter's error placeholder?)"
    )
    share = placeholder_share(page)
    assert share < MAX_PLACEHOLDER_SHARE, (
        f"{at}: {share:.1%} of the screen is the error placeholder's grey"
    )
    for text in ERROR_TEXTS:
        assert page.get_by_text(text).count() == 0, f"{screen}: the app shows {text!r}"
