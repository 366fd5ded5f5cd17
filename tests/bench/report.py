"""Benchmark of the coverage report on the device (issue 5): 5,000 households, own store.

Demo data for 5,000 households with their year of visits is written to an encrypted
sandbox; then, as the supervisor's screen does, the records are read back and the
coverage of the month in progress is computed by village with its overdue list. Figures:
the store read, the computation from records in memory, both together (goal ≤ 500 ms),
the same with visits read as `VisitFact`s from decrypted rows (no pydantic), and
for context all six breakdowns at once, a 12-month trend, the four measured
indicators and an XLSX export. Prints a table, then one JSON line. `--quick`: 1/10 scale.

The county-server half of issue 5's benchmark (100,000 households and 1,000,000 visits
on PostgreSQL, against a bare GROUP BY query) needs the server's reporting code and is
not measured here; `--county 20` times only its pure-Python computation.

    python -m tests.bench.report [--quick] [--county 20]
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from app.assets import load_visit_policy as load_policy
from app.demo.generator import generate
from app.domain.coverage import Breakdown, Caseload, VisitFact, coverage, coverage_by
from app.domain.indicators import measured_values
from app.domain.records import Household, Need, Person, Referral, Visit, Wish
from app.reports import household_heads, report_xlsx
from app.store.sandbox import Sandbox
from app.store.store import Store

T = TypeVar("T")

PIN = "135790"
TODAY = date(2026, 11, 28)
PERIOD = "2026-11"
FULL_HOUSEHOLDS = 5_000
GOAL_MS = 500.0  # coverage for 5,000 households on the tablet's own store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _best_ms(fn: Callable[[], T], repeats: int) -> tuple[float, float, T]:
    """(best, median) wall milliseconds over `repeats` runs, and the last result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    assert result is not None
    return min(times), statistics.median(times), result


def _months_back(today: date, count: int) -> list[str]:
    """The `count` months ending with today's, oldest first: 2025-12 … 2026-11."""
    now = today.year * 12 + today.month - 1
    return [f"{n // 12}-{n % 12 + 1:02d}" for n in range(now - count + 1, now + 1)]


