"""在册对象探访关爱率 (visit coverage) and 重大变故响应率, computed once for device and server.

The definition is DOMAIN.md's "Coverage": for a report period P and a household h whose
window type W(h) and counting modes follow its categories and members' flags, the
counted windows are those of type W(h) that end inside P and at whose end h was on the
register; h is due if one window counts, covered if every counted window holds a
qualifying visit; overdue households are listed with their last qualifying visit.

Readings of DOMAIN.md written down here:

- 在册对象探访关爱率 counts households holding at least one category of the registered
  class (特困, 低保, 低保边缘, 孤儿, 困境儿童); their window still follows every category
  and flag they hold (a 低保 household with a member living alone at 85 is weekly).
  `classes=None` runs the same computation for every household that has a visit rule.
- The records passed in are taken as they stood at the end of P: the domain keeps no
  history of categories and flags, only of the register (`registered_on`, `left_on`).
- A member who left the household (`Person.left_on`, set by the roster import) on or
  before the last day counted (P's end, or `as_of`) does not set its window; an event
  of a member who had left by the day it started is not counted as 重大变故.
- A visit corrected by an amendment (`amends_visit_id`) is replaced by the amendment.
- The last qualifying visit of an overdue household is the latest on or before P's end.
- The worker responsible for a household is `responsible[household_id]`, else the
  visiting worker of its latest visit; the team is `worker_teams[worker]`, else the team
  recorded on that worker's latest visit to the household.

P is a `calendar.Period`, parsed once by the entry point (text is still accepted).
`assess` yields each due household once; `coverage_by` adds them up per breakdown.
`may_be_due` is the same rule read ahead of the visits: the households whose kind of
window has one ending in P, and the first day from which their visits can count, so a
caller reading from storage (the county server) leaves the others out before the
heavy reads.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from app.domain.areas import COUNTIES
from app.domain.calendar import Period, Window, as_period, windows_ending_in
from app.domain.codes import (
    CONTACT_OUTCOMES,
    Category,
    Frequency,
    PersonFlag,
    ServedClass,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.errors import DoorstepError
from app.domain.policy import (
    Requirement,
    VisitLike,
    VisitPolicy,
    categories_on,
    major_event_deadline,
    member_flags,
    member_on,
    qualifies,
    requirement_of,
    visit_codes,
)
from app.domain.records import Delivery, Need, Referral, Wish
from app.domain.summaries import HouseholdLike, MemberLike

REGISTERED_ONLY: frozenset[ServedClass] = frozenset({ServedClass.REGISTERED})
UNASSIGNED = "unassigned"  # row key of households with no worker, team or category


class Breakdown(StrEnum):
    """The ways a report is broken down (分组统计)."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    WORKER = "worker"
    TEAM = "team"
    CATEGORY = "category"


class InvalidBreakdown(DoorstepError, ValueError):
    """A breakdown is one of county, township, village, worker, team, category."""

    default_code = "breakdown.invalid"


def parse_breakdown(value: str | Breakdown | None) -> Breakdown | None:
    """The breakdown named by `value`; None or "" means the overall figure only."""
    if value is None or value == "":
        return None
    try:
        return Breakdown(str(value).strip().lower())
    except ValueError:
        choices = "、".join(b.value for b in Breakdown)
        raise InvalidBreakdown("breakdown.invalid", value=value, choices=choices) from None


@dataclass(frozen=True, slots=True)
class Measure:
    """What a report counts: its code and the JSON keys of its figures.

    The words people read (title, headers) are the UI catalogue's, by `code`
    (`app.ui.catalogue.measure_label`).
    """

    code: str
    count_key: str
    total_key: str | None = None  # None for a plain count with no rate


COVERAGE = Measure("visit_coverage", "covered", "due")
MAJOR_EVENT_RESPONSE = Measure("major_event_response", "answered", "events")


