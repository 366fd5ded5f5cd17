"""Festival lists (节日走访清单): the seed's 集中帮扶 on 元旦春节, 儿童节, 重阳节, 全国助残日 and
中华慈善日 for the 老 / 幼 / 残 households of a township (seed/000, 生活保障提升行动).

A coordinator makes a list for a festival of a year over a township (or one village) of
their scope: the households on the register there with a member the rules pick — 老, at
least the list's elderly age (the policy's `elderly_age` unless the coordinator chose
another); 幼, under the list's child age (18: a minor); 残, 重度残疾 or 失能 — each assigned
to a worker (the household's 责任人 unless changed). A visit to a household of the list
records what was delivered; the list shows who is still to be visited.

A coordinator closes a list (已结束) and may reopen it at any time, within the festival's
window or after it (one closed by mistake, or a late visit to record): no date rule to
learn, and the server checks no more for reopening than for closing (a coordinator's
device, the list in its scope). A household taken off a list (移出) may be put back (放回)
while the list is open, if it still qualifies as for 补充: its place taken off stays, with
who took it off and why, and a new place names it (`restores`), with who put it back and
when.

Ages are taken on the festival's day (元旦春节: 春节, 正月初一, which the window's visits
lead up to); a member who left the household on or before that day does not count. A
member whose birth date is not recorded counts for 老 by the roster's 高龄独居 flag and for
幼 when the household holds a children's category (孤儿, 困境儿童…): the roster's word
stands where the facts are missing, as for 高龄独居 elsewhere (`policy.member_flags`).

Pure: the records are `Campaign` and `CampaignAssignment` (app/domain/records.py), the
device's service is app/services/campaigns.py, the county server checks at push.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from app.domain.codes import CHILD_CATEGORIES, CampaignGroup, Festival, PersonFlag
from app.domain.errors import DoorstepError
from app.domain.identity import age_on
from app.domain.policy import member_on
from app.domain.summaries import HouseholdLike, MemberLike

# 春节 (正月初一) and 重阳节 (九月初九) by the Chinese calendar, as the national almanac gives
# them (checked against a lunar-calendar table); a lunar festival outside these years is
# refused with the years it knows, never guessed.
SPRING_FESTIVAL: dict[int, date] = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
}
DOUBLE_NINTH: dict[int, date] = {
    2024: date(2024, 10, 11),
    2025: date(2025, 10, 29),
    2026: date(2026, 10, 18),
    2027: date(2027, 10, 8),
    2028: date(2028, 10, 26),
    2029: date(2029, 10, 16),
    2030: date(2030, 10, 5),
    2031: date(2031, 10, 24),
    2032: date(2032, 10, 12),
    2033: date(2033, 10, 1),
    2034: date(2034, 10, 20),
    2035: date(2035, 10, 9),
    2036: date(2036, 10, 27),
    2037: date(2037, 10, 17),
    2038: date(2038, 10, 7),
    2039: date(2039, 10, 26),
    2040: date(2040, 10, 14),
}
FIRST_YEAR, LAST_YEAR = min(SPRING_FESTIVAL), max(SPRING_FESTIVAL)
LANTERN_AFTER_SPRING = timedelta(days=14)  # 元宵节, 正月十五: the end of the 元旦春节 window

# The bounds of a list and of what a visit delivered: the forms show them, the device
# refuses more before it is queued, the server rejects it.
CAMPAIGN_NAME_MAX_CHARS = 50
VILLAGES_MAX = 400  # a township's village segment runs 001–399
ITEM_MAX_CHARS = 30  # one delivered item: 大米一袋
ITEMS_MAX = 10
DELIVERED_VALUE_MAX_YUAN = 100_000
CHILD_AGE = 18  # under 18: a minor (未成年人保护法 第二条)
CHILD_AGE_MIN = 1
ELDERLY_AGE_MIN, ELDERLY_AGE_MAX = 50, 120
REMOVAL_REASON_MAX_CHARS = 100  # 已搬离本乡镇，由子女接走
DISABILITY_FLAGS = frozenset({PersonFlag.SEVERE_DISABILITY, PersonFlag.DISABLED_CARE})


class CampaignError(DoorstepError, ValueError):
    """A value of a festival list or of what a visit delivered that is refused."""

    default_code = "campaign.invalid"


class FestivalDays(NamedTuple):
    """A festival of a year: its day (ages are taken on it) and its window (first..last;
    one day for all but 元旦春节)."""

    festival: Festival
    year: int
    day: date
    first: date
    last: date


def _third_sunday_of_may(year: int) -> date:
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 14)


def festival_days(festival: Festival, year: int) -> FestivalDays:
    """The days of `festival` in `year`; CampaignError for a year the lunar table lacks."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CampaignError("campaign.year_range", first=FIRST_YEAR, last=LAST_YEAR)
    if festival == Festival.NEW_YEAR_SPRING:
        spring = SPRING_FESTIVAL[year]
        return FestivalDays(festival, year, spring, date(year, 1, 1), spring + LANTERN_AFTER_SPRING)
    if festival == Festival.DOUBLE_NINTH:
        day = DOUBLE_NINTH[year]
    elif festival == Festival.CHILDRENS_DAY:
        day = date(year, 6, 1)
    elif festival == Festival.DISABILITY_DAY:
        day = _third_sunday_of_may(year)
    else:
        day = date(year, 9, 5)
    return FestivalDays(festival, year, day, day, day)