def run(scale: float, seed: int, repeats: int) -> dict[str, Any]:
    households = max(50, round(FULL_HOUSEHOLDS * scale))
    policy = load_policy()
    _say(f"generating demo data: {households} households …")
    start = time.perf_counter()
    data = generate(households, seed=seed, today=TODAY)
    _say(
        f"  {len(data.households)} households, {len(data.persons)} persons, "
        f"{len(data.visits)} visits in {time.perf_counter() - start:.1f} s"
    )
    root = Path(tempfile.mkdtemp(prefix="doorstep-bench-report-"))
    try:
        sandbox, key = Sandbox.create(root / "device", "基准测试", PIN)
        store = Store(sandbox.db_path, key, device_id=sandbox.info.device_id, worker_id="bench")
        _say("writing them to an encrypted sandbox …")
        store.add_many(list(data.records()))

        def read() -> tuple[list[Household], list[Person], list[Visit]]:
            return store.load_all(Household), store.load_all(Person), store.load_all(Visit)

        def read_facts() -> tuple[list[Household], list[Person], list[VisitFact]]:
            """Visits as VisitFacts straight from decrypted rows, skipping pydantic."""
            facts = []
            for row in store.iter_rows(
                "visit", ("id", "household_id", "mode", "outcome", "details")
            ):
                details = row["details"]
                if not isinstance(details, dict):
                    continue  # a damaged row: load_all would name it; the report skips it
                facts.append(
                    VisitFact.of(
                        row["household_id"],
                        datetime.fromisoformat(details["visited_at"]),
                        row["mode"],
                        row["outcome"],
                        details["worker_id"],
                        details["team"],
                        row["id"],
                        details.get("amends_visit_id"),
                    )
                )
            return store.load_all(Household), store.load_all(Person), facts

        def compute(records: tuple[list[Household], list[Person], Sequence[Any]]) -> Any:
            caseload = Caseload(*records)
            return coverage(
                caseload, PERIOD, policy=policy, by="village", names=data.areas, as_of=TODAY
            )

        _say(f"timing {repeats} runs of each step …")
        read_ms, read_med, records = _best_ms(read, repeats)
        compute_ms, compute_med, report = _best_ms(lambda: compute(records), repeats)
        total_ms, total_med, _ = _best_ms(lambda: compute(read()), repeats)
        facts_ms, facts_med, fast = _best_ms(lambda: compute(read_facts()), repeats)
        if fast.to_json() != report.to_json():
            raise SystemExit("the VisitFact path gave another report than the records")

        caseload = Caseload(
            *records,
            store.load_all(Need),
            store.load_all(Wish),
            store.load_all(Referral),
        )
        build_ms, _, _ = _best_ms(lambda: Caseload(*records), repeats)
        all_ms, _, sheets = _best_ms(
            lambda: coverage_by(
                caseload, PERIOD, [None, *Breakdown], policy=policy, names=data.areas, as_of=TODAY
            ),
            repeats,
        )
        months = _months_back(TODAY, 12)
        trend_ms, _, trend = _best_ms(
            lambda: [coverage(caseload, m, policy=policy, as_of=TODAY) for m in months], repeats
        )
        indicators_ms, _, values = _best_ms(
            lambda: measured_values(caseload, TODAY.year, policy=policy, as_of=TODAY), repeats
        )
        heads = household_heads(records[1])
        xlsx_ms, _, xlsx = _best_ms(
            lambda: report_xlsx(sheets, names=data.areas, heads=heads), repeats
        )
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "scale": scale,
        "seed": seed,
        "households": len(data.households),
        "persons": len(data.persons),
        "visits": len(data.visits),
        "period": PERIOD,
        "as_of": TODAY.isoformat(),
        "due": report.overall.total,
        "covered": report.overall.count,
        "rate": report.overall.rate,
        "overdue": len(report.overdue),
        "villages": len(report.rows),
        "store_read_ms": read_ms,
        "compute_ms": compute_ms,
        "read_and_compute_ms": total_ms,
        "read_facts_and_compute_ms": facts_ms,
        "median_ms": {
            "store_read": read_med,
            "compute": compute_med,
            "read_and_compute": total_med,
            "read_facts_and_compute": facts_med,
        },
        "caseload_build_ms": build_ms,
        "all_breakdowns_ms": all_ms,
        "trend_12_months_ms": trend_ms,
        "trend_rates": {m: r.overall.rate for m, r in zip(months, trend, strict=True)},
        "measured_indicators_ms": indicators_ms,
        "measured_indicators": values,
        "xlsx_ms": xlsx_ms,
        "xlsx_bytes": len(xlsx),
        "goal_ms": GOAL_MS,
        "met": {
            "compute": compute_ms <= GOAL_MS,
            "read_and_compute": total_ms <= GOAL_MS,
            "read_facts_and_compute": facts_ms <= GOAL_MS,
        },
        "server_part": "not measured: needs the county server's PostgreSQL reporting",
    }