@dataclass(frozen=True, slots=True)
class Tally:
    """A numerator over a denominator (`total` None for a plain count)."""

    count: int
    total: int | None = None

    @property
    def rate(self) -> float | None:
        """count / total as a float 0..1; None when nothing was due."""
        if not self.total:
            return None
        return self.count / self.total

    def to_json(self, measure: Measure) -> dict[str, Any]:
        if measure.total_key is None:
            return {measure.count_key: self.count}
        return {measure.total_key: self.total, measure.count_key: self.count, "rate": self.rate}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a breakdown: an area, worker, team or category and its tally."""

    key: str
    name: str
    tally: Tally

    def to_json(self, measure: Measure) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, **self.tally.to_json(measure)}


@dataclass(frozen=True, slots=True)
class OverdueHousehold:
    """A household due but not covered in the period (逾期未探访)."""

    household_id: str
    area_code: str
    worker_id: str | None
    last_visit: date | None  # the latest qualifying visit on or before the period's end
    requirement: Requirement | None = None  # what the household needed: reasons, frequency
    windows: tuple[Window, ...] = ()  # its visit windows counted in the period

    def to_json(self) -> dict[str, Any]:
        last = self.last_visit.isoformat() if self.last_visit else None
        return {"household_id": self.household_id, "last_visit": last}


@dataclass(frozen=True)
class Report:
    """A measured indicator for a period, overall and broken down."""

    measure: Measure
    period: str
    window: Window
    by: Breakdown | None
    overall: Tally
    rows: tuple[Row, ...] = ()
    overdue: tuple[OverdueHousehold, ...] | None = None  # coverage reports only

    def to_json(self) -> dict[str, Any]:
        """The report's JSON; a coverage report has exactly period, overall, rows, overdue."""
        out: dict[str, Any] = {"period": self.period}
        if self.measure is not COVERAGE:
            out["indicator"] = self.measure.code
        out["overall"] = self.overall.to_json(self.measure)
        out["rows"] = [row.to_json(self.measure) for row in self.rows]
        if self.overdue is not None:
            out["overdue"] = [item.to_json() for item in self.overdue]
        return out


_CONTACT: dict[str, bool] = {o.value: o in CONTACT_OUTCOMES for o in VisitOutcome}


_MODES: dict[str, VisitMode] = {m.value: m for m in VisitMode}
_OUTCOMES: dict[str, VisitOutcome] = {o.value: o for o in VisitOutcome}


def visit_mode(code: str) -> VisitMode:
    """ "home" -> VisitMode.HOME, fast; KeyError for a code that is not a mode."""
    return _MODES[code]


class VisitFact(NamedTuple):
    """A visit reduced to what reports read, for callers that skip pydantic (the server's
    SQL rows, the device's visit-facts snapshot).

    A tuple, so that building tens of thousands of them stays cheap. Build it from a row
    with `VisitFact.of(...)`; `Visit` records work as they are.
    """

    household_id: str
    visited_at: datetime
    mode: VisitMode
    is_contact: bool
    worker_id: str
    team: str
    id: str = ""
    amends_visit_id: str | None = None
    outcome: VisitOutcome | None = None  # read by the warnings ("nobody home" in a row)

    @classmethod
    def of(
        cls,
        household_id: str,
        visited_at: datetime,
        mode: str,
        outcome: str,
        worker_id: str,
        team: str,
        id: str = "",
        amends_visit_id: str | None = None,
    ) -> VisitFact:
        """Raises KeyError for a mode or outcome that is not one of the codes."""
        return cls(
            household_id,
            visited_at,
            _MODES[mode],
            _CONTACT[outcome],
            worker_id,
            team,
            id,
            amends_visit_id,
            _OUTCOMES[outcome],
        )


