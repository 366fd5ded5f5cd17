"""身份证号, phone numbers and names: validation, normalisation, masking."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.domain.errors import DoorstepError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


# Control, format, surrogate, private-use and unassigned code points: never part of a name.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Emoji are symbols (So), or text made emoji by a presentation selector or a keycap.
_EMOJI_MARKS = frozenset({"\ufe0f", "\u20e3"})


class InvalidName(DoorstepError, ValueError):
    """A name holding a character no name has (an emoji, a control character)."""

    default_code = "name.invalid"


def parse_name(value: str) -> str:
    """A person's name (姓名): any script, including 生僻字 of CJK Extensions A–G and the
    middle dot of minority names; refuses emoji and control characters with a reason."""
    for char in value:
        if unicodedata.category(char) == "So" or char in _EMOJI_MARKS:
            raise InvalidName("name.symbol")
        if unicodedata.category(char) in _NOT_IN_NAMES:
            raise InvalidName("name.control")
    return value


class InvalidIdNumber(DoorstepError, ValueError):
    """The ID number is not a valid 18-character 身份证号."""

    default_code = "id_number.invalid"


def normalise_id_number(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> tuple[str, date, str]:
    """Validate a 身份证号; return (normalised, birth date, gender "M"/"F")."""
    value = normalise_id_number(raw)
    if not _ID_SHAPE.match(value):
        raise InvalidIdNumber("id_number.shape")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("id_number.birth_date") from None
    if birth.year < 1890 or (today is not None and birth > today):
        raise InvalidIdNumber("id_number.birth_date")
    if id_check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("id_number.check_digit")
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return value, birth, gender


def make_id_number(area6: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests)."""
    first17 = f"{area6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def mask_id_number(value: str) -> str:
    """`330702********1234`: area code and the last four only."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def normalise_phone(raw: str) -> str:
    value = re.sub(r"[\s()（）]", "", raw.strip())
    if value.startswith("+86"):
        value = value[3:]
    return value.replace("-", "") if _MOBILE.match(value.replace("-", "")) else value


class InvalidPhone(DoorstepError, ValueError):
    """Not a mainland mobile number or a landline with area code."""

    default_code = "phone.invalid"


def parse_phone(raw: str) -> str:
    value = normalise_phone(raw)
    if _MOBILE.match(value):
        return value
    if _LANDLINE.match(value):
        digits = value.replace("-", "")
        # Area codes 010 and 02x are three digits; the rest (0579 Jinhua) are four.
        cut = 3 if digits[1] in "12" else 4
        return f"{digits[:cut]}-{digits[cut:]}"
    raise InvalidPhone("phone.invalid")


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