def next_festival(today: date) -> FestivalDays:
    """The festival a coordinator most likely prepares for on `today`: the first whose
    window has not yet ended (this year's, else next year's)."""
    found = [
        festival_days(f, y)
        for y in (today.year, today.year + 1)
        if FIRST_YEAR <= y <= LAST_YEAR
        for f in Festival
    ]
    ahead = sorted((d for d in found if d.last >= today), key=lambda d: (d.last, d.first))
    if ahead:
        return ahead[0]
    return festival_days(Festival.NEW_YEAR_SPRING, min(max(today.year, FIRST_YEAR), LAST_YEAR))


# --- the list's area ---------------------------------------------------------------------


def check_list_area(area_code: str, villages: Sequence[str]) -> None:
    """CampaignError unless the list covers a township (its code ends in 000) or one village,
    and the villages it names (if any) lie in that township."""
    if area_code[6:9] == "000":
        raise CampaignError("campaign.area_level")
    if area_code[9:] != "000":
        if villages:
            raise CampaignError("campaign.villages_of_village")
        return
    for village in villages:
        if village[:9] != area_code[:9] or village[9:] == "000":
            raise CampaignError("campaign.village_outside", village=village)
    if len(set(villages)) != len(villages):
        raise CampaignError("campaign.village_twice")


def covers(area_code: str, villages: Sequence[str], household_area: str) -> bool:
    """A household of `household_area` lies in the list's area (and villages, if named)."""
    if area_code[9:] != "000":
        return household_area == area_code
    if household_area[:9] != area_code[:9]:
        return False
    return not villages or household_area in villages


def visible_in(area_code: str, scope: Iterable[str]) -> bool:
    """A list reaches a device of `scope` when its area lies in the scope, or when the
    scope holds a village of its township: a village's workers see their township's lists
    (nothing personal: festival, year, name, rules), and the households of the list only as
    their scope allows."""
    codes = tuple(scope)
    if any(area_code.startswith(c) for c in codes):
        return True
    return area_code[9:] == "000" and any(len(c) == 12 and c[:9] == area_code[:9] for c in codes)


def township_lists_of(scope: Iterable[str]) -> list[str]:
    """The area codes of the township lists a scope sees beyond its own (`visible_in`)."""
    return sorted({c[:9] + "000" for c in scope if len(c) == 12 and c[9:] != "000"})


# --- selection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionRule:
    """What a list picks: the groups (any of them selects a household), the elderly age
    (at least) and the child age (under), taken on `on` (the festival's day)."""

    groups: frozenset[CampaignGroup]
    on: date
    elderly_age: int = 80
    child_age: int = CHILD_AGE

    def __post_init__(self) -> None:
        if not self.groups:
            raise CampaignError("campaign.groups_missing")
        if not ELDERLY_AGE_MIN <= self.elderly_age <= ELDERLY_AGE_MAX:
            raise CampaignError("campaign.elderly_age", low=ELDERLY_AGE_MIN, high=ELDERLY_AGE_MAX)
        if not CHILD_AGE_MIN <= self.child_age <= CHILD_AGE:
            raise CampaignError("campaign.child_age", low=CHILD_AGE_MIN, high=CHILD_AGE)