@dataclass(frozen=True, slots=True)
class VisitDigest:
    """A household's visits that reached someone, reduced per mode to the calendar buckets
    holding one — ISO weeks (by their Monday) and months (by their first day) — and the
    latest day: all that coverage asks of them, since every window is an ISO week or a run
    of whole months. The county server builds it in SQL, one row per household and mode,
    where reading each of a year's million visits would cost more than the report; `Case`
    answers from it exactly as from the visits it stands for (the parity tests check it).
    """

    weeks: Mapping[VisitMode, frozenset[date]]
    months: Mapping[VisitMode, frozenset[date]]
    latest: Mapping[VisitMode, date]

    def visited_in(self, window: Window, requirement: Requirement) -> bool:
        if requirement.frequency == Frequency.WEEKLY:
            return any(window.start in self.weeks.get(m, ()) for m in requirement.modes)
        starts = month_starts(window)
        return any(not starts.isdisjoint(self.months.get(m, ())) for m in requirement.modes)

    def last_qualifying(self, requirement: Requirement, until: date) -> date | None:
        days = [d for m in requirement.modes if (d := self.latest.get(m)) and d <= until]
        return max(days, default=None)

    def covers(self, windows: tuple[Window, ...], requirement: Requirement) -> bool:
        """Every one of `windows` holds a visit in a mode that counts."""
        weekly = requirement.frequency == Frequency.WEEKLY
        by_bucket = self.weeks if weekly else self.months
        modes = requirement.modes
        if len(modes) == 1:  # the sets are shared between households: so is the answer
            (mode,) = modes
            held = by_bucket.get(mode, _NONE)
        else:
            held = frozenset().union(*(by_bucket.get(m, ()) for m in modes))
        return _buckets_cover(held, windows, weekly)


_NONE: frozenset[date] = frozenset()


@lru_cache(maxsize=4096)
def _buckets_cover(held: frozenset[date], windows: tuple[Window, ...], weekly: bool) -> bool:
    """Each window holds a bucket of `held`: its ISO week's Monday, or one of its months."""
    if weekly:
        return all(w.start in held for w in windows)
    return all(not month_starts(w).isdisjoint(held) for w in windows)


@cache
def month_starts(window: Window) -> frozenset[date]:
    """The first days of the months a window spans."""
    out = []
    year, month = window.start.year, window.start.month
    while date(year, month, 1) <= window.end:
        out.append(date(year, month, 1))
        year, month = year + month // 12, month % 12 + 1
    return frozenset(out)


@dataclass(slots=True)
class Case:
    """One household with its members and its visits, sorted and with corrections applied
    (and, on the server, a digest of the visits of the period instead of most of them)."""

    household: HouseholdLike
    members: list[MemberLike] = field(default_factory=list)
    visits: list[VisitLike] = field(default_factory=list)
    days: list[date] = field(default_factory=list)  # visit dates, parallel to `visits`
    worker: str | None = None
    team: str | None = None
    digest: VisitDigest | None = None

    def served(self, classes: Collection[ServedClass] | None) -> bool:
        if classes is None:
            return True
        return any(c.served_class in classes for c in self.household.categories)

    def last_qualifying(self, requirement: Requirement, until: date) -> date | None:
        found = None
        i = bisect_right(self.days, until) - 1
        while i >= 0:
            if qualifies(self.visits[i], requirement):
                found = self.days[i]
                break
            i -= 1
        if self.digest is not None:
            digested = self.digest.last_qualifying(requirement, until)
            if digested is not None and (found is None or digested > found):
                found = digested
        return found

    def covered(self, windows: tuple[Window, ...], requirement: Requirement) -> bool:
        """Every one of `windows` holds a qualifying visit."""
        if self.digest is not None and not self.visits:
            return self.digest.covers(windows, requirement)
        return all(self.visited_in(w, requirement) for w in windows)

    def visited_in(self, window: Window, requirement: Requirement) -> bool:
        if self.digest is not None and self.digest.visited_in(window, requirement):
            return True
        lo = bisect_left(self.days, window.start)
        hi = bisect_right(self.days, window.end)
        return any(qualifies(self.visits[i], requirement) for i in range(lo, hi))

    def answered_at_home(self, first: date, last: date) -> bool:
        lo = bisect_left(self.days, first)
        hi = bisect_right(self.days, last)
        return any(
            self.visits[i].mode == VisitMode.HOME and self.visits[i].is_contact
            for i in range(lo, hi)
        )


