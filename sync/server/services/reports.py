"""Reports on the county server (报表): visit coverage and the 2024–2026 target list.

The numbers come from the same functions the device uses (`app.domain.coverage`,
`app.domain.indicators`); this module only reads what they need, lean:

- households, persons and visits are read from the report columns of `records` (fields
  of the record's JSON that the database generates, see `tables.REPORT_COLUMNS`) through
  covering indexes, and turned into light rows and `VisitFact`s, never pydantic records;
- only households of the registered class whose kind of window (the domain's
  `requirement_for`) ends in the period are kept: the others cannot be due;
- of their visits, only those that reached someone, from the first day of the earliest
  counted window to the period's end, corrections already applied, and not one by one:
  per household and mode, as the domain's `VisitDigest` (the months and ISO weeks holding
  one, as SQL bit masks, and the latest day) — except for households whose 责任人 is their
  last visitor, whose visits are read in full;
- an overdue household whose last qualifying visit lies before those windows gets its
  latest earlier visit per mode in a second, small read, and the overdue list is then
  recomputed by the same function over the overdue households alone;
- responsible workers are assigned only when the report shows them (by worker or team,
  and the XLSX overdue list): no other figure depends on them.

Rules this module adds, written down here:

- 责任人 (the worker a household counts under): the domain's rule (app.domain.staff, the
  same on the device): the active field worker (role worker or coordinator) whose
  narrowest scope code covers the household's village; among several at that level the
  救助协理员 first, then 网格员, 社工, 民政干部, 志愿者, then the lowest id. A village no
  such worker covers falls back to the coverage module's rule (the last visitor), for
  which its households' whole visit history is read.
- A period still in progress is reported as of today (windows not yet ended do not count
  yet) unless another day is asked for; a finished period counts every window in it.
- A report over HTTP covers the caller's areas (or one area inside them); the bureau's
  entered values are city-wide and shown as entered. Every report read is audited.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import exists, func, literal_column, or_, select, text, true
from sqlalchemy.orm import Session
from sqlmodel import col

from app.assets import load_target_list, load_visit_policy
from app.domain.areas import InvalidAreaCode, parse_scope_code
from app.domain.calendar import InvalidPeriod, Window, parse_period, windows_ending_in
from app.domain.codes import (
    Category,
    Frequency,
    NeedStatus,
    PersonFlag,
    ReferralStatus,
    RegisterStatus,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.coverage import (
    REGISTERED_ONLY,
    Breakdown,
    Caseload,
    InvalidBreakdown,
    Report,
    VisitDigest,
    VisitFact,
    coverage_by,
    overdue_order,
    parse_breakdown,
)
from app.domain.indicators import (
    IndicatorResult,
    InvalidIndicatorInput,
    Source,
    TargetList,
    evaluate,
    indicator_year,
    measured_values,
)
from app.domain.policy import VisitPolicy, member_on, requirement_for
from app.domain.records import Household, Need, Person, Referral, Wish
from app.domain.staff import Staff, responsible_for
from app.memory import collector_paused
from app.reports import (
    household_heads,
    indicators_csv,
    indicators_json,
    indicators_xlsx,
    report_csv,
    report_json,
    report_xlsx,
)
from sync.server.context import ServerContext
from sync.server.errors import ApiError, BadRequest
from sync.server.scope import area_filter, within
from sync.server.services import audit
from sync.server.services.staff import read_staff
from sync.server.tables import Area, IndicatorValue, JsonText, RecordRow

RECORDS = RecordRow.__table__  # type: ignore[attr-defined]
CHUNK = 1000  # ids per IN (...) list
ALL_SHEETS: tuple[Breakdown | None, ...] = (None, *Breakdown)


class InvalidReportRequest(BadRequest):
    """A period, breakdown, format, year or indicator value the reports cannot take."""

    code = "invalid_report"


class OutOfScope(ApiError):
    status, code, message = 403, "out_of_scope", "您无权查看该区划的报表。"


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    """A rendered report: its bytes, media type and a file name to save it under."""

    body: bytes
    media_type: str
    filename: str


def _sentence(message: str) -> str:
    return message if message.endswith("。") else message + "。"


def parse_format(value: str | ReportFormat) -> ReportFormat:
    try:
        return ReportFormat(str(value).strip().lower())
    except ValueError:
        raise InvalidReportRequest(
            f"无法识别的输出格式：{value!r}（应为 json、csv 或 xlsx）。"
        ) from None


FIRST_YEAR, LAST_YEAR = 2000, 2100  # report periods; the calendar overflows near year 9999


def _period(period: str) -> Window:
    try:
        window = parse_period(period)
    except InvalidPeriod as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None
    if not FIRST_YEAR <= window.start.year <= LAST_YEAR:
        raise InvalidReportRequest(
            f"统计期的年份超出范围：{period.strip()!r}（应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间）。"
        )
    return window


def _breakdown(by: str | Breakdown | None) -> Breakdown | None:
    try:
        return parse_breakdown(by)
    except InvalidBreakdown as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None


def _year(year: str | int) -> int:
    try:
        return indicator_year(year)
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None


def report_scope(asked: str | None, held: Sequence[str]) -> tuple[str, ...]:
    """The areas a caller's report covers: all they hold, or one area inside them (else 403)."""
    if asked is None or not asked.strip():
        return tuple(held)
    try:
        code = parse_scope_code(asked)
    except InvalidAreaCode as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None
    if not within(code, held):
        raise OutOfScope(f"您无权查看区划 {code} 的报表（您负责：{'、'.join(held) or '无'}）。")
    return (code,)


