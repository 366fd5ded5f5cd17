"""Warnings (预警): what needs a person's attention in a household, by pure rules.

Each rule reads a household as it stands on `today` (its categories as `categories_on`
keeps them, its members still in it, its visits with corrections applied, its needs) and
its threshold from the policy file (`VisitPolicy.warnings`, `major_event_response_days`,
`low_income_threshold_yuan`). The device (Today, the statistics screen) and the county
server (`doorstep server report warnings`) call the same functions on the same facts, so
they give the same warnings. Only households on the register on `today` are warned about.

- `nobody_home`: the household's last N visits (any mode) all found nobody home;
- `need_idle`: a need assessed reasonable, and not matched, referred, fulfilled or closed
  N days after it was raised;
- `major_event_late`: a 重大变故 whose deadline passed with no one met at home since the
  event (it ends when someone is);
- `uplift_income`: a monitored household (监测对象), not yet 低收入, whose recorded income is
  under the uplift line, scaled to its size (家庭年总收入 < 10万元 for a household of 3,
  so 1 person: 33,333 元; 5 people: 166,666 元);
- `long_unvisited`: its last N whole visit windows, at whose ends it was on the register,
  passed without a visit that counts;
- `flag_contradicted`: a recorded flag the recorded facts contradict — 高龄独居 on a member
  whose birth date and living arrangement say otherwise, or a child's category (孤儿,
  困境儿童, 事实无人抚养儿童, 留守儿童) on a household none of whose members (all with birth
  dates) is under 18. The flag stays the roster's; the warning asks someone to check.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from app.domain.calendar import Window, previous_window, window_containing
from app.domain.codes import (
    CHILD_CATEGORIES,
    Category,
    Frequency,
    NeedStatus,
    PersonFlag,
    ServedClass,
    VisitMode,
    VisitOutcome,
)
from app.domain.identity import age_on
from app.domain.policy import (
    Requirement,
    VisitLike,
    VisitPolicy,
    categories_on,
    elderly_alone,
    major_event_deadline,
    members_on,
    qualifies,
    requirement_of,
    visit_codes,
)
from app.domain.summaries import HouseholdLike, MemberLike

ADULT_AGE = 18


class WarningKind(StrEnum):
    """The kinds of warning (预警), in the order they are listed."""

    MAJOR_EVENT_LATE = "major_event_late"  # 重大变故超时未上门
    NOBODY_HOME = "nobody_home"  # 连续多次无人在家
    LONG_UNVISITED = "long_unvisited"  # 长期未探访
    NEED_IDLE = "need_idle"  # 合理需求久未处理
    UPLIFT_INCOME = "uplift_income"  # 监测对象收入低于提低线
    FLAG_CONTRADICTED = "flag_contradicted"  # 标记与记录不符


KIND_ORDER = {kind: i for i, kind in enumerate(WarningKind)}


class AttemptLike(VisitLike, Protocol):
    """A visit as the warnings read it: a `Visit`, or a `VisitFact` with its outcome."""

    @property
    def outcome(self) -> VisitOutcome | None: ...


class NeedLike(Protocol):
    """What the warnings read of a need."""

    @property
    def id(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def status(self) -> NeedStatus: ...
    @property
    def raised_on(self) -> date: ...


@dataclass(frozen=True, slots=True)
class HouseholdWarning:
    """One warning: its kind, the household, since when it holds (None: no one day), and
    the member or need it is about (None: the household)."""

    kind: WarningKind
    household_id: str
    area_code: str
    since: date | None = None
    subject_id: str | None = None

    @property
    def sort_key(self) -> tuple[int, date, str, str]:
        return (
            KIND_ORDER[self.kind],
            self.since or date.max,
            self.household_id,
            self.subject_id or "",
        )

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind.value,
            "household_id": self.household_id,
            "area_code": self.area_code,
            "since": self.since.isoformat() if self.since else None,
            "subject_id": self.subject_id,
        }


class Rules:
    """The policy's rules for one day, with what every household shares worked out once:
    the requirement of each set of codes, and each frequency's windows. `warnings_of` makes
    one per call; `household_warnings` makes its own."""

    def __init__(self, policy: VisitPolicy, today: date) -> None:
        self.policy = policy
        self.today = today
        self._requirements: dict[tuple[Category | PersonFlag, ...], Requirement | None] = {}
        self._windows: dict[Frequency, tuple[Window, tuple[Window, ...]]] = {}

    def requirement(self, codes: tuple[Category | PersonFlag, ...]) -> Requirement | None:
        if codes not in self._requirements:
            self._requirements[codes] = requirement_of(self.policy, codes)
        return self._requirements[codes]

    def windows(self, frequency: Frequency) -> tuple[Window, tuple[Window, ...]]:
        """The window holding today, and the N whole windows before it, latest first."""
        if frequency not in self._windows:
            current = window_containing(frequency, self.today)
            before: list[Window] = []
            window = current
            for _ in range(self.policy.warnings.unvisited_windows):
                window = previous_window(frequency, window)
                before.append(window)
            self._windows[frequency] = (current, tuple(before))
        return self._windows[frequency]


def household_warnings(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    visits: Sequence[AttemptLike],
    needs: Iterable[NeedLike],
    today: date,
    rules: Rules | None = None,
) -> list[HouseholdWarning]:
    """Every warning of one household on `today`, in list order. `visits` are the
    household's visits (an amended one is left out when its correction is among them),
    any order."""
    if not household.on_register(today):
        return []
    rules = rules or Rules(policy, today)
    members = members_on(members, today)
    held = categories_on(policy, household, today)
    past = [v for v in uncorrected(visits) if v.visited_at.date() <= today]
    found: list[HouseholdWarning] = []

    def add(kind: WarningKind, since: date | None, subject: str | None = None) -> None:
        found.append(HouseholdWarning(kind, household.id, household.area_code, since, subject))

    for person in members:
        late = major_event_late(policy, person, past, today)
        if late is not None:
            add(WarningKind.MAJOR_EVENT_LATE, late, person.id)
    since = nobody_home_since(policy, past)
    if since is not None:
        add(WarningKind.NOBODY_HOME, since)
    codes = visit_codes(policy, household, members, today)
    since = unvisited_since(rules, household, rules.requirement(codes), past)
    if since is not None:
        add(WarningKind.LONG_UNVISITED, since)
    for need in needs:
        since = need_idle_since(policy, need, today)
        if since is not None:
            add(WarningKind.NEED_IDLE, since, need.id)
    if under_uplift_line(policy, household, members, today, held):
        add(WarningKind.UPLIFT_INCOME, None)
    for person in members:
        if elderly_flag_contradicted(policy, person, today):
            add(WarningKind.FLAG_CONTRADICTED, None, person.id)
    if child_category_contradicted(policy, household, members, today, held):
        add(WarningKind.FLAG_CONTRADICTED, None)
    if len(found) > 1:
        found.sort(key=lambda w: w.sort_key)
    return found


def _by_time(visit: VisitLike) -> tuple[datetime, str]:
    return (visit.visited_at, visit.id)


def major_event_late(
    policy: VisitPolicy, person: MemberLike, visits: Iterable[VisitLike], today: date
) -> date | None:
    """The first day a member's 重大变故 is late (its deadline's next day), if its deadline
    passed before `today` and no one was met at home from the event's day until today."""
    deadline = major_event_deadline(policy, person)
    if deadline is None or person.major_event_date is None or deadline >= today:
        return None
    event_day = person.major_event_date
    answered = any(
        v.mode == VisitMode.HOME and v.is_contact and event_day <= v.visited_at.date() <= today
        for v in visits
    )
    return None if answered else deadline + timedelta(days=1)


