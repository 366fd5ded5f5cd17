"""Updates to controls a rebuild removed are dropped, never sent and never raised."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft

from app.ui import widgets as w
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import Client


def test_an_update_to_a_control_no_longer_on_the_page_is_dropped(
    data_dir: Path, clock: Clock
) -> None:
    async def go() -> None:
        client = await Client(data_dir, width=800, height=1280, clock=clock).start()
        await client.unlock(PIN)
        assert client.shell is not None and client.conn is not None
        screen = client.shell.stack[-1]
        kept = ft.Text("留下")
        dropped = ft.Text("移除")
        screen.body.controls = [kept, dropped]
        screen.update_view()
        assert w.mounted(kept) and w.mounted(dropped)
        screen.body.controls = [kept]
        screen.update_view()
        # Its parent is still alive (nothing collected yet), but the page no longer has it.
        assert dropped.parent is screen.body and not w.mounted(dropped)
        sent = len(client.conn.sent)
        dropped.value = "改了"
        screen.update(dropped)
        assert len(client.conn.sent) == sent  # nothing sent, nothing raised
        kept.value = "改了"
        screen.update(kept, dropped)
        assert len(client.conn.sent) == sent + 1
        assert not w.mounted(ft.Text("从未上页"))

    asyncio.run(go())
