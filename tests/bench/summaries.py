"""Summaries benchmark: `python -m tests.bench.summaries [--households N] [--db URL|postgres]`.

The console bench's county (`--households`, the demo's 300 by default; on PostgreSQL past
5,000 copies of the demo county bulk-loaded with COPY) and its visit-log village. Every
kept summary is dropped first, then, in the same run, each against its baseline:

- the target list (the 20 indicators) over the county, in-process: computed over the
  records (`indicator_results`, what the API, the CLI and the exports did) against read
  from the areas' summaries (`kept_indicator_results`, the console's, now theirs too): the
  first read (summaries computed), then the JSON / CSV / XLSX exports (summaries kept),
  and whether the figures are identical;
- the CLI (`doorstep server report indicators`, its own process, every area), twice;
- the first console view of a new day, the server in its own process with no keeper
  (DOORSTEP_SUMMARY_REFRESH_S=0), a supervisor signed in: the county's coverage page seen
  first ever (every summary computed while the request waits); then the day's summaries
  moved to yesterday, as a new day finds them, and computed again in-process the way a
  request did before (the baseline: waiting for the whole county); then moved again and
  the page asked for (yesterday's figures said as such, "正在更新"), and asked for every
  0.5 s until today's are in; the same for the target list's page.

`--profile` prints where the baseline's new-day computation spends its time (cProfile).
`--keep` keeps a fresh PostgreSQL database; `--db URL --seeded` times a kept one again
(the console bench's `--keep` databases too). Prints the figures and their ratios to the
baselines, then one JSON line with all of them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, update
from sqlmodel import col

from app.domain.calendar import Period
from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.services.reports import ReportFormat, indicator_results, indicators_export
from sync.server.services.reports.indicators import kept_indicator_results
from sync.server.services.reports.summaries import coverage_by_area, warnings_by_area
from sync.server.settings import Settings
from sync.server.tables import AreaSummary
from tests.bench.console import (
    COUNTY,
    CSRF,
    LOG_VILLAGE,
    PASSWORD,
    _fresh_postgres,
    _seed,
    ok,
    start_server,
    stop_bench,
    timed,
)
from tests.sync.conftest import free_port

UPDATING = "正在更新"


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def once(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = call()
    return round((time.perf_counter() - start) * 1000, 1), value


def _as_if_yesterday(ctx: ServerContext) -> None:
    """Today's kept summaries moved to yesterday, as the first request of a new day finds them."""
    today = date.today()
    yesterday = (today - timedelta(days=1)).isoformat()
    with ctx.db.small_write() as s:
        s.execute(delete(AreaSummary).where(col(AreaSummary.as_of) == yesterday))
        s.execute(
            update(AreaSummary)
            .where(col(AreaSummary.as_of) == today.isoformat())
            .values(as_of=yesterday)
        )


def _values(results: Any) -> dict[str, float | None]:
    return {r.spec.code: r.value for r in results}


