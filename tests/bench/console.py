"""Console benchmark: `python -m tests.bench.console [--quick] [--households N] [--db URL]`.

The county server runs in its own process (`doorstep server run`, SQLite by default) with
the demo's data (`doorstep demo`: 300 households of 婺城区安地镇) and a supervisor account
at the default argon2 cost. Over loopback HTTP, one request at a time, it times:

- the baseline in the same run: `GET /health` (the server's floor: routing, middleware,
  loopback) and the coverage report service for the county called in-process (what the
  drill-down's numbers cost without HTTP or HTML);
- the login page (`GET /console/login`) and a sign-in (`POST /console/login`, one
  argon2id check at the default cost);
- the coverage drill-down: county, township, village and a household's page.

Prints p50 / p95 in milliseconds, then one JSON line with all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.reports import coverage_reports, report_period
from sync.server.settings import Settings
from tests.sync.conftest import free_port

TOWNSHIP = "330702102"
PASSWORD = "bench-console-2026"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def timed(runs: int, call: Callable[[], object]) -> dict[str, float]:
    call()  # warm: imports, templates, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def start_server(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DOORSTEP_DATABASE_URL": db_url}
    command = [sys.executable, "-c", "from app.cli import main; main()", "server", "run"]
    server = subprocess.Popen([*command, "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def ok(answer: httpx.Response, status: int = 200) -> httpx.Response:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.request.url}: {answer.status_code}")
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 requests a page, not 100")
    parser.add_argument("--households", type=int, default=300, help="the demo's 300 by default")
    parser.add_argument("--db", default="", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    runs = 20 if args.quick else 100
    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    db_url = args.db or f"sqlite:///{folder / 'county.db'}"
    ctx = ServerContext.open(Settings(database_url=db_url))
    exchange.load_demo(ctx, args.households, seed=1, today=date.today(), scope=[TOWNSHIP])
    accounts.add_account(
        ctx, username="bench", name="督导", role="supervisor", password=PASSWORD, areas=["330702"]
    )
    period = report_period(f"{date.today().year}-Q{(date.today().month - 1) // 3 + 1}")
    result: dict[str, Any] = {"bench": "console", "households": args.households, "runs": runs}

    def in_process() -> None:
        with ctx.db.reading() as s:
            coverage_reports(s, period, [None], areas=("330702",))

    result["baseline_coverage_service"] = timed(runs, in_process)
    port = free_port()
    server = start_server(db_url, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            result["baseline_health"] = timed(runs, lambda: ok(http.get("/health")))
            result["login_page"] = timed(runs, lambda: ok(http.get("/console/login")))

            def sign_in() -> None:
                page = ok(http.get("/console/login"))
                form = {"username": "bench", "password": PASSWORD}
                form["csrf"] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
                ok(http.post("/console/login", data=form), 303)

            result["sign_in"] = timed(max(5, runs // 5), sign_in)
            county = ok(http.get(f"/console/coverage/330702?period={period.label}"))
            township = ok(http.get(f"/console/coverage/{TOWNSHIP}?period={period.label}"))
            village = re.findall(rf"/console/coverage/({TOWNSHIP}\d{{3}})\?", township.text)[0]
            household = re.findall(r"/console/households/([0-9a-f-]{36})", county.text)[0]
            pages = {
                "coverage_county": f"/console/coverage/330702?period={period.label}",
                "coverage_township": f"/console/coverage/{TOWNSHIP}?period={period.label}",
                "coverage_village": f"/console/coverage/{village}?period={period.label}",
                "household": f"/console/households/{household}",
            }
            for name, url in pages.items():
                result[name] = timed(runs, lambda url=url: ok(http.get(url)))
    finally:
        server.terminate()
        server.wait(10)
        ctx.db.dispose()
    for name, figures in result.items():
        if isinstance(figures, dict):
            print(f"{name:28} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
