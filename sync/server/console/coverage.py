"""The coverage drill-down the console shows (在册对象探访关爱率): county → township →
village → household, each level with its overdue list and its warnings (预警) counted
beside coverage.

The figures are sums over the areas' summaries (`sync.server.services.reports.summaries`):
each village's coverage and warnings are computed by the report service's own functions
(the domain's, as on the device) and kept until a record of the village changes, so a
page reads the areas' change-feed heads, recomputes only the villages whose records moved
and adds the rest up — a county's figure is its townships' sum, a township's its villages'.

Names in the overdue lists are masked (张*明); a household's own page shows its members'
names and masked ID numbers to a supervisor or coordinator whose areas hold it. Every
page read is written to the audit log, like every other report read.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from sqlmodel import col, select

from app.domain.areas import COUNTIES
from app.domain.calendar import Period, Window
from app.domain.codes import CONTACT_OUTCOMES, Category, PersonFlag, VisitMode, VisitOutcome
from app.domain.coverage import Breakdown, Tally
from app.domain.identity import mask_id_number
from app.domain.warnings import WarningKind
from app.ui.catalogue import label
from sync.server.console.access import DESK_AND_ADMIN, PageNotFound
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports import as_of_for
from sync.server.services.reports.read_model import area_names
from sync.server.services.reports.summaries import (
    Earlier,
    add_up,
    area_heads,
    coverage_by_area,
    keep_ahead,
    outermost,
    overdue_key,
    warnings_by_area,
)
from sync.server.tables import Area, ConsoleUser, RecordRow

OVERDUE_SHOWN = 200  # the overdue list on one page; the exports hold every household
CHILD_DIGITS = {6: 9, 9: 12}  # a county's rows are its townships, a township's its villages
LEVEL = {6: Breakdown.COUNTY, 9: Breakdown.TOWNSHIP, 12: Breakdown.VILLAGE}


def current_quarter(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class WarningCount:
    """One kind of warning and how many an area holds."""

    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    tally: Tally
    warnings: int  # warnings (预警) today, every kind


@dataclass(frozen=True)
class OverdueRow:
    household_id: str
    area_code: str
    area_name: str
    head: str  # masked
    last_visit: date | None


@dataclass(frozen=True)
class CoverageLevel:
    """One level of the drill-down: the area, its tally, its children, its overdue list,
    and its warnings today by kind (the children's add up to it)."""

    code: str
    name: str
    level: str
    period: str
    window: Window
    as_of: date | None
    overall: Tally
    children: tuple[AreaRow, ...]
    overdue: tuple[OverdueRow, ...]
    overdue_total: int
    trail: tuple[tuple[str, str], ...]  # (code, name) from the county down
    warnings: tuple[WarningCount, ...] = ()
    warnings_total: int = 0
    warnings_on: date | None = None
    # Today's figures are being computed: these are the earlier day's (`as_of` and
    # `warnings_on` say which), computed at `updating.computed_at`.
    updating: Earlier | None = None


def _levels(code: str) -> list[str]:
    """The county, township and village codes a scope code lies in, itself last."""
    return [code[:n] for n in (6, 9, 12) if n <= len(code)]


def _area_keys(code: str) -> list[str]:
    """How the areas table may key the levels of `code` (short or padded to 12 digits)."""
    levels = _levels(code)
    return [*levels, *(c.ljust(12, "0") for c in levels)]


def area_name(code: str, names: dict[str, str]) -> str:
    """A scope code's name: from the server's areas, else the county's, else the code."""
    return names.get(code.ljust(12, "0")) or names.get(code) or COUNTIES.get(code) or code


def place_names(ctx: ServerContext, codes: set[str] | list[str]) -> dict[str, str]:
    """Each area code's name as the pages show it (its village or township), instead of
    the code: `area_name` over the server's areas."""
    with ctx.db.reading() as s:
        names = area_names(s)
    return {code: area_name(code, names) for code in codes}


def _trail(code: str, names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((c, area_name(c, names)) for c in _levels(code))


def coverage_level(
    ctx: ServerContext,
    code: str,
    period: Period,
    *,
    actor: str,
    as_of: date | None = None,
    today: date | None = None,
) -> CoverageLevel:
    """Coverage of one area (a scope code already checked against the reader's areas) for
    `period` (as `reports.report_period` reads it), with the warnings on `today`."""
    day = as_of_for(period, as_of, today)
    warned_on = today or date.today()
    with ctx.db.reading() as s:
        feed_heads = area_heads(s, code)  # read once for both reports
    # On a new day, the earlier day's figures (said as such) while today's are computed.
    counted: list[Earlier] = []
    warned_earlier: list[Earlier] = []
    areas = coverage_by_area(
        ctx, code, period, day, feed_heads, counted if day == date.today() else None
    )
    warned = warnings_by_area(
        ctx, code, warned_on, feed_heads, warned_earlier if warned_on == date.today() else None
    )
    if counted:
        day = counted[0].day
    if warned_earlier:
        warned_on = warned_earlier[0].day
    updating = min(counted + warned_earlier, key=lambda e: e.computed_at, default=None)
    digits = CHILD_DIGITS.get(len(code))
    tallies: dict[str, list[Tally]] = {}
    warnings: Counter[str] = Counter()
    child_warnings: Counter[str] = Counter()
    for area, summary in areas.items():
        if digits:
            tallies.setdefault(area[:digits], []).append(summary.tally)
    for area, counts in warned.items():
        total = sum(counts.values())
        warnings.update(counts)
        if digits and total:
            child_warnings[area[:digits]] += total
            tallies.setdefault(area[:digits], [])
    overdue_lists = [
        [(area, hid, last, head) for hid, last, head in summary.overdue]
        for area, summary in areas.items()
        if summary.overdue
    ]
    shown = list(islice(heapq.merge(*overdue_lists, key=overdue_key), OVERDUE_SHOWN))
    with ctx.db.reading() as s:
        names = area_names(s)
    children = tuple(
        AreaRow(child, area_name(child, names), add_up(rows), child_warnings[child])
        for child, rows in sorted(tallies.items())
        if any(t.total for t in rows) or child_warnings[child]
    )
    listed = tuple(
        OverdueRow(
            hid,
            area,
            area_name(area, names),
            head or "（无户主）",
            date.fromisoformat(last) if last else None,
        )
        for area, hid, last, head in shown
    )
    with ctx.db.small_write() as s:
        audit.record(
            s,
            "report_read",
            actor=actor,
            report="coverage_console",
            period=period.label,
            areas=[code],
            as_of=day.isoformat() if day else None,
        )
    return CoverageLevel(
        code=code,
        name=area_name(code, names),
        level=label(LEVEL[len(code)]),
        period=period.label,
        window=period.window,
        as_of=day,
        overall=add_up(summary.tally for summary in areas.values()),
        children=children,
        overdue=listed,
        overdue_total=sum(len(summary.overdue) for summary in areas.values()),
        trail=_trail(code, names),
        warnings=tuple(
            WarningCount(kind.value, label(kind), warnings[kind.value])
            for kind in WarningKind
            if warnings[kind.value]
        ),
        warnings_total=sum(warnings.values()),
        warnings_on=warned_on,
        updating=updating,
    )


def keep_summaries(ctx: ServerContext) -> None:
    """The server's summary keeper (`Settings.summary_refresh_s`): what the desk pages of
    every supervisor's, admin's and coordinator's areas read first, computed ahead."""
    with ctx.db.reading() as s:
        areas = s.exec(
            select(col(ConsoleUser.areas)).where(
                col(ConsoleUser.role).in_([r.value for r in DESK_AND_ADMIN]),
                col(ConsoleUser.active),
            )
        ).all()
    keep_ahead(ctx, outermost(code for held in areas for code in held or ()))


@dataclass(frozen=True)
class MemberRow:
    name: str
    relation: str
    id_number: str  # masked
    flags: str


@dataclass(frozen=True)
class VisitRow:
    at: datetime
    mode: str
    outcome: str
    reached: bool


@dataclass(frozen=True)
class HouseholdFile:
    """A household's page: where it is, its categories, members and visits (newest first)."""

    id: str
    area_code: str
    trail: tuple[tuple[str, str], ...]
    categories: tuple[str, ...]
    members: tuple[MemberRow, ...]
    visits: tuple[VisitRow, ...]


def household_file(ctx: ServerContext, household_id: str, *, actor: str) -> HouseholdFile:
    """A household in the reader's scope (checked by the caller); the read is audited."""
    found = read_household(ctx, household_id)
    with ctx.db.small_write() as s:
        audit.record(s, "household_read", actor=actor, household_id=household_id)
    return found


def read_household(ctx: ServerContext, household_id: str) -> HouseholdFile:
    """A household's file, not audited: the caller writes what it did with it."""
    with ctx.db.reading() as s:
        row = s.get(RecordRow, household_id)
        if row is None or row.type != "household":
            raise PageNotFound()
        linked = s.exec(
            select(col(RecordRow.type), col(RecordRow.data)).where(
                col(RecordRow.household_id) == household_id,
                col(RecordRow.type).in_(("person", "visit")),
            )
        ).all()
        names = {
            a.code: a.name
            for a in s.exec(select(Area).where(col(Area.code).in_(_area_keys(row.area_code))))
        }
    household = json.loads(row.data)
    members: list[MemberRow] = []
    visits: list[VisitRow] = []
    for kind, data in linked:
        fields = json.loads(data)
        if kind == "person" and not fields.get("left_on"):
            members.append(
                MemberRow(
                    name=fields.get("name", ""),
                    relation=fields.get("relation", ""),
                    id_number=mask_id_number(fields.get("id_number") or ""),
                    flags="、".join(label(PersonFlag(f)) for f in fields.get("flags") or []),
                )
            )
        elif kind == "visit":
            outcome = VisitOutcome(fields.get("outcome", "met"))
            visits.append(
                VisitRow(
                    at=datetime.fromisoformat(fields["visited_at"]),
                    mode=label(VisitMode(fields.get("mode", "home"))),
                    outcome=label(outcome),
                    reached=outcome in CONTACT_OUTCOMES,
                )
            )
    members.sort(key=lambda m: (m.relation != "户主", m.name))
    visits.sort(key=lambda v: v.at, reverse=True)
    return HouseholdFile(
        id=household_id,
        area_code=row.area_code,
        trail=_trail(row.area_code, names),
        categories=tuple(label(Category(c)) for c in household.get("categories", [])),
        members=tuple(members),
        visits=tuple(visits),
    )
