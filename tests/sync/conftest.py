"""Fixtures for the sync tests: a real server on 127.0.0.1 over SQLite and PostgreSQL,
and enrolled devices with real encrypted stores."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from app.store.sandbox import Sandbox
from app.store.store import Store
from sync.client import SyncClient
from sync.enrolment import enroll
from sync.server.app import create_app
from sync.server.context import ServerContext
from sync.server.services import admin
from sync.server.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PIN = "246810"
VILLAGE_A = "330702102201"  # 岩头村, 安地镇
VILLAGE_B = "330702102202"
TOWNSHIP = "330702102"
OTHER_VILLAGE = "330703101201"  # 孝顺镇


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


class ThreadServer:
    """uvicorn in a thread of the test process, on a free loopback port."""

    def __init__(self, ctx: ServerContext, port: int | None = None) -> None:
        self.ctx = ctx
        self.port = port or free_port()
        config = uvicorn.Config(
            create_app(ctx.settings, ctx=ctx),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_keep_alive=30,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def ctx(db_url: str) -> Iterator[ServerContext]:
    # The tests enrol many devices from 127.0.0.1 in a few seconds: the per-client budget
    # of unsigned requests is tested on its own (test_gate.py) and lifted here.
    context = ServerContext.open(
        Settings(database_url=db_url, max_body_bytes=2 * 1024 * 1024, unsigned_per_minute=100_000)
    )
    yield context
    context.db.dispose()


@pytest.fixture
def server(ctx: ServerContext) -> Iterator[ThreadServer]:
    srv = ThreadServer(ctx).start()
    yield srv
    srv.stop()


@dataclass
class Device:
    """An enrolled device: its sandbox, its unlocked store and a sync client."""

    sandbox: Sandbox
    store: Store
    worker_id: str
    url: str

    def client(self, **kwargs: object) -> SyncClient:
        return SyncClient(self.store, self.url, **kwargs)  # type: ignore[arg-type]

    def sync(self, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client(attempts=kwargs.pop("attempts", 3), backoff_s=0.05, **kwargs).sync()  # type: ignore[arg-type]


def open_device(sandbox: Sandbox, url: str) -> Device:
    key = sandbox.unlock(PIN)
    store = Store(
        sandbox.db_path, key, device_id=sandbox.info.device_id, worker_id=sandbox.info.worker_id
    )
    return Device(sandbox, store, sandbox.info.worker_id, url)


@contextmanager
def copied(original: Device, where: Path) -> Iterator[Device]:
    """A copy of the device's data dir, opened (made with the store closed, as a backup
    or a copied folder is); the original is opened again in place."""
    original.store.close()
    target = where / original.sandbox.path.name
    shutil.copytree(original.sandbox.path, target)
    original.store = open_device(Sandbox(original.sandbox.path), original.url).store
    copy = open_device(Sandbox(target), original.url)
    try:
        yield copy
    finally:
        copy.store.close()


def new_device(
    ctx: ServerContext,
    url: str,
    data_dir: Path,
    *,
    areas: list[str] | None = None,
    role: str = "worker",
    worker_id: str | None = None,
    name: str | None = None,
) -> Device:
    """A worker (unless given) and one enrolled device for them, unlocked."""
    if worker_id is None:
        worker = admin.create_worker(
            ctx,
            name or f"工作人员{uuid.uuid4().hex[:4]}",
            role,
            "grid_worker",
            areas or [VILLAGE_A],
        )
        worker_id = worker.id
    code = admin.issue_code(ctx, worker_id).code
    sandbox = enroll(data_dir, url, code, PIN, scrypt_n=2**10)
    return open_device(sandbox, url)


@pytest.fixture
def make_device(ctx: ServerContext, server: ThreadServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Device] = []

    def make(**kwargs: object) -> Device:
        data_dir = tmp_path / f"device-{len(made)}"
        device = new_device(ctx, server.url, data_dir, **kwargs)  # type: ignore[arg-type]
        made.append(device)
        return device

    yield make
    for device in made:
        device.store.close()


def raw_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=10, headers={"Doorstep-Protocol": "1"})


os.environ.setdefault("DOORSTEP_TEST", "1")


def signed(
    device: Device,
    method: str,
    target: str,
    payload: object = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> httpx.Response:
    """A request signed with the device's own credentials, outside SyncClient's loop."""
    import json

    client = device.client()
    body = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
    sig = client.auth.headers(method, target, body)
    with raw_client(device.url) as http:
        return http.request(
            method,
            target,
            content=body if (payload is not None or raw is not None) else None,
            headers={**sig, "Content-Type": "application/json", **(headers or {})},
        )


def push_payload(device: Device) -> dict[str, object]:
    return {
        "mutations": [
            {
                "seq": m.seq,
                "mutation_id": m.mutation_id,
                "record_type": m.record_type,
                "record_id": m.record_id,
                "kind": m.kind,
                "kind_version": m.kind_version,
                "base_seq": m.base_seq,
                "hlc": m.hlc,
                "payload": m.payload,
            }
            for m in device.store.pending()
        ]
    }


class FailAfter(httpx.HTTPTransport):
    """A transport that cuts the connection from the `n`-th request on (a lost network)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count > self.n:
            raise httpx.ConnectError("network down", request=request)
        return super().handle_request(request)