def county_compute(copies: int, seed: int, repeats: int) -> dict[str, Any]:
    """The pure-Python half of the county report: `copies` × the 5,000 demo households.

    The demo households are copied under fresh ids (same shapes, same visit histories),
    visits passed as `VisitFact`s as a server would build them from SQL rows. Only the
    computation is timed; reading PostgreSQL is the server's part.
    """
    policy = load_policy()
    _say(f"county scale: {copies} × {FULL_HOUSEHOLDS} households …")
    data = generate(FULL_HOUSEHOLDS, seed=seed, today=TODAY)
    households: list[Household] = []
    persons: list[Person] = []
    facts: list[VisitFact] = []
    for n in range(copies):
        ids = {h.id: f"{h.id[:-6]}{n:06d}" for h in data.households}
        households += [h.model_copy(update={"id": ids[h.id]}) for h in data.households]
        persons += [
            p.model_copy(update={"household_id": ids[p.household_id]}) for p in data.persons
        ]
        facts += [
            VisitFact.of(ids[v.household_id], v.visited_at, v.mode, v.outcome, v.worker_id, v.team)
            for v in data.visits
        ]
    _say(f"  {len(households)} households, {len(facts)} visits; timing …")
    build_ms, _, caseload = _best_ms(lambda: Caseload(households, persons, facts), repeats)
    month_ms, _, month = _best_ms(
        lambda: coverage(caseload, PERIOD, policy=policy, by="village", names=data.areas),
        repeats,
    )
    year_ms, _, _ = _best_ms(
        lambda: coverage(caseload, str(TODAY.year), policy=policy, by="village"), repeats
    )
    return {
        "households": len(households),
        "visits": len(facts),
        "caseload_build_ms": build_ms,
        "month_by_village_ms": month_ms,
        "year_by_village_ms": year_ms,
        "build_and_month_ms": build_ms + month_ms,
        "due": month.overall.total,
        "covered": month.overall.count,
    }


def _table(r: dict[str, Any]) -> str:
    def mark(ok: bool) -> str:
        return "yes" if ok else "NO"

    rate = "—" if r["rate"] is None else f"{r['rate'] * 100:.1f}%"
    rows = [
        ("store read (load_all ×3)", r["store_read_ms"], "", ""),
        ("coverage from records", r["compute_ms"], f"≤ {GOAL_MS:.0f} ms", mark(r["met"]["compute"])),
        ("read + coverage", r["read_and_compute_ms"], f"≤ {GOAL_MS:.0f} ms",
         mark(r["met"]["read_and_compute"])),
        ("read (visits as facts) + coverage", r["read_facts_and_compute_ms"],
         f"≤ {GOAL_MS:.0f} ms", mark(r["met"]["read_facts_and_compute"])),
        ("  of which Caseload build", r["caseload_build_ms"], "", ""),
        ("all six breakdowns + overall", r["all_breakdowns_ms"], "", ""),
        ("12-month trend", r["trend_12_months_ms"], "", ""),
        ("four measured indicators (year)", r["measured_indicators_ms"], "", ""),
        ("XLSX export (8 sheets)", r["xlsx_ms"], "", ""),
    ]  # fmt: skip
    lines = [
        f"Coverage benchmark (device): {r['households']} households, {r['persons']} persons, "
        f"{r['visits']} visits, scale {r['scale']}",
        f"{r['period']} as of {r['as_of']}: due {r['due']}, covered {r['covered']} ({rate}), "
        f"overdue {r['overdue']}, {r['villages']} villages",
        "",
        f"{'':34} {'best':>10} {'goal':>10}  met",
    ]
    for label, ms, goal, ok in rows:
        lines.append(f"{label:34} {ms:>7.1f} ms {goal:>10}  {ok}")
    county = r.get("county_compute")
    if county:
        lines.append("")
        lines.append(
            f"county scale, pure Python ({county['households']} households, "
            f"{county['visits']} visits as VisitFacts):"
        )
        lines.append(f"{'  Caseload build':34} {county['caseload_build_ms']:>7.1f} ms")
        lines.append(f"{'  month by village':34} {county['month_by_village_ms']:>7.1f} ms")
        lines.append(f"{'  year by village':34} {county['year_by_village_ms']:>7.1f} ms")
    lines.append("")
    lines.append("server part (100k households on PostgreSQL): not measured here")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.report", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1/10 scale")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--county",
        type=int,
        default=0,
        metavar="COPIES",
        help="also time the pure-Python computation for COPIES × 5,000 households (20: 100k)",
    )
    args = parser.parse_args(argv)
    result = run(0.1 if args.quick else 1.0, args.seed, args.repeats)
    if args.county:
        result["county_compute"] = county_compute(args.county, args.seed, min(args.repeats, 3))
    print(_table(result))
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