def member_groups(
    rule: SelectionRule, member: MemberLike, *, child_category: bool
) -> set[CampaignGroup]:
    """The groups one member (still in the household on the rule's day) puts a household
    in; `child_category`: the household holds a children's category (roster)."""
    found: set[CampaignGroup] = set()
    if member.birth_date is not None:
        age = age_on(member.birth_date, rule.on)
        if age >= rule.elderly_age:
            found.add(CampaignGroup.ELDERLY)
        if 0 <= age < rule.child_age and member.birth_date <= rule.on:
            found.add(CampaignGroup.CHILD)
    else:
        if PersonFlag.ELDERLY_ALONE in member.flags:
            found.add(CampaignGroup.ELDERLY)
        if child_category:
            found.add(CampaignGroup.CHILD)
    if DISABILITY_FLAGS & set(member.flags):
        found.add(CampaignGroup.DISABLED)
    return found


def household_groups(
    rule: SelectionRule, household: HouseholdLike, members: Iterable[MemberLike]
) -> tuple[CampaignGroup, ...]:
    """The rule's groups a household falls in on the rule's day, in 老 幼 残 order: none
    when it is not on the register that day."""
    if not household.on_register(rule.on):
        return ()
    child_category = any(c in CHILD_CATEGORIES for c in household.categories)
    found: set[CampaignGroup] = set()
    for member in members:
        if member_on(member, rule.on):
            found |= member_groups(rule, member, child_category=child_category)
    return tuple(g for g in CampaignGroup if g in found and g in rule.groups)


class Selected(NamedTuple):
    """A household a list picks, with the groups it was picked for."""

    household_id: str
    area_code: str
    groups: tuple[CampaignGroup, ...]


def select_households(
    rule: SelectionRule,
    area_code: str,
    villages: Sequence[str],
    households: Iterable[HouseholdLike],
    members: Mapping[str, Sequence[MemberLike]],
) -> list[Selected]:
    """The households of the list's area the rule picks (`members`: household id → its
    members), in the order given."""
    out: list[Selected] = []
    for h in households:
        if not covers(area_code, villages, h.area_code):
            continue
        groups = household_groups(rule, h, members.get(h.id, ()))
        if groups:
            out.append(Selected(h.id, h.area_code, groups))
    return out


def newly_qualifying(selected: Iterable[Selected], listed: Iterable[str]) -> list[Selected]:
    """The households the list's rule picks now (`selected`, over today's register) that are
    not on the list yet (`listed`: the household ids it holds, removed ones included: a
    coordinator's removal stands). Those that no longer qualify stay: nobody is taken off
    a list because the register changed."""
    held = set(listed)
    return [s for s in selected if s.household_id not in held]


# --- progress ----------------------------------------------------------------------------


class AssignmentLike(Protocol):
    """What the progress reads of an assignment (`CampaignAssignment`)."""

    @property
    def household_id(self) -> str: ...
    @property
    def worker_id(self) -> str: ...
    @property
    def visit_id(self) -> str | None: ...
    @property
    def removed_on(self) -> date | None: ...


@dataclass(frozen=True)
class Progress:
    """How far a list has come: assigned households, those visited, those still to visit
    (overall and by worker: worker id → (assigned, visited))."""

    assigned: int
    visited: int
    by_worker: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.assigned - self.visited


def progress(assignments: Iterable[AssignmentLike]) -> Progress:
    """A household counts once however it was assigned; it is visited once a visit that
    reached someone recorded its delivery (`visit_id`); one removed from the list does not
    count at all."""
    seen: dict[str, AssignmentLike] = {}
    for a in assignments:
        if a.removed_on is not None:
            continue
        if a.household_id not in seen or (a.visit_id and not seen[a.household_id].visit_id):
            seen[a.household_id] = a
    by_worker: dict[str, tuple[int, int]] = {}
    for a in seen.values():
        assigned, visited = by_worker.get(a.worker_id, (0, 0))
        by_worker[a.worker_id] = (assigned + 1, visited + (1 if a.visit_id else 0))
    visited = sum(1 for a in seen.values() if a.visit_id)
    return Progress(len(seen), visited, by_worker)


