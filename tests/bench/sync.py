"""Sync benchmarks: `python -m tests.bench.sync [--quick] [--skip-baseline] [--skip-fleet]`.

1. First sync of a township (5,000 households, ≈15,000 persons, 60,000 visits) from the
   server (SQLite, its own process) to a fresh enrolled device over loopback HTTP, with
   encryption on; baseline: the same records as JSON documents replicated by
   pouchdb-server (npm, installed under a temporary folder) into a local PouchDB.
2. A day's work (50 visits, 10 edits) pushed and pulled: round trips and milliseconds.
3. 200 devices syncing at once against one server on PostgreSQL: throughput, p95, errors.

Prints the figures, then one JSON line with all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from app.domain.codes import Team
from app.domain.identity import make_id_number
from app.domain.records import Household, Person, Record, Visit
from app.store.sandbox import Sandbox
from app.store.store import Store
from sync.client import SyncClient
from sync.enrolment import enroll
from sync.server.context import ServerContext
from sync.server.services import admin, exchange
from sync.server.settings import Settings

ROOT = Path(__file__).parents[2]
TOWNSHIP = "330702102"
PIN = "246810"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "秀英明华建国丽芳伟强军平桂兰志红玉梅海燕春生德福永金宝"


def township(households: int, seed: int = 7) -> list[Record]:
    """Households with three persons and twelve visits each, parents first."""
    rng = random.Random(seed)
    villages = [f"{TOWNSHIP}{201 + i:03d}" for i in range(20)]
    out: list[Record] = []
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for n in range(households):
        village = villages[n % len(villages)]
        h = Household(
            area_code=village,
            address=f"第{n % 40 + 1}组{n}号",
            phone=f"139{rng.randrange(10**8):08d}",
            categories=[rng.choice(["dibao", "tekun", "dibian", "low_income"])],
            notes="独居老人，子女在外地打工。" if n % 3 == 0 else "",
        )
        out.append(h)
        for k in range(3):
            birth = date(1940 + rng.randrange(70), rng.randrange(1, 13), rng.randrange(1, 28))
            out.append(
                Person(
                    area_code=village,
                    household_id=h.id,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    id_number=make_id_number("330702", birth, rng.randrange(1000)),
                    phone=f"138{rng.randrange(10**8):08d}" if k == 0 else "",
                    relation="户主" if k == 0 else "家庭成员",
                )
            )
        for k in range(12):
            out.append(
                Visit(
                    area_code=village,
                    household_id=h.id,
                    visited_at=start + timedelta(days=30 * k, hours=n % 9),
                    worker_id="bench",
                    team=Team.GRID_WORKER,
                    care=["humanistic", "policy"],
                    observations="精神状态良好，家中整洁，已宣传最新救助政策。",
                )
            )
    return out


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, db_url: str, workers: int = 1) -> None:
        self.db_url, self.workers, self.port = db_url, workers, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerProcess:
        env = {
            **os.environ,
            "DOORSTEP_DATABASE_URL": self.db_url,
            "DOORSTEP_DB_POOL_SIZE": "30",
            "DOORSTEP_UNSIGNED_PER_MINUTE": "100000",  # the fleet enrols all at once
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "sync.server.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--workers", str(self.workers)],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def open_store(sandbox: Sandbox) -> Store:
    key = sandbox.unlock(PIN)
    return Store(
        sandbox.db_path, key, device_id=sandbox.info.device_id, worker_id=sandbox.info.worker_id
    )


# --- 1. first sync and the day's work -------------------------------------------------


def first_sync(work: Path, households: int) -> dict[str, Any]:
    db_url = f"sqlite:///{work / 'server.db'}"
    ctx = ServerContext.open(Settings(database_url=db_url))
    records = township(households)
    t0 = time.perf_counter()
    exchange.load_records(ctx, records)
    load_s = time.perf_counter() - t0
    worker = admin.create_worker(ctx, "镇干部", "coordinator", "civil_affairs", [TOWNSHIP])
    code = admin.issue_code(ctx, worker.id).code
    counts = {
        t: sum(1 for r in records if r.type_name == t) for t in ("household", "person", "visit")
    }
    print(f"township: {counts} loaded into the server in {load_s:.1f} s")
    result: dict[str, Any] = {"records": len(records), **counts}
    with ServerProcess(db_url) as server:
        sandbox = enroll(work / "device", server.url, code, PIN)  # real scrypt cost
        store = open_store(sandbox)
        client = SyncClient(store, server.url, page_size=5000)
        t0 = time.perf_counter()
        report = client.sync()
        seconds = time.perf_counter() - t0
        assert store.counts()["visit"] == counts["visit"], store.counts()
        result |= {
            "first_sync_s": round(seconds, 2),
            "records_per_s": round(len(records) / seconds),
            "round_trips": report.round_trips,
            "bytes_sent": report.bytes_sent,
            "bytes_received": report.bytes_received,
        }
        print(
            f"first sync: {len(records)} records in {seconds:.2f} s "
            f"({result['records_per_s']}/s), {report.round_trips} round trips, "
            f"{report.bytes_received / 1e6:.1f} MB received (gzip), {report.bytes_sent} B sent"
        )
        first_day = days_work(store, server.url, worker.id)  # the server's first push
        result |= {f"first_{k}": v for k, v in first_day.items()}
        result |= days_work(store, server.url, worker.id)  # a warm server: a usual day
        store.close()
    ctx.db.dispose()
    return result


def days_work(store: Store, url: str, worker_id: str) -> dict[str, Any]:
    """50 visits and 10 household edits, then one sync (push + pull)."""
    households = store.load_all(Household)[:50]
    day = datetime.now(UTC)
    store.add_many(
        Visit(
            area_code=h.area_code,
            household_id=h.id,
            visited_at=day,
            worker_id=worker_id,
            team=Team.CIVIL_AFFAIRS,
            observations="今日走访，情况稳定。",
        )
        for h in households
    )
    for h in households[:10]:
        store.update(h.model_copy(update={"notes": f"{h.notes}（已核实）"}))
    client = SyncClient(store, url)
    t0 = time.perf_counter()
    report = client.sync()
    ms = (time.perf_counter() - t0) * 1000
    print(
        f"day's work: pushed {report.pushed}, pulled {report.pulled} in {ms:.0f} ms, "
        f"{report.round_trips} round trips"
    )
    return {"day_ms": round(ms), "day_round_trips": report.round_trips, "day_pushed": report.pushed}


# --- baseline: pouchdb-server ---------------------------------------------------------

NODE_REPLICATE = """
const PouchDB = require('pouchdb');
const [remote, local, batch] = process.argv.slice(2);
(async () => {
  const db = new PouchDB(local);
  const t0 = process.hrtime.bigint();
  const info = await PouchDB.replicate(remote, db, {batch_size: Number(batch)});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ms, docs: info.docs_written}));
})().catch(e => { console.error(String(e)); process.exit(1); });
"""


def pouchdb_baseline(work: Path, households: int) -> dict[str, Any]:
    """The same records replicated by pouchdb-server into a local PouchDB, over loopback."""
    node_dir = Path(tempfile.gettempdir()) / "doorstep-bench-pouchdb"
    node_dir.mkdir(exist_ok=True)
    if not (node_dir / "node_modules" / "pouchdb-server").is_dir():
        print("installing pouchdb-server with npm (once) ...")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "pouchdb-server@4.2.0", "pouchdb@9.0.0"],
            cwd=node_dir, check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    port = free_port()
    data = work / "pouch"
    data.mkdir()
    server = subprocess.Popen(
        [str(node_dir / "node_modules" / ".bin" / "pouchdb-server"), "--port", str(port),
         "--dir", str(data), "--no-stdout-logs"],
        cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        httpx.put(f"{base}/township", timeout=30)
        docs = [
            {"_id": r.id, "type": r.type_name, **r.model_dump(mode="json", exclude={"id"})}
            for r in township(households)
        ]
        for start in range(0, len(docs), 2000):
            httpx.post(f"{base}/township/_bulk_docs", json={"docs": docs[start : start + 2000]},
                       timeout=300).raise_for_status()  # fmt: skip
        script = node_dir / "replicate.js"
        script.write_text(NODE_REPLICATE, encoding="utf-8")
        out = subprocess.run(
            ["node", str(script), f"{base}/township", str(work / "pouch-local"), "500"],
            cwd=node_dir, check=True, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        seconds = figures["ms"] / 1000
        print(f"baseline pouchdb-server: {figures['docs']} docs in {seconds:.2f} s")
        return {"baseline_s": round(seconds, 2), "baseline_docs": figures["docs"]}
    finally:
        server.terminate()
        server.wait(15)


# --- 3. a fleet of devices on PostgreSQL ----------------------------------------------


def fleet(work: Path, devices: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    db_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    try:
        ctx = ServerContext.open(Settings(database_url=db_url))
        villages = [f"{TOWNSHIP}{201 + i:03d}" for i in range(max(1, devices // 10))]
        exchange.load_records(ctx, township(len(villages) * 10, seed=3))
        with ServerProcess(db_url, workers=2) as server:
            stores: list[Store] = []
            for i in range(devices):
                worker = admin.create_worker(
                    ctx, f"网格员{i}", "worker", "grid_worker", [villages[i % len(villages)]]
                )
                code = admin.issue_code(ctx, worker.id).code
                sandbox = enroll(work / f"fleet-{i}", server.url, code, PIN, scrypt_n=2**10)
                store = open_store(sandbox)
                SyncClient(store, server.url).sync()  # each device starts in sync
                stores.append(store)
            for store in stores:  # then a day's work each, offline
                h = store.load_all(Household)[0]
                store.add_many(
                    Visit(area_code=h.area_code, household_id=h.id, visited_at=datetime.now(UTC),
                          worker_id=store.worker_id, team=Team.GRID_WORKER)
                    for _ in range(10)
                )  # fmt: skip
                store.update(h.model_copy(update={"notes": f"{store.device_id[-4:]} 核实"}))
            latencies: list[float] = []
            errors: list[str] = []
            barrier = threading.Barrier(devices)

            def one(store: Store) -> None:
                barrier.wait()
                t0 = time.perf_counter()
                try:
                    SyncClient(store, server.url, timeout_s=120).sync()
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:  # counted and printed: the figure is "zero errors"
                    errors.append(f"{type(exc).__name__}: {exc}")

            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=devices) as pool:
                list(pool.map(one, stores))
            wall = time.perf_counter() - t0
            for store in stores:
                store.close()
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
        result = {
            "fleet_devices": devices,
            "fleet_wall_s": round(wall, 2),
            "fleet_syncs_per_s": round(len(latencies) / wall, 1),
            "fleet_mutations_per_s": round(len(latencies) * 11 / wall, 1),
            "fleet_p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "fleet_p95_s": round(p95, 3),
            "fleet_errors": len(errors),
        }
        print(
            f"fleet: {devices} devices in {wall:.2f} s, {result['fleet_syncs_per_s']} syncs/s, "
            f"p50 {result['fleet_p50_s']} s, p95 {result['fleet_p95_s']} s, {len(errors)} errors"
        )
        for error in errors[:5]:
            print("  error:", error)
        ctx.db.dispose()
        return result
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-fleet", action="store_true")
    args = parser.parse_args()
    households = 500 if args.quick else 5000
    devices = 20 if args.quick else 200
    work = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    result: dict[str, Any] = {"bench": "sync", "quick": args.quick}
    try:
        result |= first_sync(work, households)
        if not args.skip_baseline:
            try:
                result |= pouchdb_baseline(work, households)
                result["speedup_vs_pouchdb"] = round(
                    result["baseline_s"] / result["first_sync_s"], 1
                )
            except (OSError, subprocess.SubprocessError, httpx.HTTPError) as exc:
                print(f"baseline not measured: {type(exc).__name__}: {exc}")
                result["baseline_s"] = None
        if not args.skip_fleet:
            result |= fleet(work, devices)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
