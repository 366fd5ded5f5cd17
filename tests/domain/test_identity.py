"""身份证号 and phone numbers: checksum, birth date, gender, masking, normalisation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from app.domain import identity
from app.domain.areas import COUNTIES
from app.domain.identity import (
    InvalidIdNumber,
    InvalidPhone,
    age_on,
    id_check_char,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)
from app.domain.records import Name
from tests.said import refused

# GB 11643's own example, checked by hand:
#   digits  1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
#   weights 7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
#   sum = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X
STANDARD_EXAMPLE = "11010519491231002X"
# A 婺城区 number born 1980-01-01, sequence 001 (odd: male), checked by hand:
#   3·7 + 3·9 + 0·10 + 7·5 + 0·8 + 2·4 + 1·2 + 9·1 + 8·6 + 0·3 + 0·7 + 1·9 + 0·10 + 1·5
#   + 0·8 + 0·4 + 1·2 = 166; 166 mod 11 = 1 → "10X98765432"[1] = 0
JINHUA_EXAMPLE = "330702198001010010"


def test_standard_example_validates_with_its_x_check_character() -> None:
    assert parse_id_number(STANDARD_EXAMPLE) == (STANDARD_EXAMPLE, date(1949, 12, 31), "F")


def test_hand_computed_jinhua_number_validates_as_a_man_born_1980() -> None:
    assert parse_id_number(JINHUA_EXAMPLE) == (JINHUA_EXAMPLE, date(1980, 1, 1), "M")
    assert id_check_char(JINHUA_EXAMPLE[:17]) == "0"


def test_every_remainder_maps_to_its_check_character() -> None:
    # Only the last weight (2) changes with the 17th digit, so stepping it walks the remainders.
    seen = {id_check_char(f"3307021980010100{d}") for d in range(10)}
    assert seen <= set("10X98765432")
    assert len(seen) == 10


def test_lowercase_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 110105 19491231 002x ")[0] == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "33070219800101001",  # 17 characters
        "3307021980010100100",  # 19 characters
        "33070219800101001A",  # a letter other than X
        "X30702198001010010",  # X anywhere but last
        "330702198001010011",  # wrong check digit
        "11010519491231002Y",
    ],
)
def test_malformed_or_wrong_checksum_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdNumber):
        parse_id_number(raw)


@pytest.mark.parametrize(
    "birth",
    ["19900230", "19900431", "20230229", "19901301", "19900000", "18801231"],
)
def test_impossible_birth_dates_are_rejected_even_with_a_valid_checksum(birth: str) -> None:
    first17 = f"330702{birth}001"
    number = first17 + id_check_char(first17)
    with refused(InvalidIdNumber, "出生日期"):
        parse_id_number(number)


def test_leap_day_is_a_valid_birth_date() -> None:
    assert parse_id_number(make_id_number("330703", date(2000, 2, 29), 2))[1] == date(2000, 2, 29)


def test_birth_date_after_today_is_rejected_when_today_is_given() -> None:
    number = make_id_number("330702", date(2030, 5, 1), 11)
    with refused(InvalidIdNumber, "出生日期"):
        parse_id_number(number, today=date(2026, 3, 1))
    # Born today is fine; without `today` (a tablet back in 1970) no date is judged "future".
    assert parse_id_number(number, today=date(2030, 5, 1))[1] == date(2030, 5, 1)
    assert parse_id_number(number)[1] == date(2030, 5, 1)


def test_gender_follows_the_parity_of_the_17th_digit() -> None:
    assert parse_id_number(make_id_number("330782", date(1975, 6, 30), 123))[2] == "M"
    assert parse_id_number(make_id_number("330782", date(1975, 6, 30), 124))[2] == "F"


def test_mask_keeps_area_code_and_last_four() -> None:
    assert mask_id_number(JINHUA_EXAMPLE) == "330702********0010"
    assert mask_id_number("123") == "***"


def test_age_counts_whole_years_to_the_birthday() -> None:
    assert age_on(date(1946, 3, 15), date(2026, 3, 14)) == 79
    assert age_on(date(1946, 3, 15), date(2026, 3, 15)) == 80


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 19912345678", "19912345678"),
        ("0579-82123456", "0579-82123456"),
        ("057982123456", "0579-82123456"),
        ("(0579)82123456", "0579-82123456"),
        ("0579-8212345", "0579-8212345"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
    ],
)
def test_valid_phone_numbers_are_normalised(raw: str, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12812345678",  # no mobile prefix starts 12
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "82123456",  # landline without area code
        "0579-821234",  # 6-digit local number
        "579-82123456",  # area code without the leading 0
        "0579-8212345a",
    ],
)
def test_invalid_phone_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(raw)


def test_phone_mask_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert "82123456" not in mask_phone("0579-82123456")


ID_PARTS = st.tuples(
    st.sampled_from(sorted(COUNTIES)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(ID_PARTS)
def test_built_numbers_always_validate(parts: tuple[str, date, int]) -> None:
    area, birth, sequence = parts
    number = make_id_number(area, birth, sequence)
    value, parsed_birth, gender = parse_id_number(number, today=date(2026, 12, 31))
    assert (value, parsed_birth) == (number, birth)
    assert gender == ("M" if sequence % 2 else "F")


@given(ID_PARTS, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_substitution_fails(
    parts: tuple[str, date, int], position: int, shift: int
) -> None:
    number = make_id_number(*parts)
    digit = (int(number[position]) + shift) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed)


@pytest.mark.parametrize("name", ["张堃", "赵䶮", "吉𠮷", "阿依古丽·买买提", "Anna Müller"])
def test_names_keep_rare_characters_and_minority_dots(name: str) -> None:
    assert identity.parse_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("王😀", "表情符号"),
        ("李❤\ufe0f", "表情符号"),
        ("张\u200d三", "控制字符"),
        ("张\x07三", "控制字符"),
        ("赵\u202e四", "控制字符"),
    ],
)
def test_names_refuse_emoji_and_control_characters(name: str, reason: str) -> None:
    with refused(ValueError, reason):
        identity.parse_name(name)


def test_every_name_field_of_the_records_uses_the_rule() -> None:
    """Members, witnesses, guardians and companions: one type, one rule."""
    names = TypeAdapter(Name)
    assert names.validate_python("吉𠮷") == "吉𠮷"
    with refused(ValidationError, "表情符号"):
        names.validate_python("见证人😀")
