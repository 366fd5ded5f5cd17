"""生僻字 in Chromium: a name from each block of CJK ideographs (URO, Extension A,
Extension B) is drawn with a real glyph, not the box of a character no font has.

Each rare name is compared with a twin household whose name ends in an Extension G
character (no bundled font has one, so it is drawn as the missing-glyph box): identical
tiles would mean the rare character is a box too. Two boxed twins must be identical,
which shows the comparison can see a box."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from app.domain.codes import Category
from app.domain.records import Household, Person
from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    nav,
    open_app,
    shoot,
    start_server,
    stop_server,
    unlock,
)
from tests.ui.builders import Roster, make_sandbox

pytestmark = pytest.mark.browser

VILLAGE = "330702102201"
RARE = {"URO": "张堃", "Ext A": "赵䶮", "Ext B": "吉𠮷"}
BOXED = {"URO": "张\U00030000", "Ext A": "赵\U00030001", "Ext B": "吉\U00030002"}
TWIN = "张\U00030003"  # boxed too, beside BOXED["URO"]


def _household(name: str) -> tuple[Household, Person]:
    household = Household(area_code=VILLAGE, address="岩头村1组1号", categories=[Category.DIBAO])
    head = Person(area_code=VILLAGE, household_id=household.id, name=name, relation="户主")
    return household, head


@pytest.fixture(scope="module")
def rare_names(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("rare-names")
    roster = Roster()
    for name in [*RARE.values(), *BOXED.values(), TWIN]:
        household, head = _household(name)
        roster.households.append(household)
        roster.persons.append(head)
    make_sandbox(data_dir, roster)
    running = start_server(data_dir)
    yield running
    stop_server(running)


def _tile(page: Page, name: str) -> bytes:
    """The pixels of the household's line in the list (its name, village and category)."""
    box = page.get_by_role("button", name=f"打开{name}家").first.bounding_box()
    assert box is not None, name
    return page.screenshot(clip=box)


def _drawn(page: Page, name: str, boxed: str) -> bool:
    """Whether `name` looks different from `boxed`; the fallback fonts load after the first
    screen, so give them time before calling it a box."""
    for _ in range(30):
        if _tile(page, name) != _tile(page, boxed):
            return True
        page.wait_for_timeout(1000)
    return False


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["800x1280", "1440x900"])
def test_a_name_from_each_block_is_drawn_not_boxed(
    browser: Browser, rare_names: Server, size: tuple[int, int]
) -> None:
    # Tall enough for all seven lines below the list's header (a coordinator's 待核实家庭
    # button included): a line below the fold cannot be photographed.
    page = open_app(browser, rare_names.url, (size[0], max(size[1], 1280)))
    unlock(page)
    nav(page, "家庭")
    page.get_by_role("button", name=f"打开{TWIN}家").wait_for()
    # Two names that are both boxes look the same: the comparison can see a box.
    assert _tile(page, BOXED["URO"]) == _tile(page, TWIN)
    drawn = {block: _drawn(page, RARE[block], BOXED[block]) for block in RARE}
    path = shoot(page, "fonts-rare-names")
    assert drawn == dict.fromkeys(RARE, True), path
    page.close()