def _until_fresh(http: httpx.Client, url: str) -> tuple[float, int]:
    """Ask for `url` every 0.5 s until it no longer says 正在更新: the seconds, the asks."""
    start, asks = time.perf_counter(), 0
    while True:
        asks += 1
        if UPDATING not in ok(http.get(url)).text:
            return round(time.perf_counter() - start, 1), asks
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=300, help="the county's households")
    parser.add_argument("--runs", type=int, default=5, help="timed calls of the exports (5)")
    parser.add_argument("--db", default="", help="a database URL, or 'postgres' for a fresh one")
    parser.add_argument("--keep", action="store_true", help="keep a fresh PostgreSQL database")
    parser.add_argument("--seeded", action="store_true", help="--db was seeded by a bench")
    parser.add_argument("--profile", action="store_true", help="profile the baseline's new day")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-summaries-"))
    pg_name = ""
    db_url = args.db or f"sqlite:///{folder / 'county.db'}"
    if args.db == "postgres":
        pg_name, db_url = _fresh_postgres()
    settings = Settings(
        database_url=db_url, secret_key_file=str(folder / "server.key"), summary_refresh_s=0
    )
    ctx = ServerContext.open(settings)
    server = None
    result: dict[str, Any] = {"bench": "summaries", "load_before": _load()}
    today, year = date.today(), date.today().year
    quarter = Period.parse(f"{year}-Q{(today.month - 1) // 3 + 1}")
    try:
        if not args.seeded:
            result["seeding"] = _seed(ctx, db_url, pg_name, args.households)
            accounts.add_account(
                ctx, username="bench", name="督导", role="supervisor", password=PASSWORD,
                areas=[COUNTY, LOG_VILLAGE[:6]],
            )  # fmt: skip
        with ctx.db.small_write() as s:
            s.execute(delete(AreaSummary))  # every figure computed in this run

        # The target list: computed over the records (baseline) against the summaries.
        def full() -> object:
            with ctx.db.reading() as s:
                return indicator_results(s, year, areas=[COUNTY], as_of=today)

        def summed() -> object:
            with ctx.db.reading() as s:
                return kept_indicator_results(ctx, s, year, areas=[COUNTY], as_of=today)

        print(f"target list over the records … (load {_load()})", file=sys.stderr, flush=True)
        result["target_list_computed_ms"], computed = once(full)
        result["target_list_summaries_first_ms"], first = once(summed)
        result["target_list_summaries_kept_ms"], kept = once(summed)
        result["target_list_identical"] = _values(computed) == _values(first) == _values(kept)
        for form in (ReportFormat.JSON, ReportFormat.CSV, ReportFormat.XLSX):
            result[f"indicators_export_{form.value}"] = timed(
                args.runs,
                lambda form=form: indicators_export(ctx, year, form, areas=[COUNTY]),
            )
        command = [sys.executable, "-c", "from app.cli import main; main()", "server", "report"]
        command += ["indicators", "--year", str(year), "--db", db_url]
        for run in ("cli_first_ms", "cli_again_ms"):  # every area: the log village's county too
            result[run], _ = once(lambda: subprocess.run(command, check=True, capture_output=True))
        imports = [sys.executable, "-c", "import sync.server.cli, sync.server.services.reports"]
        result["cli_imports_only_ms"], _ = once(lambda: subprocess.run(imports, check=True))

        # The first console view of a new day.
        port = free_port()
        env = {"DOORSTEP_SECRET_KEY_FILE": str(folder / "server.key")}
        env["DOORSTEP_SUMMARY_REFRESH_S"] = "0"
        server = start_server(db_url, port, env)
        county_url = f"/console/coverage/{COUNTY}?period={quarter.label}"
        list_url = f"/console/indicators?year={year}"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
            page = ok(http.get("/console/login"))
            form_data = {"username": "bench", "password": PASSWORD}
            form_data["csrf"] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            ok(http.post("/console/login", data=form_data), 303)
            print(f"county page, first ever … (load {_load()})", file=sys.stderr, flush=True)
            result["county_first_ever_ms"], _ = once(lambda: ok(http.get(county_url)))
            result["county_kept_ms"] = timed(args.runs, lambda: ok(http.get(county_url)))
            ok(http.get(list_url))

            _as_if_yesterday(ctx)

            def as_before() -> None:  # a request of a new day before: wait for the county
                coverage_by_area(ctx, COUNTY, quarter, today)
                warnings_by_area(ctx, COUNTY, today)

            profile = cProfile.Profile() if args.profile else None
            if profile:
                profile.enable()
            result["new_day_waiting_baseline_ms"], _ = once(as_before)
            if profile:
                profile.disable()
                stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
                stats.print_stats(30)

            _as_if_yesterday(ctx)
            result["new_day_county_first_view_ms"], shown = once(lambda: ok(http.get(county_url)))
            result["new_day_county_said_earlier"] = UPDATING in shown.text  # type: ignore[attr-defined]
            result["new_day_county_fresh_after_s"], _ = _until_fresh(http, county_url)
            result["new_day_county_fresh_view"] = timed(args.runs, lambda: ok(http.get(county_url)))

            # The year's coverage counted to today kept for the supervisor's areas (the log
            # village's county too), then moved to yesterday.
            with ctx.db.reading() as s:
                kept_indicator_results(ctx, s, year, areas=[COUNTY, LOG_VILLAGE[:6]], as_of=today)
            _as_if_yesterday(ctx)
            result["new_day_target_list_first_view_ms"], shown = once(
                lambda: ok(http.get(list_url))
            )
            result["new_day_target_list_said_earlier"] = UPDATING in shown.text  # type: ignore[attr-defined]
            result["new_day_target_list_fresh_after_s"], _ = _until_fresh(http, list_url)
    finally:
        stop_bench(server, ctx, pg_name, db_url, keep=args.keep)
    result["load_after"] = _load()
    base = result["target_list_computed_ms"]
    print(f"target list, computed over the records   {base:10.1f} ms  (baseline)")
    print(
        f"  from the summaries, first (computed)   {result['target_list_summaries_first_ms']:10.1f} ms"
    )
    print(
        f"  from the summaries, kept               {result['target_list_summaries_kept_ms']:10.1f} ms  ({base / max(result['target_list_summaries_kept_ms'], 0.1):.0f}x)"
    )
    for form in ("json", "csv", "xlsx"):
        figures = result[f"indicators_export_{form}"]
        print(
            f"  export {form:4} p50 / p95               {figures['p50_ms']:8.1f} / {figures['p95_ms']:.1f} ms  ({base / max(figures['p50_ms'], 0.1):.0f}x)"
        )
    print(f"  identical figures: {result['target_list_identical']}")
    print(
        f"CLI report indicators (own process)      {result['cli_first_ms']:10.1f} ms first, {result['cli_again_ms']:.1f} ms again"
    )
    print(f"county page, first ever (waits)          {result['county_first_ever_ms']:10.1f} ms")
    wait = result["new_day_waiting_baseline_ms"]
    first_view = result["new_day_county_first_view_ms"]
    print(f"new day, county: waiting as before       {wait:10.1f} ms  (baseline)")
    print(
        f"  first view (earlier, 正在更新: {result['new_day_county_said_earlier']})  {first_view:10.1f} ms  ({wait / max(first_view, 0.1):.0f}x)"
    )
    print(
        f"  today's figures in after               {result['new_day_county_fresh_after_s']:10.1f} s"
    )
    print(
        f"new day, target list first view          {result['new_day_target_list_first_view_ms']:10.1f} ms  (正在更新: {result['new_day_target_list_said_earlier']}; fresh after {result['new_day_target_list_fresh_after_s']} s)"
    )
    print(f"load average {result['load_before']} → {result['load_after']}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
