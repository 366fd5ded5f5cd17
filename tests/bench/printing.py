"""Printout benchmark: `python -m tests.bench.printing [--households N] [--runs R] [--db URL|postgres]`.

The console bench's data without its referrals and accounts' pages: the county's
households (`--households`, the demo's 300 by default; on PostgreSQL past 5,000 copies
of the demo county bulk-loaded with COPY, as `tests.bench.console` does) and beside them
the visit-log village of 300 households of its own with its year of visits. Then, in the
same run, the load average before and after:

- in-process, the visit log's two halves for the year: the read (`printing.visit_log`:
  the visits, the heads, the workers, the area names) and the PDF made from it
  (`printing.visit_log_pdf`), and a household's file as PDF;
- over loopback HTTP, the server in its own process, a supervisor signed in: `/health`
  (the floor), the village's visit log as PDF for the year and for the quarter (the
  goal: ≤ 3 s) and the household's file as PDF.

`--keep` keeps the fresh PostgreSQL database and `--db URL --seeded` times it again
without seeding: two versions of the server timed on the same data, back to back.
Prints p50 / p95 in milliseconds, then one JSON line with all of them.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.services.reports import report_period
from sync.server.settings import Settings
from sync.server.tables import RecordRow
from tests.bench.console import (
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

# The module, not the console package's route of the same name.
printing = importlib.import_module("sync.server.console.printing")


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _get(http: httpx.Client, url: str) -> None:
    ok(http.get(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=300, help="the county's households")
    parser.add_argument("--runs", type=int, default=10, help="timed calls of each (10)")
    parser.add_argument(
        "--db", default="", help="a database URL, or 'postgres' for a fresh one (default: SQLite)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the fresh PostgreSQL database (prints its URL)"
    )
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="--db names a database this bench seeded and kept: time it again, seed nothing",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-printing-"))
    pg_name = ""
    db_url = args.db or f"sqlite:///{folder / 'county.db'}"
    if args.db == "postgres":
        pg_name, db_url = _fresh_postgres()
    ctx = ServerContext.open(
        Settings(database_url=db_url, secret_key_file=str(folder / "server.key"))
    )
    server = None
    result: dict[str, Any] = {"bench": "printing", "runs": args.runs}
    result["database"] = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    try:
        if not args.seeded:
            result["seeding"] = _seed(ctx, db_url, pg_name, args.households)
            accounts.add_account(
                ctx, username="bench", name="督导", role="supervisor", password=PASSWORD,
                areas=[LOG_VILLAGE[:6]],
            )  # fmt: skip
        with ctx.db.reading() as s:
            in_village = (
                s.execute(
                    select(col(RecordRow.id)).where(
                        col(RecordRow.type) == "household", col(RecordRow.area_code) == LOG_VILLAGE
                    )
                )
                .scalars()
                .all()
            )
        result["village_households"] = len(in_village)
        household = in_village[0]
        today = date.today()
        year = report_period(str(today.year))
        quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        result["load_before"] = _load()
        log = printing.visit_log(ctx, LOG_VILLAGE, year)
        result["visit_log_rows"] = len(log.lines)
        result["in_process_visit_log_read"] = timed(
            args.runs, lambda: printing.visit_log(ctx, LOG_VILLAGE, year)
        )
        result["in_process_visit_log_pdf"] = timed(args.runs, lambda: printing.visit_log_pdf(log))
        found = printing.household_print(ctx, household)
        result["in_process_household_pdf"] = timed(args.runs, lambda: printing.household_pdf(found))
        port = free_port()
        server = start_server(
            db_url, port, {"DOORSTEP_SECRET_KEY_FILE": str(folder / "server.key")}
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            page = ok(http.get("/console/login"))
            form = {"username": "bench", "password": PASSWORD}
            form["csrf"] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            ok(http.post("/console/login", data=form), 303)
            result["baseline_health"] = timed(args.runs, lambda: ok(http.get("/health")))
            area = f"/console/areas/{LOG_VILLAGE}/visits/print.pdf"
            urls = {
                "visit_log_pdf_300_households": f"{area}?period={today.year}",
                "visit_log_pdf_300_households_quarter": f"{area}?period={quarter}",
                "household_pdf": f"/console/households/{household}/print.pdf",
            }
            for name, url in urls.items():
                result[name] = timed(args.runs, functools.partial(_get, http, url))
        result["load_after"] = _load()
    finally:
        stop_bench(server, ctx, pg_name, db_url, keep=args.keep)
    print(f"load average before {result.get('load_before')}, after {result.get('load_after')}")
    for name, figures in result.items():
        if isinstance(figures, dict) and "p95_ms" in figures:
            print(f"{name:38} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms")
    print(json.dumps(result, ensure_ascii=False), file=sys.stdout)


if __name__ == "__main__":
    main()
