"""Organisations: kinds and the 统一社会信用代码 check (GB 32100-2015)."""

from __future__ import annotations

import pytest

from app.domain.organisations import (
    InvalidOrganisation,
    OrganisationKind,
    credit_code_check_char,
    parse_credit_code,
    parse_kind,
    parse_organisation_name,
)
from tests.said import refused

# Real codes as printed on business licences; each was checked by hand as below.
REAL_CODES = [
    "91350100M000100Y43",  # the worked example of GB 32100-2015 itself
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91330100799655058B",  # a Hangzhou company (杭州, 330100)
    "91110000802100433B",  # a Beijing company (北京, 110000)
]


def test_the_standards_example_by_hand() -> None:
    # Values: 0-9 are themselves, M = 21, Y = 30 (the alphabet skips I, O, S, V, Z).
    # 9×1 + 1×3 + 3×9 + 5×27 + 0×19 + 1×26 + 0×16 + 0×17 + 21×20 + 0×29 + 0×25 + 0×13
    # + 1×8 + 0×24 + 0×10 + 30×30 + 4×28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3.
    assert credit_code_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code: str) -> None:
    assert parse_credit_code(code) == code
    assert parse_credit_code(" " + code.lower()[:9] + " " + code.lower()[9:]) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_single_change_is_caught(code: str) -> None:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(18):
        for char in alphabet:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            with refused(InvalidOrganisation, "校验位"):
                parse_credit_code(changed)


def test_a_check_of_31_becomes_0() -> None:
    # Σ = 31·k exactly: "1" with weight 1 and "10" (A) with weight 3 → 1 + 30 = 31.
    assert credit_code_check_char("1A" + "0" * 15) == "0"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y433", "18位"),
        ("91350100M000100I43", "「I」"),
        ("91350100O000100Y43", "「O」"),
        ("9135010ZM00100Y43X", "「Z」"),
        ("91350100M000100Y4-", "「-」"),
        ("91350100M000100Y44", "校验位"),
    ],
)
def test_bad_codes_say_why(raw: str, reason: str) -> None:
    with refused(InvalidOrganisation, reason):
        parse_credit_code(raw)


def test_kinds_are_stable_codes() -> None:
    assert [k.value for k in OrganisationKind] == [
        "charity",
        "social_work",
        "caring_company",
        "volunteer",
        "charity_supermarket",
        "alliance_member",
        "delivery_team",
    ]
    assert parse_kind(" social_work ") is OrganisationKind.SOCIAL_WORK
    with refused(InvalidOrganisation, "charity"):
        parse_kind("慈善")


def test_names() -> None:
    assert parse_organisation_name("  金华市  慈善总会 ") == "金华市 慈善总会"
    for bad in ("", "甲", "名" * 101):
        with refused(InvalidOrganisation, "名称"):
            parse_organisation_name(bad)