def as_of_for(window: Window, as_of: date | None, today: date | None = None) -> date | None:
    """The day a report is counted to: `as_of` if given, today inside a period in progress."""
    if as_of is not None:
        return as_of
    today = today or date.today()
    return today if window.start <= today < window.end else None


# --- light rows -------------------------------------------------------------------------


class HouseholdFacts:
    """What coverage reads of a household (户), built from report columns without pydantic.

    Passed where a `Household` is expected; `on_register` is Household's own method, so
    the register rule keeps its one definition.
    """

    __slots__ = ("area_code", "categories", "id", "left_on", "register_status", "registered_on")
    on_register = Household.on_register

    def __init__(
        self,
        id: str,
        area_code: str,
        categories: list[Category],
        register_status: RegisterStatus,
        registered_on: date | None,
        left_on: date | None,
    ) -> None:
        self.id = id
        self.area_code = area_code
        self.categories = categories
        self.register_status = register_status
        self.registered_on = registered_on
        self.left_on = left_on


class PersonFacts:
    """What coverage reads of a household member: the flags that set the visit frequency,
    and the day the member left the household (they no longer count after it)."""

    __slots__ = ("flags", "household_id", "left_on")

    def __init__(
        self, household_id: str, flags: list[PersonFlag], left_on: date | None = None
    ) -> None:
        self.household_id = household_id
        self.flags = flags
        self.left_on = left_on


def area_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(col(Area.code), col(Area.name)))}


# --- lean reads ---------------------------------------------------------------------------


def _of_type(type_name: str) -> Any:
    # A literal, not a bound parameter: PostgreSQL matches it to the partial indexes.
    if not type_name.isalpha():
        raise ValueError(type_name)
    return text(f"records.type = '{type_name}'")


def _in_scope(areas: Sequence[str] | None) -> Any:
    return text("1 = 1") if areas is None else area_filter(RECORDS.c.area_code, areas)


def _rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """All rows of a large read as plain tuples, straight from the driver's fetchall."""
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cast(list[tuple[Any, ...]], cursor.fetchall())
    finally:
        cursor.close()


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _day(text_value: str | None) -> date | None:
    return date.fromisoformat(text_value[:10]) if text_value else None


def read_households(
    session: Session, areas: Sequence[str] | None, classes: Collection[Any] = REGISTERED_ONLY
) -> list[HouseholdFacts]:
    """Households in scope holding a category of `classes`, as light rows."""
    c = RECORDS.c
    # A prefilter on the JSON text; the categories parsed below decide.
    held_codes = [code for code in Category if code.served_class in classes]
    query = select(
        c.id,
        c.area_code,
        c.household_categories,
        c.household_status,
        c.household_registered_on,
        c.household_left_on,
    ).where(
        _of_type("household"),
        _in_scope(areas),
        or_(*(c.household_categories.like(f'%"{code.value}"%') for code in held_codes)),
    )
    served: dict[str | None, list[Category] | None] = {}  # categories text -> list, if served
    statuses = {s.value: s for s in RegisterStatus}
    days: dict[str | None, date | None] = {None: None}  # few distinct register dates
    out: list[HouseholdFacts] = []
    for hid, area, categories, status, registered_on, left_on in _rows(session, query):
        if categories not in served:
            held = [Category(code) for code in json.loads(categories or "[]")]
            served[categories] = held if any(c.served_class in classes for c in held) else None
        kept = served[categories]
        if kept is None:
            continue
        held = kept
        if registered_on not in days:
            days[registered_on] = _day(registered_on)
        if left_on not in days:
            days[left_on] = _day(left_on)
        out.append(
            HouseholdFacts(hid, area, held, statuses[status], days[registered_on], days[left_on])
        )
    return out


