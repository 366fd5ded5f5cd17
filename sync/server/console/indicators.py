"""The 20 indicators of the target list (三年目标清单) as the console shows them: each beside
its target, coloured by whether it is met; the bureau's values entered in a form, each
with its evidence note (佐证说明), and the history of every entry (who, when, old → new).

Which indicators are computed and which the bureau enters is the target list's and the
domain's (`app.domain.indicators`, `IndicatorSpec.source`): the page offers a form only
for those the list has the bureau enter, and the figures come from the report service
(`sync.server.services.reports.indicator_results`), the same as the API and the exports.

The computed ones are added up from the areas' summaries
(`sync.server.services.reports.indicators.kept_indicator_results`, as for the API, the
CLI and the exports): each village's tallies computed by the report service's and the
domain's functions and kept until a record of the village changes, so a page reads fresh
figures without reading the county's records again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from app.assets import load_target_list
from app.domain.indicators import (
    IndicatorResult,
    IndicatorSpec,
    Source,
    Status,
    format_number,
)
from app.ui.catalogue import label
from sync.server.console.auditlog import actor_names
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports import InvalidReportRequest, set_indicator
from sync.server.services.reports.indicators import EnteredValue, kept_indicator_results
from sync.server.services.reports.summaries import Earlier
from sync.server.tables import IndicatorEntry, IndicatorValue

HISTORY_SHOWN = 100


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator for the year: its result and, for an entered one, the current entry."""

    result: IndicatorResult
    entered: bool
    value_text: str
    target_text: str
    status: str  # met | not_met | no_data
    status_label: str
    source_label: str
    evidence: str = ""
    entered_by: str = ""
    entered_at: datetime | None = None


@dataclass(frozen=True)
class HistoryLine:
    number: int
    name: str
    previous: str
    value: str
    evidence: str
    who: str
    at: datetime


@dataclass(frozen=True)
class IndicatorsPage:
    year: int
    years: list[int]
    lines: list[IndicatorLine]
    history: list[HistoryLine]
    met: int
    measured_at: datetime  # when the computed indicators were computed
    # Today's coverage is being computed: the figures are counted to `updating.day`.
    updating: Earlier | None = None

    @property
    def enterable(self) -> list[IndicatorSpec]:
        return [line.result.spec for line in self.lines if line.entered]


def page_year(asked: str) -> tuple[int, list[int]]:
    """The year asked for if the target list has it, else this year or the list's last."""
    years = load_target_list().years
    try:
        year = int(asked.strip())
    except ValueError:
        year = date.today().year
    if year not in years:
        year = date.today().year if date.today().year in years else years[-1]
    return year, years


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{format_number(value)}{'' if unit in ('', '%') else ' '}{unit}"


def indicators_page(
    ctx: ServerContext, year: int, *, areas: list[str], actor: str
) -> IndicatorsPage:
    """The year's 20 indicators: computed ones over `areas`, entered ones city-wide."""
    today = date.today()
    targets = load_target_list()
    as_of = today if year == today.year else None
    with ctx.db.reading() as s:
        earlier: list[Earlier] = []  # on a new day, an earlier day's coverage, said as such
        results = kept_indicator_results(
            ctx, s, year, areas=areas, as_of=as_of, targets=targets, earlier=earlier
        )
        measured_at = datetime.now()
        values = {
            v.code: v
            for v in s.exec(select(IndicatorValue).where(col(IndicatorValue.year) == year))
        }
        entries = list(
            s.exec(
                select(IndicatorEntry)
                .where(col(IndicatorEntry.year) == year)
                .order_by(col(IndicatorEntry.id).desc())
                .limit(HISTORY_SHOWN)
            )
        )
        who = actor_names(
            s, {v.entered_by for v in values.values()} | {e.entered_by for e in entries}
        )
    specs = {spec.code: spec for spec in targets.indicators}
    lines = []
    for r in results:
        entered = r.spec.source == Source.ENTERED
        current = values.get(r.spec.code) if entered else None
        lines.append(
            IndicatorLine(
                result=r,
                entered=entered,
                value_text=_number(r.value, r.spec.unit),
                target_text=r.spec.target_text(year) or "—",
                status=r.status.value,
                status_label=label(r.status),
                source_label=label(r.spec.source),
                evidence=current.evidence if current else "",
                entered_by=who.get(current.entered_by, current.entered_by) if current else "",
                entered_at=current.entered_at if current else None,
            )
        )
    history = [
        HistoryLine(
            number=specs[e.code].number if e.code in specs else 0,
            name=specs[e.code].name if e.code in specs else e.code,
            previous=_number(e.previous, specs[e.code].unit if e.code in specs else ""),
            value=_number(e.value, specs[e.code].unit if e.code in specs else ""),
            evidence=e.evidence,
            who=who.get(e.entered_by, e.entered_by),
            at=e.entered_at,
        )
        for e in entries
    ]
    with ctx.db.small_write() as s:
        audit.record(
            s, "report_read", actor=actor, report="indicators_console", year=year, areas=areas
        )
    met = sum(1 for line in lines if line.result.status == Status.MET)
    updating = min(earlier, key=lambda e: e.computed_at, default=None)
    return IndicatorsPage(year, targets.years, lines, history, met, measured_at, updating)


def enter_value(
    ctx: ServerContext, year: int, code: str, value: str, evidence: str, *, actor: str
) -> EnteredValue:
    """The bureau enters one indicator's value with its evidence note; raises
    InvalidReportRequest (its sentence for the form) for anything the list refuses."""
    if not evidence.strip():
        raise InvalidReportRequest("请填写佐证说明（数据来源、文件或台账）。")
    if not value.strip():
        raise InvalidReportRequest("请填写指标值。")
    return set_indicator(ctx, year, code, value, actor=actor, evidence=evidence)
