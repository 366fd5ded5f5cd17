"""The desk pages add up per-area summaries (`reports.summaries`): the figures equal the
report service's over the whole scope, the warnings (预警) stand beside coverage counted by
village, scoped like the rest of the page, a view after another computes nothing again,
and a visit synced from a device changes the figures at the next view (no stale figure)."""

from __future__ import annotations

import importlib
import json
import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from typer.testing import CliRunner

from app.domain.codes import NeedArea, NeedStatus, Team, VisitMode, VisitOutcome
from app.domain.records import Household, Need, Visit
from app.domain.warnings import count_by_area
from app.reports import indicators_csv
from sync.server.cli import server_app
from sync.server.console.coverage import current_quarter, keep_summaries
from sync.server.services import exchange, indicator_notes
from sync.server.services.reports import (
    ReportFormat,
    coverage_reports,
    indicator_results,
    indicators_export,
    report_period,
    summaries,
)
from sync.server.services.reports import indicators as indicator_service
from sync.server.services.reports.events import warnings_on
from sync.server.services.reports.summaries import outermost
from sync.server.tables import AreaSummary
from tests.console.conftest import OTHER_TOWNSHIP, TODAY, TOWNSHIP
from tests.sync.conftest import make_device, signed

__all__ = ["make_device"]
# The page's module (the package's `indicators` attribute is its routes' module).
indicators_page = importlib.import_module("sync.server.console.indicators")

PERIOD = "2026-11"  # a finished month of the demo data
BIG = re.compile(r'<span class="big[^"]*">([^<]+)</span>')
ROW = re.compile(
    r'<a href="/console/coverage/(\d+)\?[^"]*">[^<]*</a></td>\s*'
    r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>\s*<td class="num">[^<]*</td>\s*'
    r'<td class="num[^"]*">(\d+)</td>'
)


def _rate(count: int, total: int | None) -> str:
    return "—" if not total else f"{count * 100 / total:.1f}%"


def _expected(ctx, code: str) -> tuple[list[str], dict[str, tuple[int, int]], list[str]]:  # type: ignore[no-untyped-def]
    """The report service's figures for `code` over the whole scope: the four big ones,
    (due, covered) by village, and the overdue households in list order."""
    with ctx.db.reading() as s:
        data = coverage_reports(s, report_period(PERIOD), [None, "village"], areas=(code,))
    overall, by_village = data.reports
    overdue = [o.household_id for o in overall.overdue or ()]
    big = [
        _rate(overall.overall.count, overall.overall.total),
        str(overall.overall.total),
        str(overall.overall.count),
        str(len(overdue)),
    ]
    villages = {r.key: (r.tally.total or 0, r.tally.count) for r in by_village.rows}
    return big, villages, overdue


