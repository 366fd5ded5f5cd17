"""Fault injection through a TCP proxy on loopback, a server killed with SIGKILL during a
push, a device killed during a pull: afterwards nothing is lost and nothing is twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.store.sandbox import Sandbox
from sync.client import SyncClient
from sync.errors import ServerUnreachable
from sync.server.tables import MutationLog, RecordRow
from tests.said import refused
from tests.sync.conftest import PIN, VILLAGE_A, copied, free_port, new_device, open_device
from tests.sync.proxy import Fault, Proxy
from tests.sync.records import household, visit

ROOT = Path(__file__).parents[2]


def counts(ctx) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        records = s.execute(select(func.count()).select_from(RecordRow)).scalar_one()
        mutations = s.execute(select(func.count()).select_from(MutationLog)).scalar_one()
    return int(records), int(mutations)


@pytest.fixture
def proxy(server):  # type: ignore[no-untyped-def]
    p = Proxy(server.port)
    yield p
    p.close()


def day_of_work(device, n: int = 6) -> int:  # type: ignore[no-untyped-def]
    h = household(VILLAGE_A)
    device.store.add_many([h, *[visit(h, device.worker_id, str(i)) for i in range(n)]])
    return n + 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault("cut_request", after_bytes=300),
        Fault("cut_response", after_bytes=40),
        Fault("delay", seconds=0.3),
        Fault("duplicate"),
    ],
    ids=lambda f: f.kind,
)
def test_a_faulty_network_loses_nothing_and_doubles_nothing(ctx, server, proxy, tmp_path, fault):
    device = new_device(ctx, server.url, tmp_path)
    expected = day_of_work(device)
    proxy.plan.extend([fault, fault])
    report = SyncClient(device.store, proxy.url, backoff_s=0.05, attempts=6).sync()
    assert report.pushed == expected and report.rejected == 0
    assert counts(ctx) == (expected, expected)
    assert device.store.pending() == [] and device.store.dead_letters() == []
    again = device.client().sync()
    assert (again.pushed, again.pulled) == (0, 0)
    device.store.close()


@pytest.mark.parametrize(
    "fault",
    [Fault("cut_response", after_bytes=40), Fault("duplicate")],
    ids=lambda f: f.kind,
)
def test_a_copied_store_renumbering_over_a_faulty_network_loses_and_doubles_nothing(
    ctx, server, proxy, tmp_path, fault
):
    original = new_device(ctx, server.url, tmp_path / "original")
    h = household(VILLAGE_A)
    original.store.add(h)
    original.sync()
    with copied(original, tmp_path / "copy") as copy:
        copy.store.add(visit(h, copy.worker_id, "在复制的设备上"))
        copy.sync()
        mine = [visit(h, original.worker_id, str(i)) for i in range(3)]
        original.store.add_many(mine)
        proxy.plan.extend([fault] * 4)  # the push answered renumber, and the one after
        report = SyncClient(original.store, proxy.url, backoff_s=0.05, attempts=6).sync()
        assert (report.pushed, report.rejected) == (3, 0)
        assert original.store.pending() == [] and original.store.dead_letters() == []
        assert counts(ctx)[0] == 5  # the household, the copy's visit and these three
        with ctx.db.reading() as s:
            stored = set(s.execute(select(RecordRow.id)).scalars())
        assert {v.id for v in mine} <= stored
    original.store.close()


def test_a_network_that_stays_down_keeps_everything_queued(ctx, server, proxy, tmp_path):
    device = new_device(ctx, server.url, tmp_path)
    expected = day_of_work(device, 2)
    proxy.plan.extend([Fault("cut_request", after_bytes=10)] * 10)
    client = SyncClient(device.store, proxy.url, backoff_s=0.01, attempts=3)
    with refused(ServerUnreachable, "保留在本机"):
        client.sync()
    assert len(device.store.pending()) == expected
    device.store.close()


class ServerProcess:
    """The county server as its own process (so it can be killed with SIGKILL)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        self.port = free_port()
        env = {**os.environ, "DOORSTEP_DATABASE_URL": self.db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "sync.server.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server process did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def test_a_server_killed_during_a_push_loses_nothing_and_doubles_nothing(ctx, db_url, tmp_path):
    srv = ServerProcess(db_url).start()
    proxy = Proxy(srv.port)
    try:
        device = new_device(ctx, proxy.url, tmp_path)
        h = household(VILLAGE_A)
        device.store.add_many([h, *[visit(h, device.worker_id, str(i)) for i in range(1500)]])
        client = SyncClient(device.store, proxy.url, backoff_s=0.01, attempts=1, batch_size=500)
        proxy.forwarded.clear()
        proxy.requests_forwarded = 0

        def kill_when_second_push_arrives() -> None:
            while proxy.requests_forwarded < 2:
                time.sleep(0.005)
            time.sleep(0.05)
            srv.kill()

        killer = threading.Thread(target=kill_when_second_push_arrives)
        killer.start()
        with pytest.raises(ServerUnreachable):
            client.sync()
        killer.join()
        assert device.store.pending(), "the kill came after the whole push"
        srv.start()
        proxy.upstream_port = srv.port
        report = SyncClient(device.store, proxy.url).sync()
        assert device.store.pending() == [] and report.rejected == 0
        assert counts(ctx) == (1501, 1501)
        assert device.store.counts()["visit"] == 1500
        device.store.close()
    finally:
        proxy.close()
        srv.stop()


DEVICE_SCRIPT = """
import sys
from pathlib import Path
from app.store.sandbox import Sandbox
from app.store.store import Store
from sync.client import SyncClient
sandbox = Sandbox(Path(sys.argv[1]))
store = Store(sandbox.db_path, sandbox.unlock(sys.argv[2]), device_id=sandbox.info.device_id,
              worker_id=sandbox.info.worker_id)
SyncClient(store, sys.argv[3], page_size=int(sys.argv[4])).sync()
"""


def test_a_device_killed_during_a_pull_resumes_where_it_stopped(ctx, server, proxy, tmp_path):
    writer = new_device(ctx, server.url, tmp_path / "writer")
    h = household(VILLAGE_A)
    writer.store.add_many([h, *[visit(h, writer.worker_id, str(i)) for i in range(200)]])
    writer.sync()
    reader = new_device(ctx, server.url, tmp_path / "reader")
    sandbox_path = reader.sandbox.path
    reader.store.close()
    proxy.plan.extend([Fault("delay", seconds=0.4)] * 50)
    child = subprocess.Popen(
        [sys.executable, "-c", DEVICE_SCRIPT, str(sandbox_path), PIN, proxy.url, "20"], cwd=ROOT
    )
    db = sandbox_path / "store.db"

    def cursor() -> int:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='sync.cursor'").fetchone()
        return int(row[0]) if row else 0

    deadline = time.monotonic() + 60
    while cursor() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    stopped_at = cursor()
    assert stopped_at > 0
    resumed = open_device(Sandbox(sandbox_path), server.url)
    already = sum(resumed.store.counts().values())
    assert 0 < already < 201
    report = resumed.client(page_size=20).sync()
    assert report.pulled == 201 - already  # resumed: no page fetched twice
    assert resumed.store.counts()["visit"] == 200
    resumed.store.close()
    writer.store.close()