def read_persons(
    session: Session, areas: Sequence[str] | None, households: Collection[str]
) -> list[PersonFacts]:
    """Members with flags (only flags change a visit requirement) of the given households,
    with the day they left the household if they did."""
    c = RECORDS.c
    query = select(c.household_id, c.person_flags, c.person_left_on).where(
        _of_type("person"), text("person_flags <> '[]'"), _in_scope(areas)
    )
    parsed: dict[str, list[PersonFlag]] = {}
    out: list[PersonFacts] = []
    for hid, flags, left_on in _rows(session, query):
        if hid not in households:
            continue
        held = parsed.get(flags)
        if held is None:
            held = parsed[flags] = [PersonFlag(code) for code in json.loads(flags)]
        out.append(PersonFacts(hid, held, _day(left_on)))
    return out


_VISIT_COLUMNS = (
    RECORDS.c.household_id,
    RECORDS.c.visit_at,
    RECORDS.c.visit_mode,
    RECORDS.c.visit_outcome,
    RECORDS.c.visit_worker,
    RECORDS.c.visit_team,
    RECORDS.c.id,
    RECORDS.c.visit_amends,
)
_LEAN_COLUMNS = _VISIT_COLUMNS[:4]
# The outcomes that reached someone, as VisitFact (so Visit.is_contact) defines them.
CONTACT_OUTCOMES = tuple(
    o.value
    for o in VisitOutcome
    if VisitFact.of("", datetime.min, VisitMode.HOME, o, "", "").is_contact
)


def _not_amended() -> Any:
    """SQL: the visit is not replaced by a correction (修正) of its household."""
    fix = RECORDS.alias("fix")
    c = RECORDS.c
    # IS NOT NULL lets PostgreSQL see how few corrections there are (a tiny hash).
    return ~exists().where(
        fix.c.visit_amends.is_not(None),
        fix.c.visit_amends == c.id,
        fix.c.household_id == c.household_id,
    )


def _uncorrected(session: Session, areas: Sequence[str] | None) -> Any:
    """`_not_amended()`, or nothing to check when the scope holds no correction at all."""
    c = RECORDS.c
    query = select(c.id).where(c.visit_amends.is_not(None), _in_scope(areas)).limit(1)
    return _not_amended() if session.execute(query).first() else true()


def _facts(rows: Iterable[Any], keep: Callable[[str], bool], who: bool) -> list[VisitFact]:
    of, parse = VisitFact.of, datetime.fromisoformat
    if who:
        return [
            of(hid, parse(at), mode, outcome, worker or "", team or "", vid, amends)
            for hid, at, mode, outcome, worker, team, vid, amends in rows
            if keep(hid)
        ]
    return [
        of(hid, parse(at), mode, outcome, "", "") for hid, at, mode, outcome in rows if keep(hid)
    ]


def read_visits(
    session: Session,
    areas: Sequence[str] | None,
    households: Collection[str],
    first: date | None = None,
    last: date | None = None,
    *,
    who: bool = True,
) -> list[VisitFact]:
    """Visits of `households` dated `first`..`last` (either open), corrections applied.

    `who=False` reads only the visits that reached someone, without worker, team and ids:
    all that coverage reads of a household whose responsible worker is known (its last
    visitor is never asked for), and much faster.
    """
    c = RECORDS.c
    columns = _VISIT_COLUMNS if who else _LEAN_COLUMNS
    query = select(*columns).where(
        _of_type("visit"), _in_scope(areas), _uncorrected(session, areas)
    )
    if not who:
        query = query.where(c.visit_outcome.in_(CONTACT_OUTCOMES))
    if first is not None:
        query = query.where(c.visit_at >= first.isoformat())
    if last is not None:
        query = query.where(c.visit_at < (last + timedelta(days=1)).isoformat())
    return _facts(_rows(session, query), households.__contains__, who)


