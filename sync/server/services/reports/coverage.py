"""在册对象探访关爱率 on the county server: the domain's `coverage_by` over the read model.

The figures come from the same function the device uses (`app.domain.coverage`); this
module decides what to read for it:

- only households of the registered class that the domain's `may_be_due` keeps (their
  kind of window has one ending in the period) are read further: the others cannot be due;
- of their visits, only those that reached someone, from the first day of the earliest
  counted window to the period's end, and as per-household digests (`VisitDigest`) —
  except for households whose 责任人 is their last visitor, whose visits are read in full;
- an overdue household whose last qualifying visit lies before those windows gets its
  latest earlier visit per mode in a second, small read, and the overdue list is then
  recomputed by the same function over the overdue households alone;
- responsible workers are assigned only when the report shows them (by worker or team,
  and the XLSX overdue list): no other figure depends on them.

责任人 (the worker a household counts under) is the domain's rule (app.domain.staff, the
same on the device): the active field worker (role worker or coordinator) whose narrowest
scope code covers the household's village; among several at that level the 救助协理员
first, then 网格员, 社工, 民政干部, 志愿者, then the lowest id. A village no such worker
covers falls back to the coverage module's rule (the last visitor), for which its
households' whole visit history is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from app.assets import load_visit_policy
from app.domain.calendar import Period
from app.domain.coverage import (
    Breakdown,
    Caseload,
    OverdueHousehold,
    Report,
    Row,
    Tally,
    VisitDigest,
    VisitFact,
    assess,
    coverage_by,
    may_be_due,
    overdue_order,
)
from app.domain.policy import VisitPolicy
from app.domain.staff import Staff, responsible_for
from app.domain.summaries import HouseholdLike, MemberLike
from app.ui.catalogue import code_names
from sync.server.services.reports.read_model import (
    area_names,
    latest_contacts,
    read_households,
    read_persons,
    read_visits,
    visit_digests,
    visits_of,
)
from sync.server.services.staff import read_staff


@dataclass(frozen=True)
class CoverageData:
    """One county's (or scope's) coverage reports with what their exports show beside them."""

    reports: list[Report]
    names: dict[str, str]  # areas by code, workers by id
    overdue_households: list[str]
    caseload: Caseload  # what the reports were computed from (visits digested)


def coverage_reports(
    session: Session,
    period: Period,
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
    them; no other figure depends on it, so other reports skip it.
    """
    if workers is None:
        workers = any(b in (Breakdown.WORKER, Breakdown.TEAM) for b in breakdowns)
    policy = policy or load_visit_policy()
    until = period.until(as_of)

    staff = read_staff(session) if workers else Staff()
    names = {**area_names(session), **staff.names, **code_names()}
    households: Sequence[HouseholdLike] = read_households(session, areas)
    ids = {h.id for h in households}
    persons: Sequence[MemberLike] = read_persons(session, areas, ids)
    due = may_be_due(households, persons, period, policy=policy, as_of=as_of)
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

    def caseload_of(
        rows: Sequence[HouseholdLike], members: Sequence[MemberLike], visits: Sequence[VisitFact]
    ) -> Caseload:
        return Caseload(
            rows,
            members,
            visits,
            responsible=responsible,
            worker_teams=staff.teams,
            digests=digests,
        )

    caseload = caseload_of(households, persons, facts)
    reports = coverage_by(caseload, period, breakdowns, policy=policy, names=names, as_of=as_of)
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
        again = caseload_of(
            [h for h in households if h.id in gone],
            [p for p in persons if p.household_id in gone],
            [f for f in facts if f.household_id in gone] + extra,
        )
        fixed = coverage_by(again, period, [None], policy=policy, as_of=as_of)[0].overdue
        kept = [o for o in overdue if o.household_id not in gone]
        merged = tuple(sorted([*kept, *(fixed or ())], key=overdue_order))
        reports = [replace(r, overdue=merged) for r in reports]
    overdue_ids = [o.household_id for o in reports[0].overdue or ()]
    return CoverageData(reports, names, overdue_ids, caseload)


AREA_LEVELS: tuple[Breakdown, ...] = (Breakdown.COUNTY, Breakdown.TOWNSHIP, Breakdown.VILLAGE)