class Caseload:
    """The records a report reads, grouped by household once so that reports are linear.

    Build it once from plain domain records (the device from its store, the server from
    its database) and ask it for as many periods and breakdowns as needed. Visits of
    households not passed in are ignored.
    """

    def __init__(
        self,
        households: Iterable[HouseholdLike],
        persons: Iterable[MemberLike] = (),
        visits: Iterable[VisitLike] = (),
        needs: Iterable[Need] = (),
        wishes: Iterable[Wish] = (),
        referrals: Iterable[Referral] = (),
        *,
        deliveries: Iterable[Delivery] = (),
        responsible: Mapping[str, str] | None = None,
        worker_teams: Mapping[str, str] | None = None,
        digests: Mapping[str, VisitDigest] | None = None,
    ) -> None:
        self.cases: dict[str, Case] = {h.id: Case(h) for h in households}
        for hid, digest in (digests or {}).items():
            if hid in self.cases:
                self.cases[hid].digest = digest
        cases = self.cases
        for person in persons:
            case = cases.get(person.household_id)
            if case is not None:
                case.members.append(person)
        groups: dict[str, list[VisitLike]] = {hid: case.visits for hid, case in cases.items()}
        amended: dict[str, set[str]] = defaultdict(set)
        for visit in visits:
            group = groups.get(visit.household_id)
            if group is not None:
                group.append(visit)
                if visit.amends_visit_id is not None:
                    amended[visit.household_id].add(visit.amends_visit_id)
        for hid, ids in amended.items():
            cases[hid].visits = [v for v in cases[hid].visits if v.id not in ids]
        # Ties on the minute are broken by record id (UUIDv7: the later record is later), so
        # the last visitor does not depend on the order the records arrive in.
        by_time = attrgetter("visited_at", "id", "worker_id")
        responsible = responsible or {}
        worker_teams = worker_teams or {}
        for hid, case in cases.items():
            visits_ = case.visits
            if len(visits_) > 1:
                visits_.sort(key=by_time)
            case.days = [v.visited_at.date() for v in visits_]
            worker = responsible.get(hid) or (visits_[-1].worker_id if visits_ else None)
            case.worker = worker
            case.team = worker_teams.get(worker or "") or next(
                (str(v.team) for v in reversed(visits_) if v.worker_id == worker), None
            )
        self.needs = list(needs)
        self.wishes = list(wishes)
        self.referrals = list(referrals)
        self.deliveries = list(deliveries)

    def missed(self, item: OverdueHousehold) -> int:
        """How many of an overdue household's counted windows hold no qualifying visit
        (asked per household shown, not for every report: it reads each window)."""
        case = self.cases.get(item.household_id)
        if case is None or item.requirement is None:
            return 0
        requirement = item.requirement
        return sum(not case.visited_in(w, requirement) for w in item.windows)

    def keys(
        self,
        case: Case | None,
        area_code: str,
        by: Breakdown,
        classes: Collection[ServedClass] | None,
    ) -> list[str]:
        """The row keys a household (or a record of an unknown household) counts under."""
        if by == Breakdown.COUNTY:
            return [area_code[:6]]
        if by == Breakdown.TOWNSHIP:
            return [area_code[:9]]
        if by == Breakdown.VILLAGE:
            return [area_code]
        if case is None:
            return [UNASSIGNED]
        if by == Breakdown.WORKER:
            return [case.worker or UNASSIGNED]
        if by == Breakdown.TEAM:
            return [case.team or UNASSIGNED]
        cats = [
            str(c)
            for c in dict.fromkeys(case.household.categories)
            if classes is None or c.served_class in classes
        ]
        return cats or [UNASSIGNED]


