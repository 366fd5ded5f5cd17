"""The 2024–2026 target list (三年目标清单) and the indicators the app measures itself.

Eight of the twenty indicators come from the data — 在册对象探访关爱率, 困难群众合理需求兑现率,
服务项目在册困难群众覆盖率, 微心愿化解数量, and from the service-project library (慈善帮扶项目库)
救助帮扶类服务项目累计数, 引入慈善资源开展救助帮扶项目数量, 救助帮扶类公益创投项目 and
慈善组织累计数 — and the rest are entered by the bureau. The device and the server compute
them with the same functions here (`measured_values`). The list, its units and its targets
live in assets/policy/indicators.json.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.calendar import Period, Window, as_period
from app.domain.codes import NeedStatus, ReferralDirection, ReferralStatus, ServedClass, WishState
from app.domain.coverage import (
    COVERAGE,
    REGISTERED_ONLY,
    Breakdown,
    Caseload,
    Measure,
    Report,
    Row,
    Tallies,
    Tally,
    coverage,
    parse_breakdown,
    row_name,
    sort_keys,
)
from app.domain.errors import DoorstepError
from app.domain.organisations import OrganisationKind
from app.domain.policy import VisitPolicy
from app.domain.projects import FundingSource, ProjectBook

NEEDS_FULFILMENT = Measure("reasonable_needs_fulfilled", "fulfilled", "reasonable")
WISHES_FULFILLED = Measure("wishes_fulfilled", "fulfilled")
SERVICE_COVERAGE = Measure("service_project_coverage", "served", "registered")
CHARITIES_INVOLVED = Measure("charities_involved", "charities")

CLAIMED_STATES = frozenset({WishState.CLAIMED, WishState.FULFILLED})


def _households_of(
    caseload: Caseload, records: Iterable[Any], classes: Collection[ServedClass] | None
) -> Iterable[tuple[Any, Any, str]]:
    """Each record with its household's case (None if unknown) and area, filtered by class."""
    for record in records:
        case = caseload.cases.get(record.household_id)
        if classes is not None and (case is None or not case.served(classes)):
            continue
        area = case.household.area_code if case is not None else record.area_code
        yield record, case, area


def _report(
    measure: Measure,
    period: Period,
    window: Window,
    tallies: Tallies,
    names: Mapping[str, str] | None,
    with_total: bool = True,
) -> Report:
    return Report(
        measure,
        period.label,
        window,
        tallies.by,
        tallies.overall(with_total),
        tallies.named_rows(names, with_total),
    )


def needs_fulfilment(
    caseload: Caseload,
    period: Period | str,
    *,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = None,
    names: Mapping[str, str] | None = None,
) -> Report:
    """困难群众合理需求兑现率: of the needs raised in the period and assessed reasonable, the share fulfilled.

    A need is fulfilled (兑现) when it is marked so, when a service project's delivery
    answers it, or when a charity completed a referral made for it. A need still awaiting
    assessment is in neither figure; a reasonable need fulfilled after the period still
    counts as fulfilled, so past periods can only improve.
    """
    period = as_period(period)
    window = period.window
    breakdown = parse_breakdown(by)
    tallies = Tallies(breakdown)
    met = met_elsewhere(caseload)
    for need, case, area in _households_of(caseload, caseload.needs, classes):
        if need.raised_on not in window or need.reasonable is not True:
            continue
        keys = caseload.keys(case, area, breakdown, classes) if breakdown else ()
        tallies.add(keys, int(need.status == NeedStatus.FULFILLED or need.id in met))
    return _report(NEEDS_FULFILMENT, period, window, tallies, names)


def met_elsewhere(caseload: Caseload) -> set[str]:
    """The needs answered by a project's delivery or by a referral a charity completed."""
    met = {d.need_id for d in caseload.deliveries if d.need_id}
    met.update(
        r.need_id for r in caseload.referrals if r.need_id and r.status == ReferralStatus.COMPLETED
    )
    return met


