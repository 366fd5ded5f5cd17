"""A newly enrolled worker: enrolment ends with the first sync (progress in the sync bar),
and Today says so plainly while the device has never synced (views over a Session)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft

from app.store.repositories.sync_state import EnrolledWorker, Enrolment
from app.store.sandbox import Sandbox, open_store
from app.ui.viewmodels.workspace import Workspace
from sync.client import SyncProgress, SyncReport
from sync.errors import ServerUnreachable
from tests.ui.builders import PIN, make_roster, seed_profile
from tests.ui.conftest import TODAY, Clock
from tests.ui.harness import INTERACTIVE, Client, label_of


def enroll(data_dir: Path, server: str, code: str, pin: str) -> Sandbox:
    """Like sync.client.enroll: a new sandbox holding the enrolment, and no households."""
    sandbox, key = Sandbox.create(data_dir, "新网格员", pin, scrypt_n=2**10)
    store = open_store(sandbox, key)
    try:
        seed_profile(store, role="worker")
        with store.unit_of_work() as uow:
            worker = EnrolledWorker(store.worker_id, "新网格员", "worker")
            uow.sync_state.enrol(Enrolment(bytes(32), server, worker))
            uow.commit()
    finally:
        store.close()
    return sandbox


class CountyServer:
    """Sends the households of the worker's areas on the first pull, reporting progress."""

    def __init__(self, ws: Workspace, *, reachable: bool = True) -> None:
        self.ws = ws
        self.reachable = reachable
        self.progress: list[SyncProgress] = []

    def sync(self, progress: Callable[[Any], None] | None = None) -> SyncReport:
        if not self.reachable:
            raise ServerUnreachable()
        records = make_roster(12, today=TODAY).records()
        for step in (SyncProgress("pull", len(records) // 2), SyncProgress("pull", len(records))):
            self.progress.append(step)
            if progress:
                progress(step)
        self.ws.store.add_many(records, queue=False)
        with self.ws.store.unit_of_work() as uow:
            uow.sync_state.set_last_sync("2026-05-20T10:31:00")
            uow.commit()
        return SyncReport(pulled=len(records))


async def _enrol(client: Client) -> None:
    await client.type("服务器地址", "county.example.cn")
    await client.type("登记码", "ABCD-1234")
    await client.type("设置 PIN", PIN)
    await client.type("再次输入 PIN", PIN)
    button = next(
        c
        for c in client.controls()
        if isinstance(c, INTERACTIVE) and not isinstance(c, ft.TextField) and label_of(c) == "登记"
    )
    await client.event(button, "click")
    for _ in range(10):
        await client.settle()


def test_enrolment_ends_with_the_first_sync(tmp_path: Path, clock: Clock) -> None:
    servers: list[CountyServer] = []

    def syncer(ws: Workspace, _url: str | None) -> CountyServer:
        servers.append(CountyServer(ws))
        return servers[-1]

    async def go() -> None:
        client = await Client(tmp_path, clock=clock, enroll=enroll, syncer=syncer).start()
        await _enrol(client)
        assert client.top().route == "/today"
        assert len(servers) == 1 and len(servers[0].progress) == 2
        assert client.shell is not None and client.shell.ws is not None
        assert len(client.shell.ws.roster.households) == 12
        assert any(t.startswith("同步完成") for t in client.texts()), client.texts()[:8]
        assert not client.has_text("还没有与县里同步过")

    asyncio.run(go())


def test_today_says_the_device_has_never_synced(tmp_path: Path, clock: Clock) -> None:
    def syncer(ws: Workspace, _url: str | None) -> CountyServer:
        return CountyServer(ws, reachable=False)

    async def go() -> None:
        client = await Client(tmp_path, clock=clock, enroll=enroll, syncer=syncer).start()
        await _enrol(client)
        assert client.top().route == "/today"
        assert client.has_text(
            "本设备还没有与县里同步过，负责区域的家庭尚未下载。请点上方的「同步」（需联网）。"
        )
        assert not client.has_text("没有逾期或即将到期的家庭")

    asyncio.run(go())
