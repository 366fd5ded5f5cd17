"""The 2024–2026 target list on the county server: measured values and the bureau's own.

Eight indicators are measured by the domain (`app.domain.indicators.measured_values`)
over the read model and the project library of the areas reported on (the device calls
the same function); the others are the values the bureau enters (`set_indicator`,
`import_values`), city-wide, shown as entered.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.assets import load_target_list, load_visit_policy
from app.domain.calendar import Period
from app.domain.coverage import COVERAGE, Caseload, Tally, earliest_counted_day
from app.domain.indicators import (
    ACTIVITY_MEASURES,
    IndicatorResult,
    InvalidIndicatorInput,
    TargetList,
    evaluate,
    measured_from,
    measured_values,
)
from app.domain.policy import VisitPolicy
from app.ui.catalogue import message
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.projects import project_book
from sync.server.services.reports.read_model import (
    entered_values,
    read_deliveries,
    read_households,
    read_needs,
    read_persons,
    read_referrals,
    read_visits,
    read_wishes,
)
from sync.server.services.reports.request import (
    InvalidReportRequest,
    report_year,
    sentence,
)
from sync.server.services.reports.summaries import (
    SCOPE_DIGITS,
    Earlier,
    activity_by_area,
    add_up,
    county_scopes,
    coverage_by_area,
    outermost,
)
from sync.server.tables import IndicatorEntry, IndicatorValue


def indicator_results(
    session: Session,
    year: int,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    policy: VisitPolicy | None = None,
    targets: TargetList | None = None,
) -> list[IndicatorResult]:
    """The twenty indicators for `year`: eight measured over `areas`, the rest as entered."""
    policy = policy or load_visit_policy()
    targets = targets or load_target_list()
    period = Period.of_year(year)
    households = read_households(session, areas)
    ids = {h.id for h in households}
    caseload = Caseload(
        households,
        read_persons(session, areas, ids),
        read_visits(
            session, areas, ids, earliest_counted_day(period), period.window.end, who=False
        ),
        read_needs(session, areas),
        read_wishes(session, areas),
        read_referrals(session, areas),
        deliveries=read_deliveries(session, areas),
    )
    book = project_book(session, areas)
    measured = measured_values(caseload, year, policy=policy, as_of=as_of, book=book)
    return _evaluated(session, year, measured, targets)


def _evaluated(
    session: Session, year: int, measured: dict[str, float | None], targets: TargetList
) -> list[IndicatorResult]:
    try:
        return evaluate(targets, year, measured, entered_values(session, year, targets))
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None


def kept_indicator_results(
    ctx: ServerContext,
    session: Session,
    year: int,
    *,
    areas: Sequence[str] | None = None,
    as_of: date | None = None,
    targets: TargetList | None = None,
    earlier: list[Earlier] | None = None,
) -> list[IndicatorResult]:
    """The twenty indicators as the console, the API, the CLI and the exports show them:
    the same figures as `indicator_results`, the measured ones added up from the areas'
    summaries (`summaries`: each village's tallies computed by the same functions and kept
    until its records change), so a read does not read the county's records again.

    A day other than today (an `as_of` asked for) is computed over the records, as is a
    scope the summaries do not cover (every area, with a record outside a village).
    `earlier`: a page's, which may be given an earlier day's coverage on a new day
    (`summaries.kept`)."""
    targets = targets or load_target_list()
    scopes = _summary_scopes(session, areas)
    if scopes is None or as_of not in (None, date.today()):
        return indicator_results(session, year, areas=areas, as_of=as_of, targets=targets)
    period = Period.of_year(year)
    visits: list[Tally] = []
    activity: dict[str, list[Tally]] = defaultdict(list)
    for scope in scopes:
        by_area = coverage_by_area(ctx, scope, period, as_of, earlier=earlier)
        visits += [a.tally for a in by_area.values()]
        for tallies in activity_by_area(ctx, scope, period).values():
            for code, tally in tallies.items():
                activity[code].append(tally)
    added = {COVERAGE.code: add_up(visits)}
    added.update({m.code: add_up(activity[m.code]) for m in ACTIVITY_MEASURES})
    measured = measured_from(added, period, project_book(session, areas))
    return _evaluated(session, year, measured, targets)


def _summary_scopes(session: Session, areas: Sequence[str] | None) -> list[str] | None:
    """The scopes whose summaries add up to `areas` (None: every area), each counted once;
    None if one is not a county, township or village code."""
    if areas is None:
        return county_scopes(session)
    if not all(code.isdigit() and len(code) in SCOPE_DIGITS for code in areas):
        return None
    return outermost(areas)


@dataclass(frozen=True)
class EnteredValue:
    """A bureau value for one indicator and year."""

    code: str
    year: int
    value: float
    evidence: str = ""  # 佐证说明: where the figure comes from


EVIDENCE_MAX = 500


def check_value(
    targets: TargetList, code: str, year: str | int, value: str | float, evidence: str = ""
) -> EnteredValue:
    """A bureau value the target list takes, or InvalidReportRequest saying why not."""
    number = report_year(year)
    try:
        amount = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise InvalidReportRequest(f"指标值应为数字：{value!r}。") from None
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise InvalidReportRequest(f"指标值应为数字：{value!r}。")
    try:
        evaluate(targets, number, {}, {code.strip(): amount})
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None
    evidence = evidence.strip()
    if len(evidence) > EVIDENCE_MAX:
        raise InvalidReportRequest(f"佐证说明最多{EVIDENCE_MAX}字。")
    return EnteredValue(code.strip(), number, amount, evidence)


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
    """Store the bureau's values (a later value for the same indicator and year replaces it);
    every entry is kept in the history (`IndicatorEntry`) with the value it replaced."""
    now = datetime.now(UTC)
    with ctx.db.small_write() as session:
        for v in values:
            row = session.get(IndicatorValue, (v.code, v.year))
            previous = None if row is None else row.value
            if row is None:
                row = IndicatorValue(
                    code=v.code,
                    year=v.year,
                    value=v.value,
                    entered_by=actor,
                    entered_at=now,
                    evidence=v.evidence,
                )
            else:
                row.value, row.entered_by, row.entered_at = v.value, actor, now
                row.evidence = v.evidence
            session.add(row)
            session.add(
                IndicatorEntry(
                    code=v.code,
                    year=v.year,
                    value=v.value,
                    previous=previous,
                    evidence=v.evidence,
                    entered_by=actor,
                    entered_at=now,
                )
            )
            audit.record(
                session,
                "indicator_set",
                actor=actor,
                code=v.code,
                year=v.year,
                value=v.value,
                previous=previous,
            )
    return len(values)


def set_indicator(
    ctx: ServerContext,
    year: str | int,
    code: str,
    value: str | float,
    *,
    actor: str = "cli",
    evidence: str = "",
) -> EnteredValue:
    """Enter one bureau value; raises InvalidReportRequest for a code, year or value it refuses."""
    entered = check_value(load_target_list(), code, year, value, evidence)
    save_values(ctx, [entered], actor=actor)
    return entered


def import_values(ctx: ServerContext, path: Path, *, actor: str = "cli") -> int:
    """Enter the bureau values of a CSV file, all or none."""
    return save_values(ctx, read_values_csv(path, load_target_list()), actor=actor)
