"""Statistics (统计) for coordinators and supervisors: coverage, trend and target-list indicators.

Everything is computed on the device from the local data of the worker's scope with the
same domain functions the server uses (app.domain.coverage, app.domain.indicators):
households and members from the workspace's roster, every visit from the store, and
each household's 责任人 by the domain's rule (app.domain.staff) over the staff of the
worker's scope that the server sent at the last sync, so that the rows by worker and team
are the server's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from app.assets import load_target_list
from app.domain.areas import COUNTIES
from app.domain.coverage import (
    UNASSIGNED,
    Breakdown,
    Caseload,
    OverdueHousehold,
    Report,
    Row,
    coverage,
    coverage_by,
    major_event_response,
    row_name,
)
from app.domain.indicators import (
    CHARITIES_INVOLVED,
    MEASURED_CODES,
    IndicatorResult,
    Source,
    Status,
    TargetList,
    charities_involved,
    evaluate,
    measured_values,
)
from app.domain.projects import ProjectBook
from app.domain.staff import responsible_for
from app.domain.warnings import WarningKind, WarningRow, count_by_area
from app.reports.files import write_file
from app.reports.masking import household_heads
from app.reports.tables import (
    indicators_table,
    overdue_table,
    report_table,
    warning_list_table,
    warnings_table,
)
from app.reports.xlsx import tables_xlsx
from app.ui.catalogue import code_names, label, measure_label, text
from app.ui.viewmodels.today import reason_label
from app.ui.viewmodels.workspace import Workspace

EXPORTS_DIR = "exports"
TREND_MONTHS = 12
LEVELS = (Breakdown.COUNTY, Breakdown.TOWNSHIP, Breakdown.VILLAGE)
PREFIX = {Breakdown.COUNTY: 6, Breakdown.TOWNSHIP: 9, Breakdown.VILLAGE: 12}
BREAKDOWNS: tuple[Breakdown | None, ...] = (
    None,
    *LEVELS,
    Breakdown.WORKER,
    Breakdown.TEAM,
    Breakdown.CATEGORY,
)
SHEETS = (*LEVELS, Breakdown.WORKER, Breakdown.TEAM, Breakdown.CATEGORY)
OVERDUE_PAGE = 30
LAST_COMPLETE = 1  # 统计 opens on the last complete period: the current one is unfinished


def urgency(item: OverdueHousehold, missed: Mapping[str, int]) -> tuple[bool, float, date]:
    """The overdue list's order for a coordinator: never visited first, then the largest
    share of the period's visit windows missed, then the longest since a visit."""
    share = missed.get(item.household_id, 0) / len(item.windows) if item.windows else 0.0
    return (item.last_visit is not None, -share, item.last_visit or date.min)