def nobody_home_since(policy: VisitPolicy, visits: Iterable[AttemptLike]) -> date | None:
    """The day of the first of the last N visits (by time, any order in `visits`) when all
    N found nobody home; None otherwise."""
    n = policy.warnings.nobody_home_attempts
    held = visits if isinstance(visits, list) else list(visits)
    if sum(v.outcome == VisitOutcome.NOBODY_HOME for v in held) < n:
        return None  # most households: no need to order their visits
    last = heapq.nlargest(n, held, key=_by_time)
    if len(last) < n or any(v.outcome != VisitOutcome.NOBODY_HOME for v in last):
        return None
    return last[-1].visited_at.date()


def unvisited_since(
    rules: Rules,
    household: HouseholdLike,
    requirement: Requirement | None,
    visits: Iterable[VisitLike],
) -> date | None:
    """The first day of the current window when the household's last N whole windows (of
    its frequency on the day), at whose ends it was on the register, all passed without a
    visit that counts; None otherwise (or when it has no visit rule)."""
    if requirement is None:
        return None
    current, before = rules.windows(requirement.frequency)
    if not all(household.on_register(w.end) for w in before):
        return None
    first = before[-1].start if before else current.start
    if any(qualifies(v, requirement) and v.visited_at.date() >= first for v in visits):
        return None
    return current.start


