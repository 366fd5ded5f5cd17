"""Console benchmark: `python -m tests.bench.console [--quick] [--households N] [--db URL|postgres]`.

The county server runs in its own process (`doorstep server run`, SQLite by default) with
the demo's data (`doorstep demo`: 300 households of 婺城区安地镇) and a supervisor account
at the default argon2 cost. `--db postgres` makes a fresh PostgreSQL database (dropped
afterwards); past 5,000 households there, the demo county of 5,000 households is copied
under new ids into the county's other villages and bulk-loaded with COPY (the report
bench's `load_county`), so 100,000 households load in minutes. A village of 300
households of its own (its year of visits) is loaded beside them for the visit log.
Over loopback HTTP, one request at a time, it times:

- the baseline in the same run: `GET /health` (the server's floor: routing, middleware,
  loopback) and the coverage report service for the county called in-process (what the
  drill-down's numbers cost without HTTP or HTML);
- the login page (`GET /console/login`) and a sign-in (`POST /console/login`, one
  argon2id check at the default cost);
- the coverage drill-down: county, township, village and a household's page;
- the printouts: a household's file (page and PDF) and the village's visit log of the
  year so far (300 households) as PDF — the goal: ≤ 3 s;
- for context: the target list's page and the village's visits ledger (XLSX);
- a charity's referral inbox (`--referrals` referrals with their consents spread over ten
  organisations; the first page of the benchmarked organisation's, newest first), one
  referral's page (each view writes its disclosure) and the inbox's CSV export.

The times are the whole request over loopback (the server's time plus the `/health`
floor). Prints p50 / p95 in milliseconds, then one JSON line with all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory
from app.domain.organisations import credit_code_check_char
from app.domain.records import ConsentEvent, Referral
from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.feed import Feed
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.reports import coverage_reports, report_period
from sync.server.settings import Settings
from sync.server.tables import RecordRow
from tests.sync.conftest import free_port

COUNTY = "330702"  # 婺城区
TOWNSHIP = "330702102"
LOG_VILLAGE = "330703101221"  # 金东区孝顺镇: a village of its own for the visit log
LOG_HOUSEHOLDS = 300
COPY_FROM = 5_000  # past this on PostgreSQL, copies of a demo county this size
PASSWORD = "bench-console-2026"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def timed(runs: int, call: Callable[[], object]) -> dict[str, float]:
    """p50 and p95 of `runs` calls, after a first call (warm: imports, templates, caches)
    timed apart as `first_ms`: a page's cold cost."""
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return {**percentiles(samples), "first_ms": round(first * 1000, 1)}