def visits_of(session: Session, households: Sequence[str]) -> list[VisitFact]:
    """Every visit of the given households, corrections applied."""
    facts: list[VisitFact] = []
    for chunk in _chunks(households):
        query = select(*_VISIT_COLUMNS).where(
            _of_type("visit"), RECORDS.c.household_id.in_(chunk), _not_amended()
        )
        facts += _facts(session.execute(query), lambda _: True, True)
    return facts


def latest_contacts(session: Session, households: Sequence[str], before: date) -> list[VisitFact]:
    """Per household and mode, the latest visit before `before` that reached someone.

    Enough for the last qualifying visit of a household none of whose windows in the
    period holds one: whatever modes count for it, the latest of these in those modes is it.
    """
    c = RECORDS.c
    rank = (
        func.row_number()
        .over(
            partition_by=(c.household_id, c.visit_mode),
            order_by=(c.visit_at.desc(), c.id.desc()),
        )
        .label("rank")
    )
    ranked = select(*_LEAN_COLUMNS, rank).where(
        _of_type("visit"),
        c.visit_at < before.isoformat(),
        c.visit_outcome.in_(CONTACT_OUTCOMES),
        _not_amended(),
    )
    facts: list[VisitFact] = []
    for chunk in _chunks(households):
        inner = ranked.where(c.household_id.in_(chunk)).subquery()
        query = select(*(inner.c[column.name] for column in _LEAN_COLUMNS)).where(inner.c.rank == 1)
        facts += _facts(session.execute(query), lambda _: True, False)
    return facts


def earliest_counted_day(window: Window) -> date:
    """The first day of the earliest window, of any frequency, that ends inside `window`."""
    starts = [w.start for f in Frequency for w in windows_ending_in(f, window)]
    return min(starts, default=window.start)


def may_be_due(
    households: Sequence[HouseholdFacts],
    persons: Sequence[PersonFacts],
    window: Window,
    until: date,
    policy: VisitPolicy,
) -> Due:
    """The households whose kind of window ends in the period, their members, for each the
    first day of its earliest such window, and which of them are visited weekly.

    Only they can be due (DOMAIN.md: a quarterly household is not due in October), and
    only visits from that day on can fall in a window that counts; the domain's
    `requirement_for` tells each household's kind, so the others are left out before the
    heavy work. What coverage_by does with the rest is unchanged.
    """
    firsts: dict[Frequency, date] = {}
    for frequency in Frequency:
        counted = [w.start for w in windows_ending_in(frequency, window) if w.end <= until]
        if counted:
            firsts[frequency] = counted[0]
    flags: dict[str, list[PersonFlag]] = defaultdict(list)
    for p in persons:
        if member_on(cast(Person, p), until):  # as coverage_by counts members
            flags[p.household_id].extend(p.flags)
    kinds: dict[tuple[Any, ...], tuple[date | None, bool]] = {}
    kept: list[HouseholdFacts] = []
    starts: dict[str, date] = {}
    weekly: set[str] = set()
    for h in households:
        own = flags.get(h.id, ())
        codes = (*h.categories, *own)
        if codes not in kinds:
            members = [PersonFacts(h.id, list(own))]
            requirement = requirement_for(policy, cast(Household, h), cast(list[Person], members))
            kinds[codes] = (
                (firsts.get(requirement.frequency), requirement.frequency == Frequency.WEEKLY)
                if requirement
                else (None, False)
            )
        start, by_week = kinds[codes]
        if start is not None:
            kept.append(h)
            starts[h.id] = start
            if by_week:
                weekly.add(h.id)
    return Due(kept, [p for p in persons if p.household_id in starts], starts, weekly)


@dataclass(frozen=True)
class Due:
    """The households that may be due in a period (`may_be_due`), with what else it found."""

    households: list[HouseholdFacts]
    persons: list[PersonFacts]
    starts: dict[str, date]  # household -> first day of its earliest counted window
    weekly: set[str]  # the households whose windows are ISO weeks


EPOCH_MONDAY = date(2000, 1, 3)  # week numbers count from this Monday


