"""编辑家庭 end to end in Chromium: from the household screen, add a newborn (a rare
character in her name) and a son come back, mark a death, record a 重大变故 with a long
note; each shows in the household's history. Screenshots at 800 and 1440 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.domain.identity import make_id_number
from tests.e2e.conftest import (
    NARROW,
    WIDE,
    Server,
    choose,
    fill,
    go,
    nav,
    open_app,
    scroll_to,
    shoot,
    tap,
    unlock,
)

pytestmark = pytest.mark.browser

# Once 欧阳秀兰 has died, the household goes by another member's name: any 欧阳.
OPEN_OUYANG = re.compile("打开欧阳")
EVENT_NOTE = "儿子欧阳建国所在的工厂停产，" * 12 + "家中收入中断，孙女䶮刚出生需要照顾。"


def _open_household(page: Page) -> None:
    nav(page, "家庭")
    fill(page, "搜索", "欧阳")
    go(page, "button", OPEN_OUYANG)


def _shown(page: Page, words: str) -> Locator:
    """Words on screen, as a text of their own or inside a group's label (a card's texts
    are read as one group)."""
    return page.get_by_text(words).or_(page.get_by_label(re.compile(re.escape(words)))).first


def _saved(page: Page, words: str) -> None:
    expect(_shown(page, words)).to_be_visible()


def test_edit_a_household_add_a_newborn_mark_a_death_and_a_major_event(
    browser: Browser, server: Server
) -> None:
    today = date.today()
    page = open_app(browser, server.url, NARROW)
    unlock(page)
    _open_household(page)
    go(page, "button", "编辑家庭")

    # A newborn, with her ID number.
    fill(page, "新成员姓名", "欧阳𠮷")
    fill(page, "新成员身份证号", make_id_number("330702", today - timedelta(days=20), 214))
    fill(page, "新成员与户主关系", "孙女")
    tap(page, "button", "添加成员")
    _saved(page, "已添加成员欧阳𠮷。")

    # A son come back, with no ID number on hand: his birth date.
    fill(page, "新成员姓名", "欧阳建国")
    fill(page, "出生日期", "1975-02-03")
    choose(page, "男")
    fill(page, "新成员与户主关系", "子")
    tap(page, "button", "添加成员")
    _saved(page, "已添加成员欧阳建国。")

    # A date of death after today is refused, with one sentence.
    go(page, "button", "编辑欧阳秀兰")
    choose(page, "去世")
    fill(page, "离开（去世）日期", (today + timedelta(days=1)).isoformat())
    tap(page, "button", "保存欧阳秀兰的信息")
    _saved(page, "离开（去世）日期不能晚于今天")
    shoot(page, "21-edit-refused")
    fill(page, "离开（去世）日期", (today - timedelta(days=1)).isoformat())
    tap(page, "button", "保存欧阳秀兰的信息")
    _saved(page, "已保存。")

    # The son lost his job: a 重大变故, today.
    go(page, "button", "编辑欧阳建国")
    choose(page, "失业")
    fill(page, "变故日期", today.isoformat())
    fill(page, "变故说明", EVENT_NOTE)
    choose(page, "有劳动能力")
    choose(page, "有就业意愿")
    shoot(page, "22-edit-member")
    tap(page, "button", "保存欧阳建国的信息")
    _saved(page, "已保存。")

    # Back on the household: the history says who changed what, from what to what.
    go(page, "button", "返回")
    expect(scroll_to(page, _shown(page, "新增成员：欧阳𠮷"))).to_be_visible()
    expect(scroll_to(page, _shown(page, "欧阳秀兰 · 离开原因：「空」→「去世」"))).to_be_visible()
    expect(
        scroll_to(page, _shown(page, "欧阳建国 · 重大变故类型：「空」→「失业」"))
    ).to_be_visible()
    shoot(page, "20-household-history")
    page.close()

    wide = open_app(browser, server.url, WIDE)
    unlock(wide)
    _open_household(wide)
    expect(scroll_to(wide, _shown(wide, "新增成员：欧阳𠮷"))).to_be_visible()
    shoot(wide, "20-household-history")
    go(wide, "button", "编辑家庭")
    go(wide, "button", "编辑欧阳建国")
    scroll_to(wide, wide.get_by_role("button", name=re.compile("^失业$")))
    shoot(wide, "22-edit-member")
    wide.close()