def start_server(
    db_url: str, port: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DOORSTEP_DATABASE_URL": db_url, **(extra_env or {})}
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


def _fresh_postgres() -> tuple[str, str]:
    from tests.bench.report import _pg_database

    return _pg_database()


def stop_bench(
    server: subprocess.Popen[bytes] | None,
    ctx: ServerContext,
    pg_name: str,
    db_url: str,
    *,
    keep: bool,
) -> None:
    """A bench's end: stop its server, close the database, and drop the PostgreSQL database
    it made (or, with --keep, say how to measure it again without seeding)."""
    if server is not None:
        server.terminate()
        server.wait(10)
    ctx.db.dispose()
    if pg_name and keep:
        print(f"kept: --db {db_url} --seeded", file=sys.stderr)
    elif pg_name:
        from tests.bench.report import _drop_pg_database

        _drop_pg_database(pg_name)


def _seed(ctx: ServerContext, db_url: str, pg_name: str, households: int) -> dict[str, Any]:
    """The county's households: the demo's own, or past COPY_FROM on PostgreSQL, copies of
    the demo county loaded with COPY; then the visit-log village of LOG_HOUSEHOLDS."""
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    if pg_name and households > COPY_FROM:
        from app.demo.generator import generate
        from tests.bench.report import CountyCopies, load_county

        data = generate(COPY_FROM, seed=1, today=date.today(), scope=[COUNTY])
        figures = load_county(pg_name, CountyCopies(data, households // COPY_FROM, seed=1))
        del data
    else:
        exchange.load_demo(ctx, households, seed=1, today=date.today(), scope=[TOWNSHIP])
    exchange.load_demo(ctx, LOG_HOUSEHOLDS, seed=7, today=date.today(), scope=[LOG_VILLAGE])
    figures["seed_s"] = round(time.perf_counter() - started, 1)
    return figures


def _largest(ctx: ServerContext, length: int, inside: str) -> str:
    """The area code of `length` digits inside `inside` holding the most households."""
    with ctx.db.reading() as s:
        codes = s.execute(
            select(col(RecordRow.area_code)).where(
                col(RecordRow.type) == "household", col(RecordRow.area_code).startswith(inside)
            )
        ).scalars()
        counted = Counter(code[:length] for code in codes)
    return counted.most_common(1)[0][0]


def add_referrals(ctx: ServerContext, count: int, organisations: int = 10) -> list[str]:
    """`count` referrals to charity, each with the consent that allows it, of people of the
    demo spread over `organisations` organisations; their ids (the first receives a tenth)."""
    made = [
        add_organisation(
            ctx,
            OrganisationInput(
                f"金华市第{n + 1}慈善服务中心",
                "charity",
                _credit_code(n),
                ["330702"],
                ["medical"],
            ),
        ).id
        for n in range(organisations)
    ]
    rng = random.Random(7)
    with ctx.db.writing() as s:
        people = [
            json.loads(data)
            for data in s.execute(
                select(col(RecordRow.data)).where(col(RecordRow.type) == "person")
            ).scalars()
        ]
        feed = Feed(s)

        def records() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
            for n in range(count):
                person = rng.choice(people)
                common = {
                    "area_code": person["area_code"],
                    "household_id": person["household_id"],
                    "person_id": person["id"],
                    "recipient": made[n % organisations],
                    "purpose": "助医帮扶",
                    "data_categories": [DataCategory.IDENTITY, DataCategory.NEEDS],
                }
                grant = ConsentEvent(
                    **common,
                    action=ConsentAction.GRANT,
                    method=ConsentMethod.SIGNATURE,
                    occurred_at=datetime.now(UTC),
                    recorded_by="bench",
                )
                referral = Referral(
                    **common, referred_on=date.today() - timedelta(days=rng.randint(0, 60))
                )
                yield "consent", grant.model_dump(mode="json"), {}
                yield "referral", referral.model_dump(mode="json"), {}

        feed.insert_many(records())
        feed.close()
    return made


def _credit_code(n: int) -> str:
    first = f"5133070{n:02d}MJ00000"[:17].ljust(17, "0")
    return first + credit_code_check_char(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 requests a page, not 100")
    parser.add_argument("--households", type=int, default=300, help="the demo's 300 by default")
    parser.add_argument(
        "--db", default="", help="a database URL, or 'postgres' for a fresh one (default: SQLite)"
    )
    parser.add_argument("--referrals", type=int, default=2000, help="referrals to charities")
    parser.add_argument(
        "--only-referrals", action="store_true", help="time /health and the charity's pages only"
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
    runs = 20 if args.quick else 100
    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    pg_name = ""
    db_url = args.db or f"sqlite:///{folder / 'county.db'}"
    if args.db == "postgres":
        pg_name, db_url = _fresh_postgres()
    settings = Settings(database_url=db_url, secret_key_file=str(folder / "server.key"))
    ctx = ServerContext.open(settings)
    server = None
    try:
        seeded: dict[str, Any] = {}
        if not args.seeded:
            seeded = _seed(ctx, db_url, pg_name, args.households)
            started = time.perf_counter()
            organisations = add_referrals(ctx, args.referrals)
            seeded["referrals_s"] = round(time.perf_counter() - started, 1)
            accounts.add_account(
                ctx,
                username="bench-charity",
                name="机构",
                role="charity",
                password=PASSWORD,
                organisation=organisations[0],
            )
            accounts.add_account(
                ctx, username="bench", name="督导", role="supervisor", password=PASSWORD,
                areas=[COUNTY, LOG_VILLAGE[:6]],
            )  # fmt: skip
        with ctx.db.reading() as s:
            counts = dict(
                s.execute(
                    select(col(RecordRow.type), func.count()).group_by(col(RecordRow.type))
                ).all()
            )
        township = _largest(ctx, 9, COUNTY)
        village = _largest(ctx, 12, township)
        today = date.today()
        period = report_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
        result: dict[str, Any] = {
            "bench": "console",
            "database": "postgresql" if db_url.startswith("postgresql") else "sqlite",
            "households": counts.get("household", 0),
            "referrals": counts.get("referral", 0),
            "records": counts,
            "seeding": seeded,
            "runs": runs,
        }
        print(f"seeded {counts} in {seeded.get('seed_s')} s", file=sys.stderr, flush=True)

        def in_process() -> None:
            with ctx.db.reading() as s:
                coverage_reports(s, period, [None], areas=(COUNTY,))

        few = max(5, runs // 10)
        if not args.only_referrals:
            result["baseline_coverage_service"] = timed(3, in_process)
        port = free_port()
        env_key = {"DOORSTEP_SECRET_KEY_FILE": str(folder / "server.key")}
        server = start_server(db_url, port, env_key)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            result["baseline_health"] = timed(runs, lambda: ok(http.get("/health")))
            if not args.only_referrals:
                result["login_page"] = timed(runs, lambda: ok(http.get("/console/login")))

                def sign_in() -> None:
                    page = ok(http.get("/console/login"))
                    form = {"username": "bench", "password": PASSWORD}
                    form["csrf"] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
                    ok(http.post("/console/login", data=form), 303)

                result["sign_in"] = timed(max(5, runs // 5), sign_in)
                village_page = ok(http.get(f"/console/coverage/{village}?period={period.label}"))
                found = re.findall(r"/console/households/([0-9a-f-]{36})", village_page.text)
                if not found:  # nobody overdue there: any household of the village
                    with ctx.db.reading() as s:
                        found = [
                            s.execute(
                                select(col(RecordRow.id)).where(
                                    col(RecordRow.type) == "household",
                                    col(RecordRow.area_code) == village,
                                )
                            )
                            .scalars()
                            .first()
                        ]
                household = found[0]
                year = str(today.year)
                # The county's pages read every household: fewer runs past 20,000 of them.
                county_runs = few if counts.get("household", 0) > 20_000 else runs
                pages = {
                    "coverage_county": (
                        county_runs,
                        f"/console/coverage/{COUNTY}?period={period.label}",
                    ),
                    "coverage_township": (
                        runs,
                        f"/console/coverage/{township}?period={period.label}",
                    ),
                    "coverage_village": (
                        runs,
                        f"/console/coverage/{village}?period={period.label}",
                    ),
                    "household": (runs, f"/console/households/{household}"),
                    "household_print": (runs, f"/console/households/{household}/print"),
                    "household_pdf": (few, f"/console/households/{household}/print.pdf"),
                    "visit_log_pdf_300_households": (
                        few,
                        f"/console/areas/{LOG_VILLAGE}/visits/print.pdf?period={year}",
                    ),
                    "visit_log_pdf_300_households_quarter": (
                        few,
                        f"/console/areas/{LOG_VILLAGE}/visits/print.pdf?period={period.label}",
                    ),
                    "visits_ledger_xlsx_village": (
                        few,
                        f"/console/ledgers/{LOG_VILLAGE}/visits.xlsx?period={year}",
                    ),
                    "indicators_page_county": (3, f"/console/indicators?year={year}"),
                }
                for name, (count, url) in pages.items():
                    result[name] = timed(count, lambda url=url: ok(http.get(url)))
                log = ok(http.get(f"/console/areas/{LOG_VILLAGE}/visits/print?period={year}"))
                result["visit_log_rows"] = log.text.count("<tr><td>")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as charity:
            page = ok(charity.get("/console/login"))
            form = {"username": "bench-charity", "password": PASSWORD}
            form["csrf"] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            ok(charity.post("/console/login", data=form), 303)
            inbox = ok(charity.get("/console/referrals"))
            referral = re.findall(r"/console/referrals/([0-9a-f-]{36})", inbox.text)[0]
            result["referral_inbox"] = timed(runs, lambda: ok(charity.get("/console/referrals")))
            result["referral_page"] = timed(
                runs, lambda: ok(charity.get(f"/console/referrals/{referral}"))
            )
            result["referral_export_csv"] = timed(
                few, lambda: ok(charity.get("/console/referrals.csv"))
            )
    finally:
        stop_bench(server, ctx, pg_name, db_url, keep=args.keep)
    for name, figures in result.items():
        if isinstance(figures, dict) and "p95_ms" in figures:
            first = figures.get("first_ms")
            cold = f"   first {first:9.1f} ms" if first is not None else ""
            print(
                f"{name:30} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms{cold}"
            )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