def need_idle_since(policy: VisitPolicy, need: NeedLike, today: date) -> date | None:
    """The day a need assessed reasonable (合理) and not acted on since becomes idle: N days
    after it was raised; None if that day is still to come or the need moved on."""
    if need.status != NeedStatus.REASONABLE:
        return None
    since = need.raised_on + timedelta(days=policy.warnings.need_idle_days)
    return since if since <= today else None


def uplift_line(policy: VisitPolicy, size: int) -> float:
    """The yearly income under which a household of `size` people is 低收入 (提低)."""
    return policy.low_income_threshold_yuan * max(size, 1) / policy.low_income_household_size


def under_uplift_line(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    today: date,
    held: Sequence[Category] | None = None,
) -> bool:
    """A monitored household, not yet 低收入, whose recorded yearly income is under the
    uplift line for its current size (`uplift_line`). `held`: its categories on `today`
    (`categories_on`), if already known."""
    income = household.annual_income_yuan
    if income is None:
        return False
    held = categories_on(policy, household, today) if held is None else held
    if Category.LOW_INCOME in held or not any(
        c.served_class == ServedClass.MONITORED for c in held
    ):
        return False
    return income * policy.low_income_household_size < policy.low_income_threshold_yuan * max(
        len(members), 1
    )


def elderly_flag_contradicted(policy: VisitPolicy, person: MemberLike, today: date) -> bool:
    """高龄独居 is recorded, and the member's birth date and living arrangement say not."""
    return (
        PersonFlag.ELDERLY_ALONE in person.flags and elderly_alone(policy, person, today) is False
    )


def child_category_contradicted(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    today: date,
    held: Sequence[Category] | None = None,
) -> bool:
    """A child's category is held, and every member has a birth date, none under 18."""
    held = categories_on(policy, household, today) if held is None else held
    if not any(c in CHILD_CATEGORIES for c in held):
        return False
    if not members or any(p.birth_date is None for p in members):
        return False
    return all(age_on(p.birth_date, today) >= ADULT_AGE for p in members if p.birth_date)


def warnings_of(
    policy: VisitPolicy,
    households: Iterable[HouseholdLike],
    members: Mapping[str, Sequence[MemberLike]],
    visits: Mapping[str, Sequence[AttemptLike]],
    needs: Mapping[str, Sequence[NeedLike]],
    today: date,
) -> list[HouseholdWarning]:
    """Every warning of `households` on `today` (members, visits and needs by household id;
    visits with corrections applied), households in the order given."""
    rules = Rules(policy, today)
    out: list[HouseholdWarning] = []
    for household in households:
        hid = household.id
        out += household_warnings(
            policy,
            household,
            members.get(hid, ()),
            visits.get(hid, ()),
            needs.get(hid, ()),
            today,
            rules,
        )
    return out


def uncorrected(visits: Iterable[AttemptLike]) -> list[AttemptLike]:
    """`visits` without those a correction (修正) replaced."""
    held = list(visits)
    amended = {v.amends_visit_id for v in held if v.amends_visit_id is not None}
    return [v for v in held if v.id not in amended] if amended else held


@dataclass(frozen=True, slots=True)
class WarningRow:
    """One line of the warning counts: an area and how many of each kind it holds."""

    key: str
    name: str
    counts: Mapping[WarningKind, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "total": self.total,
            **{kind.value: self.counts.get(kind, 0) for kind in WarningKind},
        }


def count_by_area(
    warnings: Iterable[HouseholdWarning], digits: int, names: Mapping[str, str] | None = None
) -> tuple[WarningRow, tuple[WarningRow, ...]]:
    """The warnings counted overall and per area (`digits` 6: county, 9: township, 12:
    village), areas by code; a row's name from `names` (by the code, or padded to 12)."""
    names = names or {}
    overall: dict[WarningKind, int] = dict.fromkeys(WarningKind, 0)
    rows: dict[str, dict[WarningKind, int]] = {}
    for item in warnings:
        overall[item.kind] += 1
        key = item.area_code[:digits]
        row = rows.setdefault(key, dict.fromkeys(WarningKind, 0))
        row[item.kind] += 1
    return WarningRow("", "", overall), tuple(
        WarningRow(key, names.get(key) or names.get(key.ljust(12, "0")) or key, rows[key])
        for key in sorted(rows)
    )