class Tallies:
    """Adds up counts overall and per row key; rows come out named and in a stable order."""

    def __init__(self, by: Breakdown | None) -> None:
        self.by = by
        self.count = 0
        self.total = 0
        self.rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, keys: Iterable[str], count: int, total: int = 1) -> None:
        self.count += count
        self.total += total
        for key in keys:
            row = self.rows[key]
            row[0] += count
            row[1] += total

    def overall(self, with_total: bool = True) -> Tally:
        return Tally(self.count, self.total if with_total else None)

    def named_rows(
        self, names: Mapping[str, str] | None, with_total: bool = True
    ) -> tuple[Row, ...]:
        return tuple(
            Row(
                key,
                row_name(self.by, key, names),
                Tally(self.rows[key][0], self.rows[key][1] if with_total else None),
            )
            for key in sort_keys(self.by, self.rows)
        )


def sort_keys(by: Breakdown | None, keys: Iterable[str]) -> list[str]:
    """Areas and workers by code, teams and categories in the codes' order, unassigned last."""
    order: dict[str, int] = {}
    if by == Breakdown.TEAM:
        order = {t.value: i for i, t in enumerate(Team)}
    elif by == Breakdown.CATEGORY:
        order = {c.value: i for i, c in enumerate(Category)}
    return sorted(keys, key=lambda k: (k == UNASSIGNED, order.get(k, len(order)), k))


def row_name(by: Breakdown | None, key: str, names: Mapping[str, str] | None) -> str:
    """A row's display name: from `names` (areas by 6/9/12-digit code, workers by id,
    teams, categories and UNASSIGNED by code as the UI's catalogue names them), else the
    code."""
    names = names or {}
    if key in names:
        return names[key]
    if by in (Breakdown.COUNTY, Breakdown.TOWNSHIP, Breakdown.VILLAGE):
        return names.get(key.ljust(12, "0")) or COUNTIES.get(key) or key
    return key


def overdue_order(item: OverdueHousehold) -> tuple[Any, ...]:
    """The overdue list's order: never visited first, then the longest ago, by area."""
    return (
        item.last_visit is not None,
        item.last_visit or date.min,
        item.area_code,
        item.household_id,
    )


class Assessment(NamedTuple):
    """A household due in a period: its requirement, the windows counted, whether covered."""

    case: Case
    requirement: Requirement
    windows: tuple[Window, ...]
    covered: bool


def assess(
    caseload: Caseload,
    period: Period | str,
    *,
    policy: VisitPolicy,
    classes: Collection[ServedClass] | None = REGISTERED_ONLY,
    as_of: date | None = None,
    within: str = "",
) -> Iterator[Assessment]:
    """Each household of `caseload` due in `period` (DOMAIN.md's "Coverage"), assessed once.

    `as_of` (a period still in progress) counts only the windows ended by that day; by
    default every window ending in the period counts. `within` keeps the households whose
    area code starts with it. Raises InvalidPeriod for a period it cannot read.
    """
    period = as_period(period)
    until = period.until(as_of)
    windows: dict[Frequency, list[Window]] = {
        freq: [w for w in windows_ending_in(freq, period.window) if w.end <= until]
        for freq in Frequency
    }
    requirements: dict[tuple[Any, ...], Requirement | None] = {}
    registered: dict[tuple[Any, ...], tuple[Window, ...]] = {}  # counted, by register dates
    for case in caseload.cases.values():
        household = case.household
        if not case.served(classes) or not household.area_code.startswith(within):
            continue
        codes = visit_codes(policy, household, case.members, until)
        if codes in requirements:
            requirement = requirements[codes]
        else:
            requirement = requirements[codes] = requirement_of(policy, codes)
        if requirement is None:
            continue
        register = (
            requirement.frequency,
            household.register_status,
            household.registered_on,
            household.left_on,
        )
        counted = registered.get(register)
        if counted is None:
            on_register = household.on_register
            freq_windows = windows[requirement.frequency]
            counted = registered[register] = tuple(w for w in freq_windows if on_register(w.end))
        if counted:
            yield Assessment(case, requirement, counted, case.covered(counted, requirement))