class PeriodKind(StrEnum):
    """The length of a report period: 月, 季度, 年."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_code(kind: PeriodKind, today: date, back: int = 0) -> str:
    """The period `back` periods before the one holding `today`: 2026-05, 2026-Q2 or 2026."""
    if kind == PeriodKind.YEAR:
        return str(today.year - back)
    if kind == PeriodKind.QUARTER:
        index = today.year * 4 + (today.month - 1) // 3 - back
        return f"{index // 4}-Q{index % 4 + 1}"
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class AreaLine:
    """One area of the current drill-down level with its coverage."""

    code: str
    name: str
    due: int
    covered: int
    rate: float | None


@dataclass(frozen=True)
class OverdueLine:
    """An overdue household (逾期未探访): its head's name, its 责任人, and why it is
    overdue (categories or flags, frequency, days without a qualifying visit)."""

    household_id: str
    title: str
    village: str
    last_visit: date | None
    worker: str  # the 责任人's name as the rows by worker show it
    why: str  # 特困供养 · 每月 · 最近有效探访 2026-10-12，至期末 49 天


@dataclass(frozen=True)
class Progress:
    """The period still in progress: who is due in it, who has been visited so far, who
    is still to visit, and the days left (today included)."""

    period: str
    due: int
    visited: int
    days_left: int

    @property
    def to_visit(self) -> int:
        return self.due - self.visited


@dataclass(frozen=True)
class TrendPoint:
    """Coverage of one month of the 12-month trend."""

    period: str
    due: int
    covered: int
    rate: float | None


@dataclass(frozen=True)
class WarningLine:
    """An area of the current drill-down level with its warnings (预警) today, by kind."""

    code: str
    name: str
    total: int
    counts: Mapping[WarningKind, int]


@dataclass(frozen=True)
class IndicatorLine:
    """A measured indicator for the year beside its target: met, not met or no data."""

    code: str
    name: str
    unit: str
    value: float | None
    target_text: str
    status: Status


class ReportsVM:
    """The statistics screen's state: period, drill-down path, and the figures for both."""

    def __init__(
        self,
        workspace: Workspace,
        lang: str = "zh",
        *,
        exports_dir: Path | None = None,
        targets: TargetList | None = None,
    ) -> None:
        self.ws = workspace
        self.exports_dir = exports_dir or workspace.sandbox.path.parent.parent / EXPORTS_DIR
        self.lang = lang
        self.targets = targets or load_target_list()
        self.kind = PeriodKind.MONTH
        self.back = LAST_COMPLETE
        self.path: list[str] = []  # county, township, village codes chosen so far
        self.overdue_shown = OVERDUE_PAGE
        self.staff_names: dict[str, str] = {}
        self.book: ProjectBook | None = None
        self.caseload = self._caseload()
        self.reports: dict[Breakdown | None, Report] = {}
        self.responses: dict[Breakdown | None, Report] = {}
        self.trend: list[TrendPoint] = []
        self.indicators: list[IndicatorLine] = []
        self._trend_for = ""
        self._indicators_for = 0
        self.progress: Progress | None = None
        self.load()

    # --- data -----------------------------------------------------------------------------

    def _caseload(self) -> Caseload:
        roster = self.ws.roster
        ids = set(roster.households)
        persons = [p for people in roster.members.values() for p in people]
        found = self.ws.reports.case_records(ids)
        self.staff_names = found.staff.names
        self.book = found.book
        return Caseload(
            roster.households.values(),
            persons,
            found.visits,
            found.needs,
            found.wishes,
            found.referrals,
            deliveries=found.deliveries,
            responsible=responsible_for(roster.households.values(), found.staff),
            worker_teams=found.staff.teams,
        )

    def reload(self) -> None:
        """Read the store again (after a sync or a new visit) and recompute."""
        self.caseload = self._caseload()
        self._trend_for = ""
        self._indicators_for = 0
        self.load()

    @property
    def period(self) -> str:
        return period_code(self.kind, self.ws.today(), self.back)

    @property
    def year(self) -> int:
        return int(self.period[:4])

    def names(self) -> dict[str, str]:
        """Display names of the areas in the caseload (villages, townships, counties), of the
        staff (workers by id), and of the teams and categories."""
        me = self.ws.profile
        out: dict[str, str] = {**code_names(self.lang), me.worker_id: me.name, **self.staff_names}
        for case in self.caseload.cases.values():
            code = case.household.area_code
            out.setdefault(code, self.ws.area_name(code))
            out.setdefault(code[:9], self.ws.area_name(code[:9]))
            out.setdefault(code[:6], COUNTIES.get(code[:6], code[:6]))
        return out

    def load(self) -> None:
        """Compute the period's coverage by level, worker, team and category, the trend and
        indicators."""
        today = self.ws.today()
        reports = coverage_by(
            self.caseload,
            self.period,
            BREAKDOWNS,
            policy=self.ws.policy,
            names=self.names(),
            as_of=today,
            within=self.within,
        )
        self.reports = dict(zip(BREAKDOWNS, reports, strict=True))
        self.responses = {
            by: major_event_response(
                self.caseload,
                self.period,
                policy=self.ws.policy,
                by=by,
                names=self.names(),
                within=self.within,
            )
            for by in (None, *LEVELS)
        }
        self.progress = self._progress(today) if self.back == 0 else None
        self.overdue_shown = OVERDUE_PAGE
        last_month = period_code(PeriodKind.MONTH, today)
        if self._trend_for != last_month:
            self.trend = self._trend(today)
            self._trend_for = last_month
        if self._indicators_for != self.year:
            self.indicators = self._indicators(today)
            self._indicators_for = self.year

    @property
    def within(self) -> str:
        """The area chosen in the drill-down ("" for every area)."""
        return self.path[-1] if self.path else ""

    def _progress(self, today: date) -> Progress:
        """The current period counted to its end: every window ending in it is due, and a
        household is visited once each of its windows so far holds a qualifying visit."""
        report = coverage(self.caseload, self.period, policy=self.ws.policy, within=self.within)
        tally = report.overall
        return Progress(
            self.period, tally.total or 0, tally.count, (report.window.end - today).days + 1
        )

    def _trend(self, today: date) -> list[TrendPoint]:
        points = []
        for back in range(TREND_MONTHS - 1, -1, -1):
            month = period_code(PeriodKind.MONTH, today, back)
            overall = coverage(self.caseload, month, policy=self.ws.policy, as_of=today).overall
            points.append(TrendPoint(month, overall.total or 0, overall.count, overall.rate))
        return points

    def _indicators(self, today: date) -> list[IndicatorLine]:
        results = self._results(today) if self.year in self.targets.years else []
        lines = [
            IndicatorLine(
                r.spec.code,
                measure_label(r.spec.code, lang=self.lang),
                r.spec.unit,
                r.value,
                r.spec.target_text(self.year),
                r.status,
            )
            for r in results
            if r.spec.source == Source.MEASURED and r.spec.code in MEASURED_CODES
        ]
        charities = charities_involved(self.caseload, str(self.year))
        lines.append(
            IndicatorLine(
                CHARITIES_INVOLVED.code,
                measure_label(CHARITIES_INVOLVED.code, lang=self.lang),
                text("reports.unit_count", self.lang),
                float(charities.overall.count),
                "",
                Status.NO_DATA if charities.overall.count == 0 else Status.MET,
            )
        )
        return lines

    def indicators_until(self) -> str:
        """What the indicators count: the year so far, or a whole past year."""
        key = "reports.year_to_date" if self.year == self.ws.today().year else "reports.whole_year"
        return text(key, self.lang)

    def _results(self, today: date) -> list[IndicatorResult]:
        measured = measured_values(
            self.caseload, self.year, policy=self.ws.policy, as_of=today, book=self.book
        )
        listed = {i.code for i in self.targets.indicators}
        return evaluate(
            self.targets, self.year, {k: v for k, v in measured.items() if k in listed}, {}
        )

    # --- choosing ---------------------------------------------------------------------------

    def choose_kind(self, kind: PeriodKind | str) -> None:
        """Another period length, on its last complete period."""
        self.kind = PeriodKind(kind)
        self.back = LAST_COMPLETE
        self.load()

    def earlier(self) -> None:
        self.back += 1
        self.load()

    def later(self) -> None:
        if self.back > 0:
            self.back -= 1
            self.load()

    @property
    def can_go_later(self) -> bool:
        return self.back > 0

    def periods(self) -> list[tuple[str, str]]:
        """(kind, label) of the three period lengths."""
        return [(k.value, text(f"reports.kind.{k.value}", self.lang)) for k in PeriodKind]

    def period_label(self) -> str:
        """This month / last quarter / 2025 …, with the period's code."""
        which = {0: "this", 1: "last"}.get(self.back)
        name = text(f"reports.{which}.{self.kind.value}", self.lang) if which else self.period
        return name if which is None else f"{name}（{self.period}）"

    # --- drill-down -------------------------------------------------------------------------

    @property
    def level(self) -> Breakdown | None:
        """The breakdown of the current level; None at the household list of a village."""
        return LEVELS[len(self.path)] if len(self.path) < len(LEVELS) else None

    def drill(self, code: str) -> None:
        """Open an area of the current level: its townships, villages or households."""
        if code not in {line.code for line in self.areas()}:
            return
        self.path.append(code)
        self.load()

    def up(self, depth: int = -1) -> None:
        """Back to a level of the path (0: all areas); one level up by default."""
        self.path = self.path[:depth]
        self.load()

    def crumbs(self) -> list[tuple[int, str]]:
        """(depth, name) of the path: all areas, then each chosen area."""
        names = self.names()
        out = [(0, text("reports.all_areas", self.lang))]
        for i, code in enumerate(self.path, 1):
            out.append((i, names.get(code) or self._row_name(code)))
        return out

    def _row_name(self, code: str) -> str:
        for level in LEVELS:
            for row in self.reports[level].rows:
                if row.key == code:
                    return row.name
        return code

    def scope_name(self) -> str:
        """The area chosen (全部区域 at the top)."""
        return self.crumbs()[-1][1]

    def scoped(self, title: str) -> str:
        """A section's title with the period and the area its figures are for."""
        return text(
            "reports.scoped",
            self.lang,
            title=title,
            period=self.period_label(),
            area=self.scope_name(),
        )

    def scope_rate(self) -> Row:
        """The coverage of the area chosen (or of everything at the top); an area with no
        household due in this period (another period was chosen after drilling) has none."""
        overall = self.reports[None].overall  # counted within the chosen area
        return Row(self.within, self.scope_name(), overall)

    def areas(self) -> list[AreaLine]:
        """The areas of the current level inside the chosen area."""
        if self.level is None:
            return []
        prefix = self.path[-1] if self.path else ""
        return [
            AreaLine(r.key, r.name, r.tally.total or 0, r.tally.count, r.tally.rate)
            for r in self.reports[self.level].rows
            if r.key.startswith(prefix)
        ]

    def response(self) -> Row:
        """重大变故响应率 of the area chosen, in the period (events answered in time / events)."""
        return Row(self.within, self.scope_name(), self.responses[None].overall)

    def response_areas(self) -> list[AreaLine]:
        """重大变故响应率 of the areas of the current level inside the chosen area."""
        if self.level is None:
            return []
        return [
            AreaLine(r.key, r.name, r.tally.total or 0, r.tally.count, r.tally.rate)
            for r in self.responses[self.level].rows
        ]

    def warnings_counted(self) -> tuple[WarningRow, list[WarningLine]]:
        """The warnings today inside the chosen area: overall and per area of the current
        level (per village at a village's own level), by kind."""
        level = self.level or Breakdown.VILLAGE
        inside = [w for w in self.ws.warnings() if w.area_code.startswith(self.within)]
        overall, rows = count_by_area(inside, PREFIX[level], self.names())
        return overall, [WarningLine(r.key, r.name, r.total, r.counts) for r in rows]

    def overdue(self) -> list[OverdueLine]:
        """The overdue households inside the chosen area, most urgent first: never visited,
        then the longest without a qualifying visit (the domain's order)."""
        missed = {o.household_id: self.caseload.missed(o) for o in self.reports[None].overdue or ()}
        items = sorted(self.reports[None].overdue or (), key=lambda o: urgency(o, missed))
        names = self.names()
        end = min(self.reports[None].window.end, self.ws.today())
        until = (
            text("reports.until_today", self.lang)
            if end == self.ws.today()
            else text("reports.until_end", self.lang, day=end.isoformat())
        )
        return [
            OverdueLine(
                o.household_id,
                self.ws.household_title(o.household_id),
                self.ws.area_name(o.area_code),
                o.last_visit,
                row_name(Breakdown.WORKER, o.worker_id or UNASSIGNED, names),
                self._why(o, missed[o.household_id], end, until),
            )
            for o in items
        ]

    def _why(self, item: OverdueHousehold, missed: int, end: date, until: str) -> str:
        parts = []
        if item.requirement is not None:
            freq = item.requirement.frequency.value
            parts.append("、".join(reason_label(r, self.lang) for r in item.requirement.reasons))
            parts.append(label(item.requirement.frequency, self.lang))
            windows = len(item.windows)
            if windows == 1:
                unit = text(f"reports.single.{freq}", self.lang)
                parts.append(text("reports.missed_single", self.lang, unit=unit))
            elif windows > 1:
                unit = text(f"reports.unit.{freq}", self.lang)
                parts.append(
                    text(
                        "reports.missed",
                        self.lang,
                        windows=windows,
                        missed=missed,
                        unit=unit,
                    )
                )
        if item.last_visit is None:
            parts.append(text("reports.never_visited", self.lang))
        else:
            parts.append(
                text(
                    "reports.last_visit_until",
                    self.lang,
                    day=item.last_visit.isoformat(),
                    until=until,
                    n=(end - item.last_visit).days,
                )
            )
        return " · ".join(p for p in parts if p)

    def show_more(self) -> None:
        self.overdue_shown += OVERDUE_PAGE

    def _lines(self, by: Breakdown) -> list[AreaLine]:
        return [
            AreaLine(r.key, r.name, r.tally.total or 0, r.tally.count, r.tally.rate)
            for r in self.reports[by].rows
        ]

    def categories(self) -> list[AreaLine]:
        """Coverage by category (a household with two categories counts under both)."""
        return self._lines(Breakdown.CATEGORY)

    @property
    def staff_known(self) -> bool:
        """Whether the server has sent the staff of the scope (else: last visitors)."""
        return bool(self.staff_names)

    def workers(self) -> list[AreaLine]:
        """Coverage by 责任人 (households no one covers: their last visitor)."""
        return self._lines(Breakdown.WORKER)

    def teams(self) -> list[AreaLine]:
        """Coverage by team (the 责任人's team)."""
        return self._lines(Breakdown.TEAM)

    # --- freshness and export ------------------------------------------------------------

    def freshness(self) -> str:
        """数据截至 … from the last sync, or 尚未同步."""
        stamp = self.ws.reports.last_sync()
        if not stamp:
            return text("reports.never_synced", self.lang)
        try:
            when = datetime.fromisoformat(stamp)
        except ValueError:
            return text("reports.never_synced", self.lang)
        if when.tzinfo is not None:
            when = when.astimezone().replace(tzinfo=None)
        return text("reports.data_as_of", self.lang, when=when.strftime("%Y-%m-%d %H:%M"))

    def file_name(self) -> str:
        return f"探访关爱统计-{self.period}-{self.ws.now().strftime('%Y%m%d-%H%M%S')}.xlsx"

    def default_export_path(self) -> Path:
        return self.exports_dir / self.file_name()

    def workbook(self) -> bytes:
        """The period's coverage by county, township, village, worker, team and category,
        the overdue list (names and ID numbers masked) and the year's indicators, as one XLSX."""
        names = self.names()
        ids = set(self.caseload.cases)
        persons = self.ws.reports.persons(ids)
        ordered = [self.reports[b] for b in SHEETS]
        tables = [report_table(r, names) for r in ordered]
        tables.append(overdue_table(self.reports[None], household_heads(persons), names))
        response = report_table(self.responses[Breakdown.VILLAGE], names)
        tables.append(replace(response, sheet=measure_label("major_event_response")))
        today = self.ws.today()
        warnings = self.ws.warnings()
        overall, rows = count_by_area(warnings, PREFIX[Breakdown.VILLAGE], names)
        tables.append(warnings_table(overall, rows, Breakdown.VILLAGE, today))
        tables.append(warning_list_table(warnings, household_heads(persons), names))
        if self.year in self.targets.years:
            tables.append(indicators_table(self._results(today), self.year))
        return tables_xlsx(tables)

    def export(self, path: Path | str | None = None) -> Path:
        """Write `workbook()` to `path`, or to the data dir's exports/ folder; logged."""
        target = Path(path) if path else self.default_export_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        written = write_file(target, self.workbook())
        self.log_export()
        return written

    def log_export(self) -> None:
        """An export carries personal data (masked): the access log records it."""
        self.ws.reports.log_export()