def wishes_fulfilled(
    caseload: Caseload,
    period: Period | str,
    *,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = None,
    names: Mapping[str, str] | None = None,
) -> Report:
    """微心愿化解数量: wishes fulfilled (圆梦) on a day inside the period."""
    period = as_period(period)
    window = period.window
    breakdown = parse_breakdown(by)
    tallies = Tallies(breakdown)
    for wish, case, area in _households_of(caseload, caseload.wishes, classes):
        if wish.state != WishState.FULFILLED or wish.fulfilled_on not in window:
            continue
        keys = caseload.keys(case, area, breakdown, classes) if breakdown else ()
        tallies.add(keys, 1, 0)
    return _report(WISHES_FULFILLED, period, window, tallies, names, with_total=False)


def service_coverage(
    caseload: Caseload,
    period: Period | str,
    *,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = REGISTERED_ONLY,
    names: Mapping[str, str] | None = None,
) -> Report:
    """服务项目在册困难群众覆盖率: of the registered households on the register at the end of
    the period, the share that received at least one service-project delivery in it."""
    period = as_period(period)
    window = period.window
    breakdown = parse_breakdown(by)
    served = {d.household_id for d in caseload.deliveries if d.delivered_on in window}
    tallies = Tallies(breakdown)
    for hid, case in caseload.cases.items():
        household = case.household
        if not case.served(classes) or not household.on_register(window.end):
            continue
        keys = caseload.keys(case, household.area_code, breakdown, classes) if breakdown else ()
        tallies.add(keys, int(hid in served))
    return _report(SERVICE_COVERAGE, period, window, tallies, names)


def charities_involved(
    caseload: Caseload,
    period: Period | str,
    *,
    by: str | Breakdown | None = None,
    classes: Collection[ServedClass] | None = None,
    names: Mapping[str, str] | None = None,
) -> Report:
    """Distinct charities and donors involved: referral recipients and wish claimers in the period.

    A referral counts from the day it was sent unless declined; a wish claim from the day
    it was claimed unless released. Rows count distinct names, so they do not add up.
    """
    period = as_period(period)
    window = period.window
    breakdown = parse_breakdown(by)
    overall: set[str] = set()
    rows: dict[str, set[str]] = defaultdict(set)

    def involve(name: str, keys: Iterable[str]) -> None:
        name = name.strip()
        if not name:
            return
        overall.add(name)
        for key in keys:
            rows[key].add(name)

    for referral, case, area in _households_of(caseload, caseload.referrals, classes):
        if (
            referral.direction == ReferralDirection.TO_CHARITY
            and referral.status != ReferralStatus.DECLINED
            and referral.referred_on in window
        ):
            keys = caseload.keys(case, area, breakdown, classes) if breakdown else ()
            involve(referral.recipient, keys)
    for wish, case, area in _households_of(caseload, caseload.wishes, classes):
        if wish.state in CLAIMED_STATES and wish.claimed_on in window:
            keys = caseload.keys(case, area, breakdown, classes) if breakdown else ()
            involve(wish.claimed_by, keys)
    out_rows = tuple(
        Row(key, row_name(breakdown, key, names), Tally(len(rows[key])))
        for key in sort_keys(breakdown, rows)
    )
    return Report(
        CHARITIES_INVOLVED, period.label, window, breakdown, Tally(len(overall)), out_rows
    )