def earliest_counted_day(period: Period) -> date:
    """The first day of the earliest window, of any frequency, that ends inside `period`:
    no visit before it falls in a window a report of the period counts."""
    starts = [w.start for f in Frequency for w in windows_ending_in(f, period.window)]
    return min(starts, default=period.window.start)


@dataclass(frozen=True)
class MayBeDue:
    """The households that may be due in a period (`may_be_due`), with what else it found."""

    households: list[HouseholdLike]
    persons: list[MemberLike]  # the members of those households
    starts: dict[str, date]  # household -> first day of its earliest counted window
    weekly: set[str]  # the households whose windows are ISO weeks


def may_be_due(
    households: Sequence[HouseholdLike],
    persons: Sequence[MemberLike],
    period: Period,
    *,
    policy: VisitPolicy,
    as_of: date | None = None,
) -> MayBeDue:
    """The households whose kind of window has one ending in `period` by `as_of`, their
    members, for each the first day of its earliest such window, and the weekly ones.

    Only they can be due (DOMAIN.md: a quarterly household is not due in October), and
    only visits from that day on can fall in a window that counts, so a caller that reads
    visits from storage can leave the others out before the heavy work. The kind follows
    `requirement_for` over the members still in the household on the last day counted, as
    `assess` reads it; whether a household was on the register is left to `assess`.
    """
    until = period.until(as_of)
    firsts: dict[Frequency, date] = {}
    for frequency in Frequency:
        counted = [w.start for w in windows_ending_in(frequency, period.window) if w.end <= until]
        if counted:
            firsts[frequency] = counted[0]
    flags: dict[str, list[PersonFlag]] = defaultdict(list)
    for person in persons:
        if member_on(person, until):
            flags[person.household_id].extend(member_flags(policy, person, until))
    kinds: dict[tuple[Any, ...], tuple[date | None, bool]] = {}
    kept: list[HouseholdLike] = []
    starts: dict[str, date] = {}
    weekly: set[str] = set()
    for household in households:
        codes = (*categories_on(policy, household, until), *flags.get(household.id, ()))
        if codes not in kinds:
            requirement = requirement_of(policy, codes)
            kinds[codes] = (
                (firsts.get(requirement.frequency), requirement.frequency == Frequency.WEEKLY)
                if requirement
                else (None, False)
            )
        start, by_week = kinds[codes]
        if start is not None:
            kept.append(household)
            starts[household.id] = start
            if by_week:
                weekly.add(household.id)
    return MayBeDue(kept, [p for p in persons if p.household_id in starts], starts, weekly)


def coverage_by(
    caseload: Caseload,
    period: Period | str,
    breakdowns: Sequence[str | Breakdown | None],
    *,
    policy: VisitPolicy,
    classes: Collection[ServedClass] | None = REGISTERED_ONLY,
    names: Mapping[str, str] | None = None,
    as_of: date | None = None,
    within: str = "",
) -> list[Report]:
    """在册对象探访关爱率 for `period` once per breakdown, assessing each household once.

    `period` is a Period, or its text: 2026-11, 2026-Q4, 2026-H2 or 2026. `as_of` (a
    period still in progress) counts only the windows ended by that day; by default every
    window ending in the period counts, as DOMAIN.md defines. `within` keeps the households
    whose area code starts with it (an area chosen in a drill-down). Raises InvalidPeriod
    or InvalidBreakdown.
    """
    period = as_period(period)
    parsed = [parse_breakdown(b) for b in breakdowns]
    until = period.until(as_of)
    tallies = [Tallies(b) for b in parsed]
    overdue: list[OverdueHousehold] = []
    assessed = assess(caseload, period, policy=policy, classes=classes, as_of=as_of, within=within)
    for case, requirement, counted, covered in assessed:
        area_code = case.household.area_code
        for t in tallies:
            keys = caseload.keys(case, area_code, t.by, classes) if t.by else ()
            t.add(keys, int(covered))
        if not covered:
            last = case.last_qualifying(requirement, until)
            overdue.append(
                OverdueHousehold(
                    case.household.id, area_code, case.worker, last, requirement, counted
                )
            )
    overdue.sort(key=overdue_order)
    return [
        Report(
            COVERAGE,
            period.label,
            period.window,
            t.by,
            t.overall(),
            t.named_rows(names),
            tuple(overdue),
        )
        for t in tallies
    ]


