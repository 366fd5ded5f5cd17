"""统计用区划代码: 12-digit area codes, their levels, and the Jinhua counties."""

from __future__ import annotations

import re
from enum import StrEnum

from app.domain.errors import DoorstepError

# ASCII digits only: `\d` and str.isdigit() also accept ٣ or ², which int() reads or rejects.
_CODE = re.compile(r"^[0-9]{12}$")
_SCOPE = re.compile(r"^[0-9]{6}(?:[0-9]{3}){0,2}$")

CITY_JINHUA = "330700"

COUNTIES: dict[str, str] = {
    "330702": "婺城区",
    "330703": "金东区",
    "330723": "武义县",
    "330726": "浦江县",
    "330727": "磐安县",
    "330781": "兰溪市",
    "330782": "义乌市",
    "330783": "东阳市",
    "330784": "永康市",
}


class AreaLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class InvalidAreaCode(DoorstepError, ValueError):
    """Not a 统计用区划代码 of a known shape (`raw`: the text as given)."""

    default_code = "area.invalid"


def parse_area_code(raw: str) -> str:
    """A full 12-digit code; township 001–399 and village 000–399 by the national scheme."""
    value = raw.strip()
    if not _CODE.match(value):
        raise InvalidAreaCode("area.not_12_digits", raw=raw)
    _check_segments(value, raw)
    return value


def _check_segments(code: str, raw: str) -> None:
    township, village = int(code[6:9]), int(code[9:12])
    if township > 399 or village > 399 or (township == 0 and village != 0):
        raise InvalidAreaCode("area.segment_range", raw=raw.strip())


def parse_scope_code(raw: str) -> str:
    """A scope: a county (6 digits), a township (9) or a village (12); a code of any other
    shape fails with a message naming the three accepted lengths."""
    value = raw.strip()
    if not _SCOPE.match(value):
        raise InvalidAreaCode("area.scope_length", raw=raw)
    if len(value) == 6:
        return value
    if len(value) == 9:
        _check_segments(value + "000", raw)
        return value[:6] if value[6:] == "000" else value
    code = parse_area_code(value)
    # A full code that names a township or county is the same scope as its short form.
    if code[9:] == "000":
        return code[:6] if code[6:9] == "000" else code[:9]
    return code


def county_of(code: str) -> str:
    return code[:6]


def township_of(code: str) -> str:
    return code[:9]


def is_village(code: str) -> bool:
    return len(code) == 12 and code[9:] != "000"


def township_kind(code: str) -> str:
    """街道 (001–099), 镇 (100–199) or 乡 (200–399)."""
    n = int(code[6:9])
    return "街道" if n < 100 else ("镇" if n < 200 else "乡")


def village_kind(code: str) -> str:
    """社区 (001–199) or 村 (200–399)."""
    return "社区" if int(code[9:12]) < 200 else "村"


def in_scope(code: str, scopes: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    """A record's 12-digit area is in scope if any scope code is a prefix of it."""
    return any(code.startswith(s) for s in scopes)
