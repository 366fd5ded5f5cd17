"""统计用区划代码: 12-digit codes, township and village ranges, scopes."""

from __future__ import annotations

import pytest

from app.domain.areas import (
    COUNTIES,
    InvalidAreaCode,
    county_of,
    in_scope,
    is_village,
    parse_area_code,
    parse_scope_code,
    township_kind,
    township_of,
    village_kind,
)
from tests.said import refused, said


def test_the_nine_jinhua_counties_are_known() -> None:
    assert set(COUNTIES) == {
        "330702",
        "330703",
        "330723",
        "330726",
        "330727",
        "330781",
        "330782",
        "330783",
        "330784",
    }
    assert COUNTIES["330783"] == "东阳市"


@pytest.mark.parametrize(
    "code",
    [
        "330702102000",  # 安地镇
        "330702102201",  # 岩头村
        "330703101000",  # 孝顺镇
        "330782100000",  # 佛堂镇
        "330783123000",  # 横店镇
        "330702000000",  # the county itself
        "330702001001",  # first 街道, first 社区
        "330702399399",  # last 乡, last 村
        " 330702102201 ",
    ],
)
def test_valid_codes_parse(code: str) -> None:
    assert parse_area_code(code) == code.strip()


@pytest.mark.parametrize(
    "code",
    [
        "33070210220",  # 11 digits
        "3307021022011",  # 13 digits
        "33070210220a",
        "330702400000",  # township past 399
        "330702102400",  # village past 399
        "330702000201",  # a village with no township
        "",
    ],
)
def test_invalid_codes_are_rejected(code: str) -> None:
    with pytest.raises(InvalidAreaCode):
        parse_area_code(code)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("330702001000", "街道"),
        ("330702099000", "街道"),
        ("330702100000", "镇"),
        ("330702199000", "镇"),
        ("330702200000", "乡"),
        ("330702399000", "乡"),
    ],
)
def test_township_kind_follows_the_national_ranges(code: str, kind: str) -> None:
    assert township_kind(code) == kind


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("330702102001", "社区"),
        ("330702102199", "社区"),
        ("330702102200", "村"),
        ("330702102399", "村"),
    ],
)
def test_village_kind_follows_the_national_ranges(code: str, kind: str) -> None:
    assert village_kind(code) == kind


def test_levels_of_a_village_code() -> None:
    assert county_of("330702102201") == "330702"
    assert township_of("330702102201") == "330702102"
    assert is_village("330702102201")
    assert not is_village("330702102000")


@pytest.mark.parametrize(
    ("raw", "scope"),
    [
        ("330702", "330702"),
        ("330702102", "330702102"),
        ("330702102201", "330702102201"),
        ("330702102000", "330702102"),  # a full township code is the township scope
        ("330702000000", "330702"),  # a full county code is the county scope
        ("330702000", "330702"),  # township 000 is the county itself
    ],
)
def test_scope_codes_of_6_9_and_12_digits(raw: str, scope: str) -> None:
    assert parse_scope_code(raw) == scope


@pytest.mark.parametrize("raw", ["33070", "3307021", "330702400", "33070210220", "abcdef"])
def test_malformed_scope_codes_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidAreaCode):
        parse_scope_code(raw)


def test_a_village_is_in_scope_of_its_county_township_and_itself() -> None:
    village = "330702102201"
    for raw in ("330702", "330702102", "330702102201", "330702102000", "330702000"):
        assert in_scope(village, [parse_scope_code(raw)]), raw


def test_a_village_is_out_of_scope_of_other_areas() -> None:
    village = "330702102201"
    assert not in_scope(village, ["330703"])
    assert not in_scope(village, ["330702101"])
    assert not in_scope(village, ["330702102202"])
    assert not in_scope(village, [])
    assert in_scope(village, frozenset({"330703", "330702102"}))


@pytest.mark.parametrize("raw", ["3307021", "33070", "33070210220", "abcdef", "٣٣٠٧٠٢", "33070²"])
def test_a_malformed_scope_code_is_told_which_lengths_are_accepted(raw: str) -> None:
    with pytest.raises(InvalidAreaCode) as caught:
        parse_scope_code(raw)
    message = said(caught.value)
    assert "6位" in message and "9位" in message and "12位" in message, message
    assert repr(raw) in message


def test_a_township_out_of_range_names_the_code_as_typed() -> None:
    with refused(InvalidAreaCode, r"330702400$"):
        parse_scope_code("330702400")