def coverage(
    caseload: Caseload,
    period: Period | str,
    *,
    policy: VisitPolicy,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = REGISTERED_ONLY,
    names: Mapping[str, str] | None = None,
    as_of: date | None = None,
    within: str = "",
) -> Report:
    """在册对象探访关爱率 for `period`: due, covered, rate, rows by `by`, overdue households.

    Raises InvalidPeriod or InvalidBreakdown for a period or breakdown it cannot read.
    """
    return coverage_by(
        caseload,
        period,
        [by],
        policy=policy,
        classes=classes,
        names=names,
        as_of=as_of,
        within=within,
    )[0]


def coverage_report(
    households: Iterable[HouseholdLike],
    persons: Iterable[MemberLike],
    visits: Iterable[VisitLike],
    period: Period | str,
    *,
    policy: VisitPolicy,
    by: str | Breakdown | None = None,
    responsible: Mapping[str, str] | None = None,
    worker_teams: Mapping[str, str] | None = None,
    classes: Collection[ServedClass] | None = REGISTERED_ONLY,
    names: Mapping[str, str] | None = None,
    as_of: date | None = None,
) -> Report:
    """One coverage report straight from records; build a Caseload to ask for several."""
    caseload = Caseload(
        households, persons, visits, responsible=responsible, worker_teams=worker_teams
    )
    return coverage(
        caseload, period, policy=policy, by=by, classes=classes, names=names, as_of=as_of
    )


def major_event_response(
    caseload: Caseload,
    period: Period | str,
    *,
    policy: VisitPolicy,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = None,
    names: Mapping[str, str] | None = None,
    within: str = "",
) -> Report:
    """重大变故响应率: events starting in the period answered by a home visit in time.

    An event is a member's recorded 重大变故 date (`major_event_deadline`). It starts on
    its date, or on the day it was recorded if later; it is answered when someone was met
    at home between the event's date and the policy's deadline. Events of households not
    on the register when the event started, and of members who had left the household by
    then, are left out. `within` keeps the households whose area code starts with it.
    """
    period = as_period(period)
    window = period.window
    breakdown = parse_breakdown(by)
    tallies = Tallies(breakdown)
    for case in caseload.cases.values():
        if not case.served(classes) or not case.household.area_code.startswith(within):
            continue
        for person in case.members:
            deadline = major_event_deadline(policy, person)
            if deadline is None or person.major_event_date is None:
                continue
            event_day = person.major_event_date
            start = max(event_day, person.major_event_recorded_on or event_day)
            if start not in window or not case.household.on_register(start):
                continue
            if not member_on(person, start):  # the member had left: no event to answer
                continue
            answered = case.answered_at_home(event_day, deadline)
            area = case.household.area_code
            keys = caseload.keys(case, area, breakdown, classes) if breakdown else ()
            tallies.add(keys, int(answered))
    return Report(
        MAJOR_EVENT_RESPONSE,
        period.label,
        window,
        breakdown,
        tallies.overall(),
        tallies.named_rows(names),
    )
