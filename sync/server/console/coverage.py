"""The coverage drill-down the console shows (在册对象探访关爱率): county → township →
village → household, each level with its overdue list, over the server's report service
(`sync.server.services.reports`, the same numbers as the API and the exports).

Names in the overdue lists are masked (张*明); a household's own page shows its members'
names and masked ID numbers to a supervisor or coordinator whose areas hold it. Every
page read is written to the audit log, like every other report read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from app.domain.areas import COUNTIES
from app.domain.calendar import Period, Window
from app.domain.codes import CONTACT_OUTCOMES, Category, PersonFlag, VisitMode, VisitOutcome
from app.domain.coverage import Breakdown, Tally
from app.domain.identity import mask_id_number
from app.reports.masking import mask_name
from app.ui.catalogue import label
from sync.server.console.access import PageNotFound
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports import as_of_for, coverage_reports
from sync.server.services.reports.read_model import overdue_heads
from sync.server.tables import Area, RecordRow

OVERDUE_SHOWN = 200  # the overdue list on one page; the exports hold every household
CHILD_LEVEL = {6: Breakdown.TOWNSHIP, 9: Breakdown.VILLAGE}
LEVEL = {6: Breakdown.COUNTY, 9: Breakdown.TOWNSHIP, 12: Breakdown.VILLAGE}


def current_quarter(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    tally: Tally


@dataclass(frozen=True)
class OverdueRow:
    household_id: str
    area_code: str
    area_name: str
    head: str  # masked
    last_visit: date | None


@dataclass(frozen=True)
class CoverageLevel:
    """One level of the drill-down: the area, its tally, its children, its overdue list."""

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


def _trail(code: str, names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((c, area_name(c, names)) for c in _levels(code))


def coverage_level(
    ctx: ServerContext, code: str, period: Period, *, actor: str, as_of: date | None = None
) -> CoverageLevel:
    """Coverage of one area (a scope code already checked against the reader's areas) for
    `period` (as `reports.report_period` reads it)."""
    day = as_of_for(period, as_of)
    child = CHILD_LEVEL.get(len(code))
    with ctx.db.reading() as s:
        data = coverage_reports(s, period, [child], areas=(code,), as_of=day)
        report = data.reports[0]
        overdue = report.overdue or ()
        shown = overdue[:OVERDUE_SHOWN]
        heads = overdue_heads(s, [o.household_id for o in shown])
    names = data.names
    rows = tuple(AreaRow(r.key, r.name, r.tally) for r in report.rows)
    listed = tuple(
        OverdueRow(
            o.household_id,
            o.area_code,
            area_name(o.area_code, names),
            mask_name(heads[o.household_id].name) if o.household_id in heads else "（无户主）",
            o.last_visit,
        )
        for o in shown
    )
    with ctx.db.small_write() as s:
        audit.record(
            s,
            "report_read",
            actor=actor,
            report="coverage_console",
            period=report.period,
            areas=[code],
            as_of=day.isoformat() if day else None,
        )
    return CoverageLevel(
        code=code,
        name=area_name(code, names),
        level=label(LEVEL[len(code)]),
        period=report.period,
        window=period.window,
        as_of=day,
        overall=report.overall,
        children=rows,
        overdue=listed,
        overdue_total=len(overdue),
        trail=_trail(code, names),
    )


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
    with ctx.db.small_write() as s:
        audit.record(s, "household_read", actor=actor, household_id=household_id)
    return HouseholdFile(
        id=household_id,
        area_code=row.area_code,
        trail=_trail(row.area_code, names),
        categories=tuple(label(Category(c)) for c in household.get("categories", [])),
        members=tuple(members),
        visits=tuple(visits),
    )
