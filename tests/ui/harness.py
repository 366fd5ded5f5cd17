"""Drive the real views without a browser: a Flet `Session` over a fake `Connection`.

The connection msgpack-encodes every outgoing message like the real server does (the
encoding is what snapshots controls, so later updates produce patches). Events are
dispatched the way the Flutter client sends them: a property patch, then the event.
This uses Flet internals, hence flet is pinned to one exact version.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import Message, MessageAction, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from app.ui.shell import Shell

_encode = configure_encode_object_for_msgpack(BaseControl)


class FakeConnection(Connection):
    """Keeps what the session sends, encoded as the web server would send it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.pubsubhub = PubSubHub(loop, self.executor)
        self.sent: list[bytes] = []
        self.crashes: list[str] = []

    def send_message(self, message: Message) -> None:
        if message.action == MessageAction.SESSION_CRASHED:
            self.crashes.append(str(message.body))
        self.sent.append(msgpack.packb([message.action, message.body], default=_encode))


def walk(control: Any, seen: set[int] | None = None) -> Iterator[BaseControl]:
    """Every control under `control`, depth first (dialogs and snackbars included)."""
    seen = seen if seen is not None else set()
    if isinstance(control, BaseControl):
        if id(control) in seen:
            return
        seen.add(id(control))
        yield control
        for f in dataclasses.fields(control):
            if f.name.startswith("_") and f.name not in ("_dialogs", "_overlay"):
                continue
            yield from walk(getattr(control, f.name, None), seen)
    elif isinstance(control, list | tuple):
        for item in control:
            yield from walk(item, seen)


def label_of(control: BaseControl) -> str:
    """What a screen reader (and the browser tests) would call the control."""
    for attr in ("label", "tooltip", "content", "text"):
        value = getattr(control, attr, None)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, ft.Text) and value.value:
            return str(value.value)
    return ""


INTERACTIVE = (
    ft.Button,
    ft.FilledButton,
    ft.FilledTonalButton,
    ft.OutlinedButton,
    ft.TextButton,
    ft.IconButton,
    ft.TextField,
    ft.Checkbox,
    ft.Dropdown,
    ft.FloatingActionButton,
)


class Client:
    """One page (a browser tab) with the app's shell, driven from the test."""

    def __init__(
        self, data_dir: Path, *, width: int = 800, height: int = 1280, **shell: Any
    ) -> None:
        self.data_dir = data_dir
        self.size = (width, height)
        self.shell_options = shell
        self.conn: FakeConnection | None = None
        self.session: Session | None = None
        self.shell: Shell | None = None

    async def start(self) -> Client:
        self.conn = FakeConnection(asyncio.get_running_loop())
        self.session = Session(self.conn)
        _context_page.set(self.session.page)
        self.session.apply_page_patch(
            {"width": self.size[0], "height": self.size[1], "web": True, "route": "/"}
        )
        # The real server sends this patch in its register-client answer; encoding it is
        # what snapshots the controls, so that later updates produce patches.
        msgpack.packb(self.session.get_page_patch(), default=_encode)
        self.shell = Shell(self.session.page, self.data_dir, **self.shell_options)
        self.shell.start()
        return self

    @property
    def page(self) -> ft.Page:
        assert self.session is not None
        return self.session.page

    def top(self) -> ft.View:
        return self.page.views[-1]

    def controls(self) -> list[BaseControl]:
        return [*walk(self.top()), *walk(self.page._dialogs)]

    def texts(self) -> list[str]:
        out = []
        for c in self.controls():
            if isinstance(c, ft.Text) and c.value and c.visible:
                out.append(str(c.value))
            elif isinstance(c, ft.TextField) and c.error:
                out.append(str(c.error))
        return out

    def has_text(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts())

    def snacks(self) -> list[str]:
        return [
            str(d.content.value)
            for d in self.page._dialogs.controls
            if isinstance(d, ft.SnackBar) and isinstance(d.content, ft.Text)
        ]

    def find(
        self, label: str, kind: type[BaseControl] | tuple[type, ...] = INTERACTIVE
    ) -> BaseControl:
        """The first interactive control whose label (text, tooltip) is `label` or starts with it."""
        for c in self.controls():
            if (
                isinstance(c, kind)
                and getattr(c, "visible", True)
                and label_of(c).startswith(label)
            ):
                return c
        for c in self.controls():  # tappable containers are labelled by their tooltip
            if (
                isinstance(c, ft.Container)
                and c.on_click
                and str(c.tooltip or "").startswith(label)
            ):
                return c
        raise AssertionError(
            f"no control labelled {label!r} on {self.top().route}: {self.texts()[:20]}"
        )

    async def event(
        self, control: BaseControl, name: str, props: dict[str, Any] | None = None
    ) -> None:
        assert self.session is not None
        if props:
            self.session.apply_patch(control._i, props)
        await self.session.dispatch_event(control._i, name, None)
        await self._dismiss_closed_dialogs()
        assert self.conn is not None and self.conn.crashes == [], self.conn.crashes

    async def _dismiss_closed_dialogs(self) -> None:
        """Report each dialog the handler closed as dismissed, as Flutter does once it has
        taken it down, and let what waited for that (a change of screen) run."""
        assert self.session is not None
        closed = [d for d in self.page._dialogs.controls if not d.open]
        for dialog in closed:
            await self.session.dispatch_event(dialog._i, "dismiss", None)
        if closed:
            await asyncio.sleep(0.15)  # the shell looks for the dismissal every 50 ms

    async def click(self, label: str) -> None:
        await self.event(self.find(label), "click")

    async def type(self, label: str, value: str) -> None:
        await self.event(self.find(label, ft.TextField), "change", {"value": value})

    async def unlock(self, pin: str) -> None:
        """The PIN typed, 解锁 tapped, and what the unlock started in the background done."""
        await self.type("PIN", pin)
        await self.click("解锁")
        await self.settle()

    async def tab(self, label: str) -> None:
        bar = self.top().navigation_bar
        assert isinstance(bar, ft.NavigationBar)
        index = next(i for i, d in enumerate(bar.destinations) if d.label == label)
        await self.event(bar, "change", {"selected_index": index})

    async def settle(self) -> None:
        """Let background work started by a handler (threads, tasks) finish."""
        for _ in range(50):
            await asyncio.sleep(0.02)