def _warnings(ctx, code: str) -> tuple[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        found = warnings_on(s, date.today(), areas=[code]).warnings
    _, rows = count_by_area(found, 12)
    return len(found), {r.key: r.total for r in rows}


@pytest.fixture
def computed(monkeypatch):  # type: ignore[no-untyped-def]
    """The areas each coverage computation of a summary was asked for."""
    asked: list[list[str]] = []
    real = summaries.coverage_reports

    def counting(session, period, breakdowns, *, areas, as_of):  # type: ignore[no-untyped-def]
        asked.append(list(areas))
        return real(session, period, breakdowns, areas=areas, as_of=as_of)

    monkeypatch.setattr(summaries, "coverage_reports", counting)
    return asked


def _visit_every_week(device, household_id: str, first: date = date(2026, 10, 26)) -> None:  # type: ignore[no-untyped-def]
    """Someone met at home every Monday from `first` to 30 Nov 2026: every ISO week and
    month between hold a visit that counts, whatever the household's rule."""
    with device.store.unit_of_work() as uow:
        household = uow.records.get(Household, household_id)
        day = first
        while day <= date(2026, 11, 30):
            uow.records.add(
                Visit(
                    area_code=household.area_code,
                    household_id=household_id,
                    visited_at=datetime.combine(day, time(10)),
                    worker_id=device.worker_id,
                    team=Team.GRID_WORKER,
                    mode=VisitMode.HOME,
                    outcome=VisitOutcome.MET,
                )
            )
            day += timedelta(weeks=1)
        uow.commit()
    device.sync()


def test_the_kept_figures_add_up_and_a_synced_visit_changes_them(
    ctx, county, signed_in, make_device, computed
) -> None:
    client = signed_in["supervisor"]
    url = f"/console/coverage/{TOWNSHIP}?period={PERIOD}"
    first = client.get(url)
    assert first.status_code == 200
    big, villages, overdue = _expected(ctx, TOWNSHIP)
    assert BIG.findall(first.text) == big
    total, by_village = _warnings(ctx, TOWNSHIP)
    rows = {code: (int(d), int(c), int(w)) for code, d, c, w in ROW.findall(first.text)}
    assert {code: (d, c) for code, (d, c, _) in rows.items()} == villages
    assert {code: w for code, (_, _, w) in rows.items() if w} == by_village
    assert f"共 {total} 条预警" in first.text and total > 0
    assert len(computed) == 1  # the township's villages, in one computation
    listed = re.findall(r'href="/console/households/([0-9a-f-]{36})"', first.text)
    assert listed == overdue and overdue

    assert client.get(url).text.count("<tr>") == first.text.count("<tr>")
    assert len(computed) == 1  # the second view reads what was kept

    device = make_device(areas=[TOWNSHIP])
    device.sync()
    target = overdue[0]
    with device.store.unit_of_work() as uow:  # a need: a record coverage does not read
        household = uow.records.get(Household, target)
        uow.records.add(
            Need(
                area_code=household.area_code,
                household_id=target,
                area=NeedArea.MEDICAL,
                description="需要陪同就医",
                raised_on=date(2026, 11, 2),
                status=NeedStatus.REASONABLE,
            )
        )
        uow.commit()
    device.sync()
    assert BIG.findall(client.get(url).text) == big
    assert len(computed) == 1  # its village's coverage restamped, not computed again
    _visit_every_week(device, target)
    after = client.get(url)
    assert len(computed) == 2 and len(computed[1]) == 1  # the visit's village alone
    new_big, new_villages, new_overdue = _expected(ctx, TOWNSHIP)
    assert BIG.findall(after.text) == new_big
    assert int(new_big[3]) == int(big[3]) - 1 and target not in new_overdue
    rows = {code: (int(d), int(c), int(w)) for code, d, c, w in ROW.findall(after.text)}
    assert {code: (d, c) for code, (d, c, _) in rows.items()} == new_villages
    total, by_village = _warnings(ctx, TOWNSHIP)
    assert {code: w for code, (_, _, w) in rows.items() if w} == by_village
    assert f"共 {total} 条预警" in after.text
    county_page = client.get(f"/console/coverage/330702?period={PERIOD}")
    assert BIG.findall(county_page.text) == _expected(ctx, "330702")[0]  # the sum upward


def test_a_coordinator_sees_the_warnings_of_their_township_only(ctx, signed_in) -> None:
    client = signed_in["coordinator"]
    page = client.get(f"/console/coverage/{TOWNSHIP}?period={PERIOD}")
    total, by_village = _warnings(ctx, TOWNSHIP)
    assert f"共 {total} 条预警" in page.text
    rows = {code: int(w) for code, _, _, w in ROW.findall(page.text)}
    assert {code: w for code, w in rows.items() if w} == by_village
    assert all(code.startswith(TOWNSHIP) for code in rows)
    for elsewhere in ("330702", OTHER_TOWNSHIP, OTHER_TOWNSHIP[:6]):
        refused = client.get(f"/console/coverage/{elsewhere}?period={PERIOD}")
        assert refused.status_code in (403, 404)
        assert "条预警" not in refused.text


def test_the_indicators_page_adds_up_the_kept_figures_and_follows_a_push(
    ctx, county, make_device
) -> None:
    year = date.today().year
    today = date.today()

    def page_values() -> dict[str, float | None]:
        page = indicators_page.indicators_page(ctx, year, areas=["330702"], actor="test")
        return {line.result.spec.code: line.result.value for line in page.lines}

    def service_values() -> dict[str, float | None]:
        with ctx.db.reading() as s:
            results = indicator_results(s, year, areas=["330702"], as_of=today)
        return {r.spec.code: r.value for r in results}

    before = page_values()
    assert before == service_values() and before["visit_coverage"] is not None
    device = make_device(areas=[TOWNSHIP])
    device.sync()
    with ctx.db.reading() as s:
        data = coverage_reports(s, report_period(PERIOD), [None], areas=(TOWNSHIP,))
    overdue = (data.reports[0].overdue or ())[0].household_id
    _visit_every_week(device, overdue, first=date(2025, 12, 29))  # the whole year covered
    after = page_values()
    assert after == service_values()
    assert after["visit_coverage"] != before["visit_coverage"]


def _full(ctx, year: int, areas: list[str] | None, as_of: date | None) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    """The target list's values computed over the records (`indicator_results`)."""
    with ctx.db.reading() as s:
        results = indicator_results(s, year, areas=areas, as_of=as_of)
    return {r.spec.code: r.value for r in results}


def _exported(
    ctx, year: int, areas: list[str] | None, as_of: date | None = None
) -> dict[str, float | None]:  # type: ignore[no-untyped-def]
    body = indicators_export(ctx, year, ReportFormat.JSON, areas=areas, as_of=as_of).body
    return {i["code"]: i["value"] for i in json.loads(body)["indicators"]}


def test_the_api_cli_and_exports_add_up_the_kept_figures(
    ctx, county, make_device, computed, monkeypatch
) -> None:
    """The target list over HTTP, from the CLI and in the exports reads the areas' summaries
    (nothing computed again after the console page), with the figures of the computation
    over the records: for a township, the county, every area, after a push, and an asked
    day other than today computed over the records."""
    year, today = date.today().year, date.today()
    exchange.load_demo(ctx, 12, seed=5, today=TODAY, scope=[OTHER_TOWNSHIP])  # a second county
    expected = {
        key: _full(ctx, year, areas, today)
        for key, areas in {"county": ["330702"], "township": [TOWNSHIP], "all": None}.items()
    }
    assert expected["all"] != expected["county"]  # two counties: the CLI's read is wider
    read = indicator_service.read_visits
    full_reads: list[object] = []

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        full_reads.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(indicator_service, "read_visits", counting)
    page = indicators_page.indicators_page(ctx, year, areas=["330702"], actor="test")
    assert {line.result.spec.code: line.result.value for line in page.lines} == expected["county"]
    asked = len(computed)
    assert _exported(ctx, year, ["330702"]) == expected["county"]
    assert _exported(ctx, year, [TOWNSHIP]) == expected["township"]
    assert len(computed) == asked  # the county's summaries hold the township's villages

    coordinator = make_device(role="coordinator", areas=[TOWNSHIP])
    answer = signed(coordinator, "GET", f"/v1/reports/indicators?year={year}")
    assert answer.status_code == 200, answer.text
    assert {i["code"]: i["value"] for i in answer.json()["indicators"]} == expected["township"]
    as_csv = signed(coordinator, "GET", f"/v1/reports/indicators?year={year}&format=csv")
    with ctx.db.reading() as s:
        results = indicator_results(s, year, areas=[TOWNSHIP], as_of=today)
        csv_expected = indicators_csv(results, year, indicator_notes.note_texts(s, year))
    assert as_csv.status_code == 200 and as_csv.content == csv_expected
    full_reads.clear()  # (the CSV expected was computed over the records)

    cli = CliRunner().invoke(server_app, ["report", "indicators", "--year", str(year), "--db", ctx.settings.database_url])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert {i["code"]: i["value"] for i in json.loads(cli.stdout)["indicators"]} == expected["all"]
    assert not full_reads  # none of them read the visits of the county
    with ctx.db.reading() as s:
        kept_counties = {code[:6] for code in s.exec(select(col(AreaSummary.area_code)))}
    assert kept_counties == {"330702", OTHER_TOWNSHIP[:6]}
    asked = len(computed)

    device = make_device(areas=[TOWNSHIP])
    device.sync()
    with ctx.db.reading() as s:
        data = coverage_reports(s, report_period(PERIOD), [None], areas=(TOWNSHIP,))
    overdue = (data.reports[0].overdue or ())[0].household_id
    _visit_every_week(device, overdue, first=date(2025, 12, 29))  # the whole year covered
    after = _exported(ctx, year, None)
    assert after == _full(ctx, year, None, today) and after != expected["all"]
    assert len(computed) == asked + 1  # the visit's village alone

    earlier = date(year, 6, 30)
    full_reads.clear()
    assert _exported(ctx, year, ["330702"], earlier) == _full(ctx, year, ["330702"], earlier)
    with ctx.db.reading() as s:
        days = set(s.exec(select(col(AreaSummary.as_of))))
    assert earlier.isoformat() not in days  # an asked day is not kept


def test_outermost_scopes_count_an_area_once() -> None:
    assert outermost(["330702102", "330702", "330703101", "330702"]) == [
        "330702",
        "330703101",
    ]


def test_the_keeper_computes_ahead_what_the_desk_pages_read(ctx, signed_in, computed) -> None:
    keep_summaries(ctx)
    asked = len(computed)
    assert (
        asked == 2
    )  # the quarter and the year, for the supervisor's county (it holds the township)
    client = signed_in["coordinator"]
    quarter = current_quarter()
    page = client.get(f"/console/coverage/{TOWNSHIP}?period={quarter}")
    assert page.status_code == 200 and ("条预警" in page.text or "没有预警" in page.text)
    assert (
        signed_in["supervisor"].get(f"/console/indicators?year={date.today().year}").status_code
        == 200
    )
    assert len(computed) == asked  # nothing computed again


def _as_if_kept_yesterday(ctx) -> date:  # type: ignore[no-untyped-def]
    """Today's kept summaries moved to yesterday, as a new day finds them; yesterday."""
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    with ctx.db.small_write() as s:
        s.execute(
            update(AreaSummary)
            .where(col(AreaSummary.as_of) == today.isoformat())
            .values(as_of=yesterday.isoformat())
        )
    return yesterday


def _background_done() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("summaries-"):
            thread.join()


def test_a_new_day_shows_the_earlier_days_figures_said_as_such_while_todays_are_computed(
    ctx, signed_in, computed
) -> None:
    client = signed_in["supervisor"]
    url = f"/console/coverage/{TOWNSHIP}?period={current_quarter()}"
    first = client.get(url)
    assert first.status_code == 200 and "正在更新" not in first.text
    year = date.today().year
    page = indicators_page.indicators_page(ctx, year, areas=["330702"], actor="test")
    values = {line.result.spec.code: line.result.value for line in page.lines}
    assert page.updating is None
    asked = len(computed)
    yesterday = _as_if_kept_yesterday(ctx)

    shown = client.get(url)
    assert shown.status_code == 200
    assert f"正在更新：今日的数据正在计算，以下为截至 {yesterday} 的数据" in shown.text
    assert f"统计至 {yesterday}" in shown.text and f"截至 {yesterday}，" in shown.text
    assert BIG.findall(shown.text) == BIG.findall(first.text)  # the kept figures, said as such
    earlier = indicators_page.indicators_page(ctx, year, areas=["330702"], actor="test")
    assert earlier.updating is not None and earlier.updating.day == yesterday
    assert {line.result.spec.code: line.result.value for line in earlier.lines} == values
    # An export waits for today's figures (the computation over the records').
    assert _exported(ctx, year, ["330702"]) == _full(ctx, year, ["330702"], date.today())

    _background_done()
    assert len(computed) > asked  # today's computed once more, in the background
    fresh = client.get(url)
    assert "正在更新" not in fresh.text and f"统计至 {date.today()}" in fresh.text
    assert BIG.findall(fresh.text) == BIG.findall(first.text)
    again = indicators_page.indicators_page(ctx, year, areas=["330702"], actor="test")
    assert again.updating is None
    assert {line.result.spec.code: line.result.value for line in again.lines} == values
