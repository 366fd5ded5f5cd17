"""Masking for exports: names and ID numbers are never printed in full (DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.identity import mask_id_number
from app.domain.records import Person, head_of


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: the first character and, from three on, the last."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def masked_id(id_number: str | None) -> str:
    return mask_id_number(id_number) if id_number else ""


def household_heads(persons: Iterable[Person]) -> dict[str, Person]:
    """Each household's head (户主) as `head_of` picks it."""
    members: dict[str, list[Person]] = {}
    for person in persons:
        members.setdefault(person.household_id, []).append(person)
    return {hid: head for hid, people in members.items() if (head := head_of(people))}