class DeliveryLike(Protocol):
    """What the delivered totals read of an assignment (`CampaignAssignment`)."""

    @property
    def visit_id(self) -> str | None: ...
    @property
    def delivered_value_yuan(self) -> int | None: ...


def delivered_yuan(assignments: Iterable[DeliveryLike]) -> int:
    """The value in 元 the visits to these places delivered (a value not given counts 0)."""
    return sum(a.delivered_value_yuan or 0 for a in assignments if a.visit_id)


# --- changes to a list ------------------------------------------------------------------


def check_place_change(
    closed_on: date | None,
    *,
    new: bool = False,
    reassigned: bool = False,
    removed: bool = False,
    visited_on: date | None = None,
) -> None:
    """CampaignError unless a household's place may change this way on a list closed on
    `closed_on` (None: open): a closed list (已结束) takes no household, no removal and no
    change of who visits; a visit made on or before the day it closed, synced later, is
    still recorded (it happened while the list was open)."""
    if closed_on is None:
        return
    if new or reassigned or removed:
        raise CampaignError("campaign.closed")
    if visited_on is not None and visited_on > closed_on:
        raise CampaignError("campaign.closed")


def check_reopen(closed_on: date | None) -> None:
    """CampaignError unless the list is closed (已结束): reopening is allowed at any time
    (see the module's rules)."""
    if closed_on is None:
        raise CampaignError("campaign.not_closed")


def check_restore(place_removed: bool, *, held: bool) -> None:
    """CampaignError unless a household's place may be put back (放回): it was taken off
    the list, and the household holds no other place on it still (`held`)."""
    if not place_removed:
        raise CampaignError("campaign.not_removed")
    if held:
        raise CampaignError("campaign.already_listed")


def check_removal(reason: str) -> str:
    """Why a household leaves a list: not empty, at most `REMOVAL_REASON_MAX_CHARS`."""
    typed = reason.strip()
    if not typed:
        raise CampaignError("campaign.removal_reason_missing")
    if len(typed) > REMOVAL_REASON_MAX_CHARS:
        raise CampaignError("campaign.removal_reason_too_long", limit=REMOVAL_REASON_MAX_CHARS)
    return typed


# --- what a visit delivered --------------------------------------------------------------

_ITEM_SEPARATORS = re.compile(r"[、，,；;\n]+")


def parse_items(typed: str) -> list[str]:
    """The delivered items typed in one field, separated by 、，；or new lines: each at most
    `ITEM_MAX_CHARS`, at most `ITEMS_MAX` of them (CampaignError says which bound)."""
    items = [part.strip() for part in _ITEM_SEPARATORS.split(typed) if part.strip()]
    for item in items:
        if len(item) > ITEM_MAX_CHARS:
            raise CampaignError("campaign.item_too_long", limit=ITEM_MAX_CHARS)
    if len(items) > ITEMS_MAX:
        raise CampaignError("campaign.too_many_items", limit=ITEMS_MAX)
    return items


def parse_value(typed: str) -> int | None:
    """The value of what was delivered, in whole 元 (None when left empty)."""
    value = typed.strip().removesuffix("元").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise CampaignError("campaign.value_number")
    amount = int(value)
    if amount > DELIVERED_VALUE_MAX_YUAN:
        raise CampaignError("campaign.value_too_large", limit=DELIVERED_VALUE_MAX_YUAN)
    return amount


def check_name(typed: str) -> str:
    """A list's name: not empty, at most `CAMPAIGN_NAME_MAX_CHARS` characters."""
    name = typed.strip()
    if not name:
        raise CampaignError("campaign.name_missing")
    if len(name) > CAMPAIGN_NAME_MAX_CHARS:
        raise CampaignError("campaign.name_too_long", limit=CAMPAIGN_NAME_MAX_CHARS)
    return name


def check_delivered(met: bool, items: Sequence[str]) -> None:
    """A visit that met the household records what it delivered (a refusal at the door
    delivers nothing, a visit that found nobody home is not a delivery)."""
    if met and not items:
        raise CampaignError("campaign.items_missing")
