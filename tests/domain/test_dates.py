"""One parser for every date field: the common typed forms, and the reason for the rest."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.dates import DateError, parse_date
from tests.said import said

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-03",
        "2026/12/3",
        "2026.12.3",
        "20261203",
        "12月3日",
        "2026年12月3日",
        " 2026 年 12 月 3 日 ",
        "２０２６－１２－０３",
        "2026-12-3",
        "12月3",
    ],
)
def test_the_common_forms_name_the_same_day(typed: str) -> None:
    assert parse_date(typed, TODAY, not_after=TODAY) == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2026-02-30", "2 月没有 30 日（这个月只有 28 天）"),
        ("2024-02-30", "2 月没有 30 日（这个月只有 29 天）"),
        ("2026-13-01", "没有 13 月"),
        ("2026-00-10", "没有 0 月"),
        ("2月29日", "2 月没有 29 日（这个月只有 28 天）"),
        ("", "请填写日期"),
        ("昨天", "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写"),
        ("2026-12", "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写"),
        ("12/3/2026", "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写"),
        ("2026-12-05", "2026-12-05 晚于今天，不能选择"),
        ("0999-01-01", "年份 999 不对"),
        ("1" * 500, "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写"),
    ],
)
def test_what_is_not_a_date_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_date(typed, TODAY, not_after=TODAY)
    assert said(refused.value) == reason


def test_today_itself_and_an_english_reason() -> None:
    assert parse_date("2026/12/4", TODAY, not_after=TODAY) == TODAY
    with pytest.raises(DateError) as refused:
        parse_date("2026-02-30", TODAY)
    assert said(refused.value, "en") == "Month 2 has no day 30 (it has 28 days)"
