"""Masking (脱敏) for everything shown or exported: the one place that says what is hidden.

DOMAIN.md: names and ID numbers are never printed in full outside the record's own
screen, and exports mask by default. An ID number keeps its area code and last four
(`330702********1234`, `app.domain.identity.mask_id_number`, which the screens use too);
the birth date it hides is hidden wherever else it appears, or the year alone would leave
about 33 candidates for the eight masked digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.domain.identity import mask_id_number, mask_phone
from app.domain.records import Person, head_of

MASK = "*"
MASKED_TEXT = "***"  # free text, blanked
MASKED_DATE = "****-**-**"  # a birth date
MASKED_KEY = "masked"  # the marker every line of a masked JSON Lines export carries

_NAME_FIELDS = ("name", "guardian_name", "witness", "claimed_by")
_FREE_TEXT = (
    "notes",
    "observations",
    "health_note",
    "major_event_note",
    "description",
    "assessment_reason",
    "fulfilment_note",
    "closed_reason",
    "reject_reason",
    "cancel_reason",
    "note",
)
# A register change's values masked as their field is (`_masked_change`); a leave or event
# date and a code stay as they are.
_MASKED_AS_IS = (*_NAME_FIELDS, "id_number", "birth_date", "phone", "address")
# Where a `*` is never valid (ID number, phone, date) and the exact shapes masking
# leaves (张*明, 岩头村***, ***): a line holding one comes from a masked export.
_NEVER_STARRED = ("id_number", "phone", "birth_date")
_PERSON_NAMES = ("name", "guardian_name", "witness", "claimed_by")
_MASKED_NAME = re.compile(r"^[^*]?\*+[^*]?$")
_MASKED_ADDRESS = re.compile(r"^.{0,3}\*{3}$", re.DOTALL)


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: the first character and, from three on, the last."""
    name = name.strip()
    if len(name) <= 1:
        return MASK * len(name)
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def masked_id(id_number: str | None) -> str:
    """An ID number as every screen and export shows it (`330702********1234`), or ""."""
    return mask_id_number(id_number) if id_number else ""


def mask_address(address: str) -> str:
    """岩头村3组12号 → 岩头村***: the first three characters only."""
    return address[:3] + MASKED_TEXT


def mask_record(data: dict[str, Any]) -> dict[str, Any]:
    """A record's JSON fields with names, ID numbers, birth dates, phones and addresses
    masked, free text blanked and GPS dropped; marked ``"masked": true``."""
    out = dict(data)
    for key in _NAME_FIELDS:
        if out.get(key):
            out[key] = mask_name(out[key])
    if out.get("id_number"):
        out["id_number"] = mask_id_number(out["id_number"])
    if out.get("birth_date"):
        out["birth_date"] = MASKED_DATE
    if out.get("phone"):
        out["phone"] = mask_phone(out["phone"])
    if out.get("address"):
        out["address"] = mask_address(out["address"])
    if out.get("companions"):
        out["companions"] = [mask_name(c) for c in out["companions"]]
    for key in _FREE_TEXT:
        if out.get(key):
            out[key] = MASKED_TEXT
    if out.get("gps"):
        out["gps"] = None
    if out.get("type") == "register_change" or {"field", "before", "after"} <= set(out):
        out.update(_masked_change(out))
    head = {k: out[k] for k in ("type", "id") if k in out}
    return head | {MASKED_KEY: True} | out


def _masked_change(change: dict[str, Any]) -> dict[str, Any]:
    """A register change's values (登记变更: a field's value before and after, as text) masked
    as that field is masked on its own record; a member added is named by `after`."""
    field = "name" if change.get("field") == "member_added" else str(change.get("field") or "")
    masked = {}
    for key in ("before", "after"):
        value = change.get(key)
        if not isinstance(value, str) or not value:
            continue
        if field in _MASKED_AS_IS:
            masked[key] = mask_record({field: value})[field]
        elif field in _FREE_TEXT:
            masked[key] = MASKED_TEXT
    return masked


def full_export_notice(out: object) -> str:
    """What an unmasked export (`--full`) wrote, said on stderr once it is written."""
    return (
        f"注意：{out} 是未遮蔽的完整导出，以明文含全部个人信息（姓名、身份证号、出生日期、电话、"
        "住址、健康等自由文本和定位），仅本人可读（0600）；请妥善保管，用完即删。"
    )


def looks_masked(data: dict[str, Any]) -> bool:
    """Whether a record's JSON fields come from a masked export: the marker, or a value
    only masking produces (a starred ID number, phone or date, 张*明, 岩头村***, ***)."""
    if data.get(MASKED_KEY):
        return True

    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    names = [text(k) for k in _PERSON_NAMES]
    companions = data.get("companions")
    if isinstance(companions, list):
        names += [c for c in companions if isinstance(c, str)]
    return (
        any(MASK in text(k) for k in _NEVER_STARRED)
        or any(_MASKED_NAME.match(n) for n in names)
        or bool(_MASKED_ADDRESS.match(text("address")))
        or any(text(k) == MASKED_TEXT for k in _FREE_TEXT)
    )


def household_heads(persons: Iterable[Person]) -> dict[str, Person]:
    """Each household's head (户主) as `head_of` picks it."""
    members: dict[str, list[Person]] = {}
    for person in persons:
        members.setdefault(person.household_id, []).append(person)
    return {hid: head for hid, people in members.items() if (head := head_of(people))}