@dataclass(frozen=True)
class HouseholdCoverage:
    """A household due in the period: covered or not, its 责任人 and last qualifying visit."""

    household_id: str
    area_code: str
    worker_id: str | None
    covered: bool
    last_visit: date | None  # the latest qualifying visit on or before the last day counted
    windows: int  # its visit windows counted in the period
    missed: int  # of those, the windows without a qualifying visit


@dataclass(frozen=True)
class AreaCoverage:
    """A county, township or village with its tally; a county or township holds the areas
    below it, a village its due households (overdue first, as the overdue list orders them)."""

    code: str  # 6, 9 or 12 digits: the row key of its breakdown
    name: str
    level: Breakdown
    tally: Tally
    areas: tuple[AreaCoverage, ...] = ()
    households: tuple[HouseholdCoverage, ...] = ()

    def find(self, code: str) -> AreaCoverage | None:
        """This area or the one below it whose code is `code`."""
        if code == self.code:
            return self
        below = next((a for a in self.areas if code.startswith(a.code)), None)
        return below.find(code) if below is not None else None


@dataclass(frozen=True)
class CoverageTree:
    """Coverage of a scope for a period as a tree — county → township → village →
    household — with the overdue list as the exports give it (never visited first, then
    the longest ago). The figures are those of the JSON, CSV and XLSX reports."""

    period: Period
    as_of: date | None  # the day counted to; None: every window ending in the period
    overall: Tally
    counties: tuple[AreaCoverage, ...]
    overdue: tuple[OverdueHousehold, ...]
    names: dict[str, str]  # areas by code, workers by id

    def find(self, code: str) -> AreaCoverage | None:
        """The county, township or village whose code is `code`, if any household is due there."""
        county = next((c for c in self.counties if code.startswith(c.code)), None)
        return county.find(code) if county is not None else None

    def overdue_in(self, code: str) -> tuple[OverdueHousehold, ...]:
        """The overdue households inside the area `code` (6, 9 or 12 digits), in list order."""
        return tuple(o for o in self.overdue if o.area_code.startswith(code))


def coverage_tree(
    session: Session,
    period: Period,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    policy: VisitPolicy | None = None,
) -> CoverageTree:
    """在册对象探访关爱率 for `period` over `areas` (None: all) as a `CoverageTree`.

    `as_of` is passed to the domain as is, as in `coverage_reports` (whose reads this is).
    """
    policy = policy or load_visit_policy()
    data = coverage_reports(
        session, period, AREA_LEVELS, areas=areas, as_of=as_of, policy=policy, workers=True
    )
    by_county, by_township, by_village = data.reports
    overdue = by_county.overdue or ()
    listed = {o.household_id: o for o in overdue}
    order = {o.household_id: i for i, o in enumerate(overdue)}
    until = period.until(as_of)
    households: dict[str, list[HouseholdCoverage]] = {}
    for case, requirement, windows, covered in assess(
        data.caseload, period, policy=policy, as_of=as_of
    ):
        hid = case.household.id
        item = listed.get(hid)
        households.setdefault(case.household.area_code, []).append(
            HouseholdCoverage(
                hid,
                case.household.area_code,
                case.worker,
                covered,
                item.last_visit if item else case.last_qualifying(requirement, until),
                len(windows),
                data.caseload.missed(item) if item else 0,
            )
        )
    for rows in households.values():
        rows.sort(key=lambda h: (h.covered, order.get(h.household_id, 0), h.household_id))

    def below(report: Report, code: str) -> list[Row]:
        return [r for r in report.rows if r.key.startswith(code)]

    counties = tuple(
        AreaCoverage(
            county.key,
            county.name,
            Breakdown.COUNTY,
            county.tally,
            tuple(
                AreaCoverage(
                    township.key,
                    township.name,
                    Breakdown.TOWNSHIP,
                    township.tally,
                    tuple(
                        AreaCoverage(
                            village.key,
                            village.name,
                            Breakdown.VILLAGE,
                            village.tally,
                            households=tuple(households.get(village.key, ())),
                        )
                        for village in below(by_village, township.key)
                    ),
                )
                for township in below(by_township, county.key)
            ),
        )
        for county in by_county.rows
    )
    return CoverageTree(period, as_of, by_county.overall, counties, overdue, data.names)