def visit_digests(
    session: Session,
    areas: Sequence[str] | None,
    households: Collection[str],
    weekly: Collection[str],
    first: date,
    until: date,
) -> dict[str, VisitDigest]:
    """The `VisitDigest` of each of `households` for the visits that reached someone from
    `first` to `until`, corrections applied: one SQL row per household (per mode, the
    months holding one as a bit mask, and the latest day), not one per visit; the ISO weeks
    only for the `weekly` households, in a second read of theirs alone.
    """
    c = RECORDS.c
    postgres = session.get_bind().dialect.name == "postgresql"
    base_month = first.year * 12 + first.month - 1
    base_week = (first - EPOCH_MONDAY).days // 7
    base_monday = EPOCH_MONDAY + timedelta(weeks=base_week)
    month = (
        "(CAST(substr(records.visit_at, 1, 4) AS INTEGER) * 12 "
        f"+ CAST(substr(records.visit_at, 6, 2) AS INTEGER) - 1 - {base_month})"
    )
    day = (
        f"(CAST(substr(records.visit_at, 1, 10) AS DATE) - DATE '{EPOCH_MONDAY.isoformat()}')"
        if postgres
        else f"CAST(julianday(substr(records.visit_at, 1, 10)) - "
        f"julianday('{EPOCH_MONDAY.isoformat()}') AS INTEGER)"
    )
    week = f"({day} / 7 - {base_week})"
    modes = list(VisitMode)

    def bits(index: str, mode: VisitMode) -> Any:  # OR of 1 << index over the mode's visits
        where = f"FILTER (WHERE records.visit_mode = '{mode.value}')"
        if postgres:
            return literal_column(f"bit_or(CAST(1 AS BIGINT) << {index}) {where}")
        return literal_column(f"sum(DISTINCT 1 << {index}) {where}")

    def latest(mode: VisitMode) -> Any:
        return literal_column(
            f"max(records.visit_at) FILTER (WHERE records.visit_mode = '{mode.value}')"
        )

    def visits(*columns: Any) -> Any:
        return (
            select(c.household_id, *columns)
            .where(
                _of_type("visit"),
                _in_scope(areas),
                _uncorrected(session, areas),
                c.visit_outcome.in_(CONTACT_OUTCOMES),
                c.visit_at >= first.isoformat(),
                c.visit_at < (until + timedelta(days=1)).isoformat(),
            )
            .group_by(c.household_id)
        )

    decoded: dict[tuple[bool, int], frozenset[date]] = {}

    def days_of(mask: int, by_week: bool) -> frozenset[date]:
        key = (by_week, mask)
        if key not in decoded:
            ones = [i for i in range(mask.bit_length()) if mask >> i & 1]
            if by_week:
                days = [base_monday + timedelta(weeks=i) for i in ones]
            else:
                days = [date((base_month + i) // 12, (base_month + i) % 12 + 1, 1) for i in ones]
            decoded[key] = frozenset(days)
        return decoded[key]

    by_month: dict[str, dict[VisitMode, frozenset[date]]] = {}
    last: dict[str, dict[VisitMode, date]] = {}
    query = visits(*(col for m in modes for col in (bits(month, m), latest(m))))
    for hid, *values in _rows(session, query):
        if hid not in households:
            continue
        months, days = by_month[hid], last[hid] = {}, {}
        for i, mode in enumerate(modes):
            mask, at = values[2 * i], values[2 * i + 1]
            if at is not None:
                months[mode] = days_of(int(mask), False)
                days[mode] = date.fromisoformat(at[:10])
    by_week: dict[str, dict[VisitMode, frozenset[date]]] = {}
    wanted = sorted(h for h in weekly if h in by_month)
    for chunk in _chunks(wanted):
        query = visits(*(bits(week, m) for m in modes)).where(c.household_id.in_(chunk))
        for hid, *masks in _rows(session, query):
            by_week[hid] = {
                mode: days_of(int(mask), True)
                for mode, mask in zip(modes, masks, strict=True)
                if mask is not None
            }
    return {hid: VisitDigest(by_week.get(hid, {}), by_month[hid], last[hid]) for hid in by_month}


# --- coverage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageData:
    """One county's (or scope's) coverage reports with what their exports show beside them."""

    reports: list[Report]
    names: dict[str, str]  # areas by code, workers by id
    overdue_households: list[str]


def coverage_reports(
    session: Session,
    period: str,
    breakdowns: Sequence[Breakdown | None],
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    policy: VisitPolicy | None = None,
    workers: bool | None = None,
) -> CoverageData:
    """在册对象探访关爱率 for `period`, one report per breakdown, over `areas` (None: all).

    `as_of` is passed to the domain as is (see `as_of_for` for the default the entry
    points use). `workers` (default: when a breakdown is by worker or team) attributes
    households to their responsible workers, as the overdue list of an XLSX export shows
    them; no other figure depends on it, so other reports skip it. Raises
    InvalidReportRequest for a period or breakdown it cannot read.
    """
    window = _period(period)
    parsed = [_breakdown(b) for b in breakdowns]
    if workers is None:
        workers = any(b in (Breakdown.WORKER, Breakdown.TEAM) for b in parsed)
    policy = policy or load_visit_policy()
    until = window.end if as_of is None else min(window.end, as_of)

    staff = read_staff(session) if workers else Staff()
    names = {**area_names(session), **staff.names}
    households = read_households(session, areas)
    ids = {h.id for h in households}
    persons = read_persons(session, areas, ids)
    due = may_be_due(households, persons, window, until, policy)
    households, persons, starts = due.households, due.persons, due.starts
    ids = set(starts)
    responsible = responsible_for(households, staff) if workers else {}
    # Households no worker's scope covers: the last-visitor rule.
    orphans = [h.id for h in households if h.id not in responsible] if workers else []
    digests: dict[str, VisitDigest] = {}
    if len(orphans) * 2 > len(households):
        # Mostly unassigned villages: every visit, as the device reads them.
        complete = ids
        facts = read_visits(session, areas, ids)
    else:
        complete = set(orphans)
        lean = {h: day for h, day in starts.items() if h not in complete}
        facts = visits_of(session, orphans)
        if lean:
            first = min(lean.values())
            digests = visit_digests(session, areas, lean, due.weekly, first, until)

    def compute(
        rows: Sequence[HouseholdFacts],
        members: Sequence[PersonFacts],
        visits: Sequence[VisitFact],
        by: Sequence[Breakdown | None],
    ) -> list[Report]:
        caseload = Caseload(
            cast(list[Household], rows),
            cast(list[Person], members),
            visits,
            responsible=responsible,
            worker_teams=staff.teams,
            digests=digests,
        )
        return coverage_by(caseload, period, by, policy=policy, names=names, as_of=as_of)

    reports = compute(households, persons, facts, parsed)
    overdue = reports[0].overdue or ()
    missing = [
        o.household_id for o in overdue if o.last_visit is None and o.household_id not in complete
    ]
    if missing:
        # Their last qualifying visit lies before every window counted: read it, and
        # assess them again (still overdue; now with that date) by the same function.
        gone = set(missing)
        extra: list[VisitFact] = []
        for start in sorted({starts[h] for h in missing}):
            extra += latest_contacts(session, [h for h in missing if starts[h] == start], start)
        fixed = compute(
            [h for h in households if h.id in gone],
            [p for p in persons if p.household_id in gone],
            [f for f in facts if f.household_id in gone] + extra,
            [None],
        )[0].overdue
        kept = [o for o in overdue if o.household_id not in gone]
        merged = tuple(sorted([*kept, *(fixed or ())], key=overdue_order))
        reports = [replace(r, overdue=merged) for r in reports]
    return CoverageData(reports, names, [o.household_id for o in reports[0].overdue or ()])


def overdue_heads(session: Session, households: Sequence[str]) -> dict[str, Person]:
    """The heads (户主) of the given households, for the masked overdue list."""
    c = RECORDS.c
    persons: list[Person] = []
    for chunk in _chunks(households):
        query = select(c.data).where(_of_type("person"), c.household_id.in_(chunk))
        for (data,) in session.execute(query):
            fields = json.loads(data)
            persons.append(
                Person.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
                    household_id=fields.get("household_id", ""),
                    name=fields.get("name", ""),
                    id_number=fields.get("id_number"),
                    relation=fields.get("relation", ""),
                )
            )
    return household_heads(persons)


def coverage_export(
    ctx: ServerContext,
    period: str,
    by: str | None = None,
    fmt: str | ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The coverage report rendered: JSON and CSV by `by`, XLSX with every breakdown.

    The read is written to the audit log. Raises InvalidReportRequest for bad input.
    """
    form = parse_format(fmt)
    window = _period(period)
    breakdown = _breakdown(by)
    day = as_of_for(window, as_of)
    sheets = ALL_SHEETS if form == ReportFormat.XLSX else (breakdown,)
    with collector_paused(), ctx.db.reading() as session:
        workers = True if form == ReportFormat.XLSX else None  # the overdue sheet shows them
        data = coverage_reports(session, period, sheets, areas=areas, as_of=day, workers=workers)
        heads = overdue_heads(session, data.overdue_households) if form == ReportFormat.XLSX else {}
    report = data.reports[0]
    if form == ReportFormat.JSON:
        body = report_json(report) + b"\n"
    elif form == ReportFormat.CSV:
        body = report_csv(report, data.names)
    else:
        body = report_xlsx(data.reports, names=data.names, heads=heads)
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            device_id=device_id,
            report="coverage",
            period=report.period,
            by=breakdown.value if breakdown else None,
            format=form.value,
            areas=list(areas) if areas is not None else None,
            as_of=day.isoformat() if day else None,
        )
    name = f"coverage-{report.period}{'-' + breakdown.value if breakdown else ''}.{form.value}"
    return Export(body, MEDIA_TYPES[form], name)


# --- target list ----------------------------------------------------------------------------


def _needs(session: Session, areas: Sequence[str] | None) -> list[Need]:
    c = RECORDS.c
    query = select(
        c.household_id,
        c.area_code,
        JsonText(c.data, "status"),
        JsonText(c.data, "raised_on"),
        JsonText(c.data, "fulfilled_on"),
    ).where(_of_type("need"), _in_scope(areas))
    return [
        Need.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid,
            area_code=area,
            status=NeedStatus(status),
            raised_on=_day(raised),  # type: ignore[arg-type]
            fulfilled_on=_day(fulfilled),
        )
        for hid, area, status, raised, fulfilled in session.execute(query)
    ]


def _wishes(session: Session, areas: Sequence[str] | None) -> list[Wish]:
    c = RECORDS.c
    query = select(
        c.household_id, c.area_code, JsonText(c.data, "state"), JsonText(c.data, "fulfilled_on")
    ).where(_of_type("wish"), _in_scope(areas))
    return [
        Wish.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid, area_code=area, state=WishState(state), fulfilled_on=_day(fulfilled)
        )
        for hid, area, state, fulfilled in session.execute(query)
    ]


def _referrals(session: Session, areas: Sequence[str] | None) -> list[Referral]:
    c = RECORDS.c
    query = select(
        c.household_id, c.area_code, JsonText(c.data, "status"), JsonText(c.data, "completed_on")
    ).where(_of_type("referral"), _in_scope(areas))
    return [
        Referral.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid,
            area_code=area,
            status=ReferralStatus(status),
            completed_on=_day(completed),
        )
        for hid, area, status, completed in session.execute(query)
    ]


def entered_values(session: Session, year: int, targets: TargetList) -> dict[str, float | None]:
    """The bureau's values for `year`, for the indicators the current list has it enter."""
    entered = {s.code for s in targets.indicators if s.source == Source.ENTERED}
    rows = session.execute(
        select(col(IndicatorValue.code), col(IndicatorValue.value)).where(
            col(IndicatorValue.year) == year
        )
    )
    return {code: value for code, value in rows if code in entered}


def indicator_results(
    session: Session,
    year: int,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    policy: VisitPolicy | None = None,
    targets: TargetList | None = None,
) -> list[IndicatorResult]:
    """The twenty indicators for `year`: four measured over `areas`, the rest as entered."""
    policy = policy or load_visit_policy()
    targets = targets or load_target_list()
    window = _period(str(year))
    households = read_households(session, areas)
    ids = {h.id for h in households}
    caseload = Caseload(
        cast(list[Household], households),
        cast(list[Person], read_persons(session, areas, ids)),
        read_visits(session, areas, ids, earliest_counted_day(window), window.end, who=False),
        _needs(session, areas),
        _wishes(session, areas),
        _referrals(session, areas),
    )
    measured = measured_values(caseload, year, policy=policy, as_of=as_of)
    try:
        return evaluate(targets, year, measured, entered_values(session, year, targets))
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None


def indicators_export(
    ctx: ServerContext,
    year: str | int,
    fmt: str | ReportFormat = ReportFormat.JSON,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    actor: str = "cli",
    device_id: str = "",
) -> Export:
    """The target list for `year` rendered; the read is written to the audit log."""
    form = parse_format(fmt)
    number = _year(year)
    day = as_of_for(_period(str(number)), as_of)
    targets = load_target_list()
    if number not in targets.years:
        years = "、".join(str(y) for y in targets.years)
        raise InvalidReportRequest(f"目标清单只有{years}年的目标值，没有{number}年。")
    with collector_paused(), ctx.db.reading() as session:
        results = indicator_results(session, number, areas=areas, as_of=day, targets=targets)
    render = {
        ReportFormat.JSON: lambda: indicators_json(results, number) + b"\n",
        ReportFormat.CSV: lambda: indicators_csv(results, number),
        ReportFormat.XLSX: lambda: indicators_xlsx(results, number),
    }[form]
    body = render()
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            device_id=device_id,
            report="indicators",
            year=number,
            format=form.value,
            areas=list(areas) if areas is not None else None,
            as_of=day.isoformat() if day else None,
        )
    return Export(body, MEDIA_TYPES[form], f"indicators-{number}.{form.value}")


# --- bureau-entered values ------------------------------------------------------------------


@dataclass(frozen=True)
class EnteredValue:
    code: str
    year: int
    value: float


def check_value(
    targets: TargetList, code: str, year: str | int, value: str | float
) -> EnteredValue:
    """A bureau value the target list takes, or InvalidReportRequest saying why not."""
    number = _year(year)
    try:
        amount = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InvalidReportRequest(f"指标值应为数字：{value!r}。") from None
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise InvalidReportRequest(f"指标值应为数字：{value!r}。")
    try:
        evaluate(targets, number, {}, {code.strip(): amount})
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(_sentence(str(exc))) from None
    return EnteredValue(code.strip(), number, amount)


def read_values_csv(path: Path, targets: TargetList) -> list[EnteredValue]:
    """Rows `code,year,value` of a CSV file (UTF-8, header line); every row is checked."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidReportRequest(f"{path.name} 不是 UTF-8 编码的 CSV 文件。") from None
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not {"code", "year", "value"} <= set(header):
        raise InvalidReportRequest(f"{path.name} 的第一行应为列名 code,year,value。")
    reader.fieldnames = header
    values: list[EnteredValue] = []
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        try:
            values.append(
                check_value(
                    targets, row.get("code") or "", row.get("year") or "", row.get("value") or ""
                )
            )
        except InvalidReportRequest as exc:
            errors.append(f"第 {line} 行：{exc.message.rstrip('。')}")
    if errors:
        more = f"（另有 {len(errors) - 1} 行有误）" if len(errors) > 1 else ""
        raise InvalidReportRequest(f"{errors[0]}{more}，未保存任何指标值。")
    if not values:
        raise InvalidReportRequest(f"{path.name} 中没有指标值。")
    return values


def save_values(ctx: ServerContext, values: Sequence[EnteredValue], *, actor: str = "cli") -> int:
    """Store the bureau's values (a later value for the same indicator and year replaces it)."""
    now = datetime.now(UTC)
    with ctx.db.small_write() as session:
        for v in values:
            row = session.get(IndicatorValue, (v.code, v.year))
            if row is None:
                row = IndicatorValue(
                    code=v.code, year=v.year, value=v.value, entered_by=actor, entered_at=now
                )
            else:
                row.value, row.entered_by, row.entered_at = v.value, actor, now
            session.add(row)
            audit.record(
                session, "indicator_set", actor=actor, code=v.code, year=v.year, value=v.value
            )
    return len(values)


def set_indicator(
    ctx: ServerContext, year: str | int, code: str, value: str | float, *, actor: str = "cli"
) -> EnteredValue:
    """Enter one bureau value; raises InvalidReportRequest for a code, year or value it refuses."""
    entered = check_value(load_target_list(), code, year, value)
    save_values(ctx, [entered], actor=actor)
    return entered


def import_values(ctx: ServerContext, path: Path, *, actor: str = "cli") -> int:
    """Enter the bureau values of a CSV file, all or none."""
    return save_values(ctx, read_values_csv(path, load_target_list()), actor=actor)
