"""Wish board benchmark: `python -m tests.bench.board [--quick] [--wishes N] [--db URL]`.

The county server runs in its own process (`doorstep server run`, SQLite by default) with
N published wishes (5,000 by default: one per household, in two townships, each published
through the real publishing service with its story screened). Over loopback HTTP, one
request at a time, it times:

- the baseline in the same run: `GET /health` (routing, middleware, loopback);
- the board's first page (`GET /wishes`), a filtered page (township + value band) and
  the last page (the deepest offset), and one wish's page with its claim form;

and counts the first page's bytes: the HTML and its one stylesheet as sent (gzip'd, as a
browser asks) and as HTML. Prints p50 / p95 in ms, then one JSON line with all of them.

Then the donors' load on PostgreSQL (`tests.bench.donors`: `--donors` donors at once, 200 by
default, browsing and claiming over `--donor-wishes` wishes through `--workers` API
processes; 0 errors and exactly one winner per wish or the run fails); `--donors 0` skips it.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.domain.codes import WishState
from app.domain.records import Household, Wish
from sync.server.board import publishing
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.settings import Settings
from tests.bench import donors
from tests.bench.console import ok, start_server, timed
from tests.board.seed import ITEMS, OTHER_TOWNSHIP, TOWNSHIP
from tests.sync.conftest import free_port

VILLAGES = (f"{TOWNSHIP}201", f"{TOWNSHIP}202", f"{OTHER_TOWNSHIP}201")


def seed(ctx: ServerContext, count: int) -> float:
    """`count` households with one approved wish each, then each wish published; returns
    the seconds publishing took."""
    exchange.load_demo(ctx, 6, seed=1, today=date.today(), scope=[TOWNSHIP])  # area names
    exchange.load_demo(ctx, 6, seed=2, today=date.today(), scope=[OTHER_TOWNSHIP])
    homes = [
        Household(area_code=VILLAGES[n % len(VILLAGES)], address=f"{n}号") for n in range(count)
    ]
    wishes = []
    for n, h in enumerate(homes):
        title, value, _, story = ITEMS[n % len(ITEMS)]
        wishes.append(
            Wish(
                area_code=h.area_code,
                household_id=h.id,
                title=title,
                description=story,
                value_yuan=value,
                state=WishState.APPROVED,
                collected_on=date.today() - timedelta(days=10),
            )
        )
    exchange.load_records(ctx, [*homes, *wishes])
    start = time.perf_counter()
    for n, w in enumerate(wishes):
        need = ITEMS[n % len(ITEMS)][2]
        publishing.publish(ctx, "bench", w.id, need_area=need, areas=None)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 requests a page, not 100")
    parser.add_argument("--wishes", type=int, default=5000, help="published wishes (5,000)")
    parser.add_argument("--db", default="", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--donors", type=int, default=200, help="donors at once (0: skip)")
    parser.add_argument("--donor-wishes", type=int, default=50, help="wishes they fight over")
    parser.add_argument("--workers", type=int, default=2, help="API processes for the donors")
    args = parser.parse_args()
    runs = 20 if args.quick else 100
    folder = Path(tempfile.mkdtemp(prefix="bench-board-"))
    db_url = args.db or f"sqlite:///{folder / 'county.db'}"
    ctx = ServerContext.open(Settings(database_url=db_url))
    result: dict[str, Any] = {"bench": "board", "wishes": args.wishes, "runs": runs}
    result["publish_each_ms"] = round(seed(ctx, args.wishes) * 1000 / args.wishes, 2)
    port = free_port()
    server = start_server(db_url, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            first = ok(http.get("/wishes"))
            css = ok(http.get("/wishes/static/board.css"))
            fonts = ok(http.get("/console/static/fonts.css"))
            pages = int(re.findall(r"第 1 / (\d+) 页", first.text)[0])
            wish_id = re.findall(r'href="/wishes/([0-9a-f-]{36})"', first.text)[0]
            sent = (first, css, fonts)
            result["first_page_bytes_sent"] = sum(r.num_bytes_downloaded for r in sent)
            result["first_page_bytes_html_css"] = sum(len(r.content) for r in sent)
            result["baseline_health"] = timed(runs, lambda: ok(http.get("/health")))
            urls = {
                "board_first_page": "/wishes",
                "board_filtered": f"/wishes?township={TOWNSHIP}&value=300",
                "board_last_page": f"/wishes?page={pages}",
                "wish_page": f"/wishes/{wish_id}",
            }
            for name, url in urls.items():
                result[name] = timed(runs, lambda url=url: ok(http.get(url)))
    finally:
        server.terminate()
        server.wait(10)
        ctx.db.dispose()
    for name, figures in result.items():
        if isinstance(figures, dict):
            print(f"{name:28} p50 {figures['p50_ms']:8.1f} ms   p95 {figures['p95_ms']:8.1f} ms")
    print(json.dumps(result, ensure_ascii=False))
    if args.donors:
        load = donors.run(args.donors, args.donor_wishes, args.workers)
        donors.report(load)
        donors.check(load)


if __name__ == "__main__":
    main()