class Direction(StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    EXACTLY = "="

    @property
    def symbol(self) -> str:
        return {">=": "≥", "<=": "≤", "=": ""}[self.value]


class Source(StrEnum):
    MEASURED = "measured"  # 系统统计
    ENTERED = "entered"  # 民政局填报


class Status(StrEnum):
    MET = "met"  # 达标
    NOT_MET = "not_met"  # 未达标
    NO_DATA = "no_data"  # 暂无数据


class IndicatorSpec(BaseModel):
    """One line of the target list: what is counted, in which unit, and the yearly targets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int = Field(ge=1)
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    group: str = Field(min_length=1)
    unit: str
    direction: Direction = Direction.AT_LEAST
    targets: dict[int, float]
    source: Source

    def target_text(self, year: int) -> str:
        target = self.targets.get(year)
        return "" if target is None else f"{self.direction.symbol}{format_number(target)}"


# The indicators counted from the service-project library and the organisations.
SERVICE_PROJECTS = Measure("service_projects", "projects")  # 救助帮扶类服务项目累计数
# 引入慈善资源开展救助帮扶项目数量
CHARITY_RESOURCE_PROJECTS = Measure("charity_resource_projects", "projects")
VENTURE_PROJECTS = Measure("venture_philanthropy_projects", "projects")  # 救助帮扶类公益创投项目
CHARITIES = Measure("charities", "organisations")  # 慈善组织累计数

# The project library's counts (`library_counts`).
LIBRARY_CODES = (
    SERVICE_PROJECTS.code,
    CHARITY_RESOURCE_PROJECTS.code,
    VENTURE_PROJECTS.code,
    CHARITIES.code,
)
MEASURED_CODES = frozenset(
    {
        COVERAGE.code,
        NEEDS_FULFILMENT.code,
        SERVICE_COVERAGE.code,
        WISHES_FULFILLED.code,
        *LIBRARY_CODES,
    }
)


def library_counts(book: ProjectBook, period: Period | str) -> dict[str, float]:
    """The four counts of the project library for a period (usually a year):

    - 救助帮扶类服务项目累计数: projects registered that started by the period's end
      (cumulative: a project that has ended still counts; one stopped — registered in
      error or abandoned — does not);
    - 引入慈善资源开展救助帮扶项目数量: projects running in the period funded by charity
      itself (慈善募捐, 慈善信托, 专项基金);
    - 救助帮扶类公益创投项目: projects running in the period funded by 公益创投;
    - 慈善组织累计数: active organisations of the charity kind registered by the period's end.
    """
    window = as_period(period).window
    started = [p for p in book.projects if p.active and p.starts_on <= window.end]
    running = [p for p in book.projects if p.running_in(window)]
    return {
        SERVICE_PROJECTS.code: float(len(started)),
        CHARITY_RESOURCE_PROJECTS.code: float(sum(p.charity_resource for p in running)),
        VENTURE_PROJECTS.code: float(sum(p.funding == FundingSource.VENTURE for p in running)),
        CHARITIES.code: float(
            sum(
                o.active and o.kind == OrganisationKind.CHARITY and o.registered_on <= window.end
                for o in book.organisations
            )
        ),
    }


class TargetList(BaseModel):
    """政府救助和慈善帮扶融合发展三年目标清单."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    description: str = ""
    indicators: list[IndicatorSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TargetList:
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("target list names an indicator code twice")
        measured = {i.code for i in self.indicators if i.source == Source.MEASURED}
        if not measured <= MEASURED_CODES:
            raise ValueError(f"the app cannot measure {sorted(measured - MEASURED_CODES)}")
        return self

    @property
    def years(self) -> list[int]:
        return sorted({y for i in self.indicators for y in i.targets})

    def get(self, code: str) -> IndicatorSpec:
        for spec in self.indicators:
            if spec.code == code:
                return spec
        raise InvalidIndicatorInput("indicator.unknown", code=code)


class InvalidIndicatorInput(DoorstepError, ValueError):
    """An indicator value, code or year that the target list cannot take."""

    default_code = "indicator.invalid"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator for one year: its value beside the target, and whether it is met."""

    spec: IndicatorSpec
    year: int
    target: float | None
    value: float | None
    status: Status

    def to_json(self) -> dict[str, Any]:
        s = self.spec
        return {
            "number": s.number,
            "code": s.code,
            "name": s.name,
            "group": s.group,
            "unit": s.unit,
            "direction": s.direction.value,
            "source": s.source.value,
            "targets": {str(y): t for y, t in sorted(s.targets.items())},
            "year": self.year,
            "target": self.target,
            "value": self.value,
            "status": self.status.value,
        }


def format_number(value: float) -> str:
    """80.0 → "80", 3.5 → "3.5", 87.5432 → "87.54"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _status(direction: Direction, value: float | None, target: float | None) -> Status:
    if value is None or target is None:
        return Status.NO_DATA
    tolerance = 1e-9 * max(1.0, abs(target))
    met = {
        Direction.AT_LEAST: value >= target - tolerance,
        Direction.AT_MOST: value <= target + tolerance,
        Direction.EXACTLY: abs(value - target) <= tolerance,
    }[direction]
    return Status.MET if met else Status.NOT_MET


def evaluate(
    targets: TargetList,
    year: int,
    measured: Mapping[str, float | None],
    entered: Mapping[str, float | None],
) -> list[IndicatorResult]:
    """Every indicator of the list for `year`, in the list's order, against its target.

    `measured` holds the app's figures (rates in percent), `entered` the bureau's; an
    indicator with no value is "no data". Raises InvalidIndicatorInput for a year with no
    targets, an unknown bureau code, a bureau value for a measured indicator, a measured
    value for a bureau indicator, or a negative value.
    """
    if year not in targets.years:
        years = "、".join(str(y) for y in targets.years)
        raise InvalidIndicatorInput("indicator.no_year", years=years, year=year)
    for code, value in entered.items():
        spec = targets.get(code)
        if spec.source == Source.MEASURED:
            raise InvalidIndicatorInput("indicator.measured", name=spec.name)
        if value is not None and value < 0:
            raise InvalidIndicatorInput("indicator.negative", name=spec.name)
    # A county's own list may leave out a measured indicator: its figure is then not shown.
    listed = {i.code: i for i in targets.indicators}
    for code in measured:
        bureau = listed.get(code)
        if bureau is not None and bureau.source != Source.MEASURED:
            raise InvalidIndicatorInput("indicator.entered", name=bureau.name)
    results = []
    for spec in targets.indicators:
        values = measured if spec.source == Source.MEASURED else entered
        value = values.get(spec.code)
        target = spec.targets.get(year)
        results.append(
            IndicatorResult(spec, year, target, value, _status(spec.direction, value, target))
        )
    return results


def percent(tally: Tally) -> float | None:
    """A tally's rate in percent (computed as count*100/total so 29/100 is exactly 29)."""
    if not tally.total:
        return None
    return tally.count * 100 / tally.total


def measured_values(
    caseload: Caseload,
    year: int,
    *,
    policy: VisitPolicy,
    as_of: date | None = None,
    book: ProjectBook | None = None,
) -> dict[str, float | None]:
    """The measured indicators for a calendar year, rates in percent: the device and the
    server call this one function over the same kinds of records and the project book of
    the areas reported on.

    `as_of` limits coverage to the windows ended by that day (a year still in progress).
    Without a `book` (a device the server has not yet sent one) the four counts of the
    project library are unknown (None: 暂无数据), not 0.
    """
    period = Period.of_year(year)
    tallies = {COVERAGE.code: coverage(caseload, period, policy=policy, as_of=as_of).overall}
    tallies.update({code: r.overall for code, r in activity_reports(caseload, period).items()})
    return measured_from(tallies, period, book)


ACTIVITY_MEASURES = (NEEDS_FULFILMENT, SERVICE_COVERAGE, WISHES_FULFILLED)


def activity_reports(
    caseload: Caseload,
    period: Period | str,
    *,
    by: str | Breakdown | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Report]:
    """The measured indicators other than coverage and the library's counts — needs
    fulfilled, service-project coverage, wishes fulfilled — by code: counted from the
    caseload's households, needs, referrals, deliveries and wishes (not its visits)."""
    return {
        NEEDS_FULFILMENT.code: needs_fulfilment(caseload, period, by=by, names=names),
        SERVICE_COVERAGE.code: service_coverage(caseload, period, by=by, names=names),
        WISHES_FULFILLED.code: wishes_fulfilled(caseload, period, by=by, names=names),
    }


def measured_from(
    tallies: Mapping[str, Tally], period: Period | str, book: ProjectBook | None
) -> dict[str, float | None]:
    """The measured values from the tallies of coverage and `activity_reports` (by code;
    rates in percent, the wishes a count) and the project book's counts for `period`
    (unknown without a book). The county server adds its tallies up from its areas'."""
    out: dict[str, float | None] = {COVERAGE.code: percent(tallies[COVERAGE.code])}
    for measure in ACTIVITY_MEASURES:
        tally = tallies[measure.code]
        out[measure.code] = percent(tally) if measure.total_key else float(tally.count)
    if book is not None:
        out.update(library_counts(book, period))
    else:
        out.update(dict.fromkeys(LIBRARY_CODES))
    return out


def indicator_year(text: str | int) -> int:
    """A report year such as 2026; raises InvalidIndicatorInput otherwise."""
    try:
        year = int(str(text).strip())
    except ValueError:
        raise InvalidIndicatorInput("indicator.year", text=text) from None
    if not 2000 <= year <= 2100:
        raise InvalidIndicatorInput("indicator.year", text=text)
    return year
