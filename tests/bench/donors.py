"""Donors at once on the wish board: `python -m tests.bench.donors [--donors 200] [--wishes 50]
[--workers 2] [--db URL]` (also run by `python -m tests.bench.board`).

The county server runs as a real process (`doorstep server run --workers W`, PostgreSQL: a
new database made for the run and dropped after it) with `--wishes` published wishes. Then
`--donors` donors start together, each an `httpx.AsyncClient` of its own (its own cookies)
over loopback, and each does what a donor in a phone browser does: the board's first page,
a filtered page, one wish's page (the claim form and its token), and the claim. Donors pick
wishes round-robin, so every wish is fought over by donors/wishes donors at once.

It checks, and the run fails unless: no request errs (a transport error, a 5xx, or any
status but the claim's 200 / 409 已被认领); every wish has exactly one winner, in the answers
and in the database (one claim holding it, the wish claimed); the losers were told 已被认领.
Prints p50 / p95 / max per step, the baseline (`GET /health` under the same load, in the same
run), then one JSON line.

Every donor comes from 127.0.0.1, so the bench lifts the per-address claim limit
(`DOORSTEP_BOARD_CLAIMS_PER_ADDRESS_HOUR`) for its server; each donor has its own phone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
from sqlmodel import col, select

from app.domain.codes import WishState
from app.domain.records import Household, Wish
from sync.server.board import publishing
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from sync.server.tables import JsonText, RecordRow, WishClaim
from tests.board.seed import ITEMS, TOKEN, TOWNSHIP
from tests.sync.conftest import free_port

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
VILLAGES = (f"{TOWNSHIP}201", f"{TOWNSHIP}202")
TAKEN = "已被认领"


def pg_database() -> tuple[str, str]:
    name = f"doorstep_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def seed(ctx: ServerContext, count: int) -> list[str]:
    """`count` households with one wish each, approved then published; their ids."""
    exchange.load_demo(ctx, 4, seed=1, today=date.today(), scope=[TOWNSHIP])  # area names
    homes = [
        Household(area_code=VILLAGES[n % len(VILLAGES)], address=f"{n}号") for n in range(count)
    ]
    wishes = [
        Wish(
            area_code=h.area_code,
            household_id=h.id,
            title=ITEMS[n % len(ITEMS)][0],
            description=ITEMS[n % len(ITEMS)][3],
            value_yuan=ITEMS[n % len(ITEMS)][1],
            state=WishState.APPROVED,
            collected_on=date.today() - timedelta(days=10),
        )
        for n, h in enumerate(homes)
    ]
    exchange.load_records(ctx, [*homes, *wishes])
    for n, w in enumerate(wishes):
        publishing.publish(ctx, "bench", w.id, need_area=ITEMS[n % len(ITEMS)][2], areas=None)
    return [w.id for w in wishes]


def start_server(db_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": db_url,
        "DOORSTEP_BOARD_CLAIMS_PER_ADDRESS_HOUR": "1000000",
    }
    command = [sys.executable, "-c", "from app.cli import main; main()", "server", "run"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


@dataclass
class Tally:
    """What the donors saw: each step's latencies, the errors, the claims' outcomes."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    winners: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    taken: Counter[str] = field(default_factory=Counter)


async def step(
    tally: Tally, name: str, request: Any, *, allowed: tuple[int, ...] = (200,)
) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        answer: httpx.Response = await request
    except httpx.HTTPError as exc:
        tally.errors.append(f"{name}: {type(exc).__name__}")
        return None
    tally.seconds[name].append(time.perf_counter() - start)
    if answer.status_code not in allowed:
        tally.errors.append(f"{name}: HTTP {answer.status_code}")
        return None
    return answer


async def donor(n: int, wish_id: str, base: str, go: asyncio.Event, tally: Tally) -> None:
    """One donor in a phone browser: browse, filter, open a wish, claim it."""
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        await go.wait()
        await step(tally, "board_first_page", http.get("/wishes"))
        await step(tally, "board_filtered", http.get(f"/wishes?township={TOWNSHIP}&value=300"))
        page = await step(tally, "wish_page", http.get(f"/wishes/{wish_id}"), allowed=(200,))
        token = TOKEN.search(page.text) if page is not None else None
        if token is None:
            # Already claimed when the page was read: no form, a fair outcome for a donor.
            if page is not None:
                tally.taken[wish_id] += 1
            return
        form = {
            "name": f"爱心人士{n}",
            "phone": f"139{n:08d}",
            "delivery": "送到社区服务站",
            "token": token.group(1),
        }
        answer = await step(
            tally, "claim", http.post(f"/wishes/{wish_id}/claim", data=form), allowed=(200, 409)
        )
        if answer is None:
            return
        if answer.status_code == 200:
            tally.winners[wish_id].append(n)
        elif TAKEN in answer.text:
            tally.taken[wish_id] += 1
        else:
            tally.errors.append("claim: 409 without 已被认领")


