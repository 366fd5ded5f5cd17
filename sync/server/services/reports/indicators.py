"""The 2024–2026 target list on the county server: measured values and the bureau's own.

Four indicators are measured by the domain (`app.domain.indicators.measured_values`)
over the read model; the others are the values the bureau enters (`set_indicator`,
`import_values`), city-wide, shown as entered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.assets import load_target_list, load_visit_policy
from app.domain.calendar import Period
from app.domain.coverage import Caseload, earliest_counted_day
from app.domain.indicators import (
    IndicatorResult,
    InvalidIndicatorInput,
    TargetList,
    evaluate,
    measured_values,
)
from app.domain.policy import VisitPolicy
from app.ui.catalogue import message
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports.read_model import (
    entered_values,
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
from sync.server.tables import IndicatorValue


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
    )
    measured = measured_values(caseload, year, policy=policy, as_of=as_of)
    try:
        return evaluate(targets, year, measured, entered_values(session, year, targets))
    except InvalidIndicatorInput as exc:
        raise InvalidReportRequest(sentence(message(exc))) from None


@dataclass(frozen=True)
class EnteredValue:
    """A bureau value for one indicator and year."""

    code: str
    year: int
    value: float


def check_value(
    targets: TargetList, code: str, year: str | int, value: str | float
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
