"""Visit-frequency policy (探访关爱 rules): data from assets/policy, applied by pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.calendar import Window, next_window, previous_window, window_containing
from app.domain.codes import Category, Frequency, PersonFlag, VisitMode
from app.domain.summaries import HouseholdLike, MemberLike

M = TypeVar("M", bound=MemberLike)


class FrequencyRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    who: list[Category | PersonFlag] = Field(min_length=1)
    frequency: Frequency
    modes: list[VisitMode] = Field(min_length=1)


class VisitPolicy(BaseModel):
    """A county's policy file; every number DOMAIN.md marks "default" lives here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    description: str = ""
    rules: list[FrequencyRule]
    major_event_response_days: int = Field(3, ge=0, le=90)
    due_soon_days: int = Field(7, ge=0, le=90)
    elderly_age: int = Field(80, ge=50, le=120)
    wish_value_cap_yuan: int = Field(500, ge=0)
    open_wishes_per_household: int = Field(1, ge=1)
    wish_claim_contact_days: int = Field(7, ge=1)
    # Open claims one phone may hold on the public wish board at a time.
    wish_open_claims_per_phone: int = Field(3, ge=1)
    low_income_threshold_yuan: int = Field(100_000, ge=0)
    idle_lock_minutes: int = Field(5, ge=1, le=240)
    # A roster import marking more than this share (%) of a township as left asks first.
    roster_leavers_confirm_percent: float = Field(5, ge=0, le=100)

    @model_validator(mode="after")
    def _each_code_once(self) -> VisitPolicy:
        seen: set[str] = set()
        for rule in self.rules:
            for who in rule.who:
                if who in seen:
                    raise ValueError(f"policy names {who!s} in more than one rule")
                seen.add(who)
        return self

    def rule_for(self, code: Category | PersonFlag) -> FrequencyRule | None:
        return next((r for r in self.rules if code in r.who), None)


@dataclass(frozen=True)
class Requirement:
    """What a household needs: the window type and the visit modes that count in it."""

    frequency: Frequency
    modes: frozenset[VisitMode]
    reasons: tuple[str, ...]  # the category / flag codes that set the frequency


def member_on(person: MemberLike, on: date | None) -> bool:
    """Still a member of the household at the end of day `on`: a person who left the
    register (no longer listed on the roster) on or before that day is not. `on` None
    reads the records as they stand: whoever has a leaving day has left."""
    left = person.left_on
    return left is None or (on is not None and left > on)


def members_on(members: Iterable[M], on: date | None) -> list[M]:
    """The members still in the household at the end of day `on` (see `member_on`)."""
    return [p for p in members if member_on(p, on)]


def requirement_for(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    on: date | None = None,
) -> Requirement | None:
    """The strictest frequency among the household's categories and its members' flags.

    Members who left on or before `on` (see `member_on`) do not count. When several codes
    share the strictest frequency, only modes that count for all of them count. None
    means the household has no rule (it is not due for care visits).
    """
    codes: list[Category | PersonFlag] = list(household.categories)
    for person in members:
        if member_on(person, on):
            codes.extend(person.flags)
    rules = [(code, rule) for code in codes if (rule := policy.rule_for(code)) is not None]
    if not rules:
        return None
    strictest = min(rule.frequency.rank for _, rule in rules)
    chosen = [(code, rule) for code, rule in rules if rule.frequency.rank == strictest]
    modes = frozenset.intersection(*(frozenset(rule.modes) for _, rule in chosen))
    reasons = tuple(dict.fromkeys(str(code) for code, _ in chosen))
    return Requirement(chosen[0][1].frequency, modes, reasons)


class VisitLike(Protocol):
    """What the visit rules and reports read of a visit: a `Visit` record, or a lighter
    `coverage.VisitFact` built from a database row."""

    @property
    def id(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def visited_at(self) -> datetime: ...
    @property
    def mode(self) -> VisitMode: ...
    @property
    def is_contact(self) -> bool: ...
    @property
    def worker_id(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def amends_visit_id(self) -> str | None: ...


def qualifies(visit: VisitLike, requirement: Requirement) -> bool:
    """A visit counts if it reached someone (met, or refused at the door) in a mode that counts."""
    return visit.is_contact and visit.mode in requirement.modes


class Urgency(StrEnum):
    MAJOR_EVENT = "major_event"  # a major event awaits its home visit
    OVERDUE = "overdue"  # a whole window passed without a qualifying visit
    DUE = "due"  # nothing yet in the current window
    DUE_SOON = "due_soon"  # nothing yet and the window ends within due_soon_days
    DONE = "done"  # the current window already has its visit


@dataclass(frozen=True)
class VisitStatus:
    requirement: Requirement
    urgency: Urgency
    due_by: date
    last_visit: date | None
    major_event_due: date | None = None

    def days_since_last(self, today: date) -> int | None:
        return (today - self.last_visit).days if self.last_visit else None


def major_event_deadline(policy: VisitPolicy, person: MemberLike) -> date | None:
    """A major event needs a home visit within N days of the event or of its recording."""
    if PersonFlag.MAJOR_EVENT not in person.flags or person.major_event_date is None:
        return None
    start = max(person.major_event_date, person.major_event_recorded_on or date.min)
    return start + timedelta(days=policy.major_event_response_days)


def visit_status(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    visits: Sequence[VisitLike],
    today: date,
) -> VisitStatus | None:
    """When the household's next visit is due, and how urgent it is today.

    Members who left on or before `today` neither set the frequency nor call for a visit.
    """
    members = members_on(members, today)
    requirement = requirement_for(policy, household, members, today)
    if requirement is None:
        return None
    days = sorted(v.visited_at.date() for v in visits if qualifies(v, requirement))
    last = days[-1] if days else None
    current = window_containing(requirement.frequency, today)
    visited_now = last is not None and last >= current.start

    event_due: date | None = None
    for person in members:
        deadline = major_event_deadline(policy, person)
        if deadline is None or person.major_event_date is None:
            continue
        event_day = person.major_event_date
        answered = any(
            v.mode == VisitMode.HOME and v.is_contact and v.visited_at.date() >= event_day
            for v in visits
        )
        if not answered and (event_due is None or deadline < event_due):
            event_due = deadline

    if event_due is not None:
        return VisitStatus(requirement, Urgency.MAJOR_EVENT, event_due, last, event_due)
    if visited_now:
        due_by = next_window(requirement.frequency, current).end
        return VisitStatus(requirement, Urgency.DONE, due_by, last)
    if _missed(requirement.frequency, current, last, household):
        return VisitStatus(requirement, Urgency.OVERDUE, current.end, last)
    soon = (current.end - today).days <= policy.due_soon_days
    return VisitStatus(requirement, Urgency.DUE_SOON if soon else Urgency.DUE, current.end, last)


def _missed(freq: Frequency, current: Window, last: date | None, household: HouseholdLike) -> bool:
    """The previous window ended, with the household on the register, without a visit."""
    prev = previous_window(freq, current)
    if not household.on_register(prev.end):
        return False
    return last is None or last < prev.start


URGENCY_ORDER = {
    Urgency.MAJOR_EVENT: 0,
    Urgency.OVERDUE: 1,
    Urgency.DUE_SOON: 2,
    Urgency.DUE: 3,
    Urgency.DONE: 4,
}