async def health_under_load(base: str, clients: int) -> list[float]:
    """The baseline: `GET /health` from `clients` clients at once (made first, then all
    started together, as the donors are), after a warm-up of every page the donors read."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for url in ("/health", "/wishes", f"/wishes?township={TOWNSHIP}&value=300"):
            (await http.get(url)).raise_for_status()
    seconds: list[float] = []
    go = asyncio.Event()

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            await go.wait()
            start = time.perf_counter()
            (await http.get("/health")).raise_for_status()
            seconds.append(time.perf_counter() - start)

    tasks = [asyncio.create_task(one()) for _ in range(clients)]
    await asyncio.sleep(0.5)
    go.set()
    await asyncio.gather(*tasks)
    return seconds


async def crowd(base: str, wish_ids: list[str], donors: int) -> tuple[Tally, float]:
    tally = Tally()
    go = asyncio.Event()
    tasks = [
        asyncio.create_task(donor(n, wish_ids[n % len(wish_ids)], base, go, tally))
        for n in range(donors)
    ]
    await asyncio.sleep(0.5)  # every client made, then all start together
    start = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    return tally, time.perf_counter() - start


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def holders(ctx: ServerContext, wish_ids: list[str]) -> tuple[Counter[str], Counter[str]]:
    """Per wish: the claims holding it, and its state, as the database has them."""
    with ctx.db.reading() as s:
        held = Counter(
            str(w)
            for w in s.execute(
                select(col(WishClaim.holding)).where(col(WishClaim.holding).in_(wish_ids))
            ).scalars()
        )
        states = Counter(
            str(state)
            for state in s.execute(
                select(JsonText(col(RecordRow.data), "state")).where(
                    col(RecordRow.id).in_(wish_ids)
                )
            ).scalars()
        )
    return held, states


def run(donors: int, wishes: int, workers: int, db_url: str = "") -> dict[str, Any]:
    """The load, its checks and its figures (raises when a check fails)."""
    made = ""
    if not db_url:
        made, db_url = pg_database()
    ctx = ServerContext.open(Settings(database_url=db_url))
    port = free_port()
    server = None
    try:
        wish_ids = seed(ctx, wishes)
        server = start_server(db_url, port, workers)
        base = f"http://127.0.0.1:{port}"
        health = asyncio.run(health_under_load(base, donors))
        tally, wall = asyncio.run(crowd(base, wish_ids, donors))
        held, states = holders(ctx, wish_ids)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        ctx.db.dispose()
        if made:
            drop_pg_database(made)
    one_winner = all(len(tally.winners[w]) == 1 for w in wish_ids)
    one_holder = all(held[w] == 1 for w in wish_ids)
    result: dict[str, Any] = {
        "bench": "board_donors",
        "database": "postgresql",
        "workers": workers,
        "donors": donors,
        "wishes": wishes,
        "errors": len(tally.errors),
        "error_kinds": dict(Counter(tally.errors)),
        "winners": sum(len(v) for v in tally.winners.values()),
        "told_taken": sum(tally.taken.values()),
        "exactly_one_winner_per_wish": one_winner and one_holder,
        "wishes_claimed_in_db": states.get(WishState.CLAIMED.value, 0),
        "wall_s": round(wall, 2),
        "requests_per_s": round(sum(len(v) for v in tally.seconds.values()) / wall, 1),
        "baseline_health_under_load": figures(health),
    }
    for name, samples in tally.seconds.items():
        result[name] = figures(samples)
    every = [s for samples in tally.seconds.values() for s in samples]
    result["all_requests"] = figures(every)
    result["p95_over_baseline"] = round(
        result["all_requests"]["p95_ms"] / max(result["baseline_health_under_load"]["p95_ms"], 0.1),
        1,
    )
    return result


def report(result: dict[str, Any]) -> None:
    for name, value in result.items():
        if isinstance(value, dict) and "p95_ms" in value:
            print(
                f"{name:28} n {value['n']:5}  p50 {value['p50_ms']:8.1f} ms  "
                f"p95 {value['p95_ms']:8.1f} ms  max {value['max_ms']:8.1f} ms"
            )
    print(
        f"errors {result['errors']}, winners {result['winners']} for {result['wishes']} wishes, "
        f"told 已被认领 {result['told_taken']}, exactly one winner per wish: "
        f"{result['exactly_one_winner_per_wish']}"
    )
    print(json.dumps(result, ensure_ascii=False))


def check(result: dict[str, Any]) -> None:
    if result["errors"] or not result["exactly_one_winner_per_wish"]:
        raise SystemExit("the donors' load failed its checks (see above)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--donors", type=int, default=200, help="donors at once (200)")
    parser.add_argument("--wishes", type=int, default=50, help="published wishes (50)")
    parser.add_argument("--workers", type=int, default=2, help="API processes (2)")
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: a new database)")
    args = parser.parse_args()
    result = run(args.donors, args.wishes, args.workers, args.db)
    report(result)
    check(result)


if __name__ == "__main__":
    main()
