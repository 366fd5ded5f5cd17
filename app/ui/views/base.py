"""The screen base: builds an `ft.View` around a body rebuilt from the view-model.

Top-level screens (首页, 家庭, 需求, 心愿, 设置) carry the navigation: a bar at the bottom
when the window is narrow (tablet held upright, 600 px), a rail on the left when wide
(laptop, 1440 px). Every screen shows the sync bar at the top.

A screen knows its shell only as a `Host`: it navigates by route name
(`host.open("household", household_id=...)`), never by importing the shell or another
screen; the shell's route table (app/ui/shell.py, `ROUTES`) says which screen a name opens.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

from app.ui import widgets as w

if TYPE_CHECKING:
    from app.domain.policy import VisitPolicy
    from app.store.keystore import Keystore
    from app.ui.viewmodels.device import DeviceSettings
    from app.ui.viewmodels.start import Enroll
    from app.ui.viewmodels.sync import SyncerFactory
    from app.ui.viewmodels.workspace import Workspace

WIDE = 900
CONTENT_MAX = 1100

# (screen key, icon, selected icon, label key)
DESTINATIONS = (
    ("today", ft.Icons.HOME_OUTLINED, ft.Icons.HOME, "nav.today"),
    ("households", ft.Icons.PEOPLE_OUTLINE, ft.Icons.PEOPLE, "nav.households"),
    ("needs", ft.Icons.ASSIGNMENT_OUTLINED, ft.Icons.ASSIGNMENT, "nav.needs"),
    ("wishes", ft.Icons.CARD_GIFTCARD_OUTLINED, ft.Icons.CARD_GIFTCARD, "nav.wishes"),
    ("settings", ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS, "nav.settings"),
)


class Host(Protocol):
    """What a screen may ask of the shell that shows it (app/ui/shell.py implements it)."""

    page: ft.Page
    data_dir: Path
    settings: DeviceSettings
    ws: Workspace | None
    sync_bar: Any  # the SyncBar (app/ui/views/sync.py) while unlocked
    clock: Callable[[], datetime]
    syncer: SyncerFactory | None
    enroll: Enroll | None
    policy: VisitPolicy | None
    keystore: Keystore | None

    @property
    def lang(self) -> str: ...

    @property
    def wide(self) -> bool: ...

    @property
    def width(self) -> float: ...

    def t(self, key: str, **values: Any) -> str: ...

    # --- navigation: routes by name, with their parameters ---------------------------

    def open(self, route: str, **params: Any) -> None:
        """Open the screen named `route` over the current one."""
        ...

    def open_instead(self, route: str, **params: Any) -> None:
        """Open the screen named `route` in the current one's place (back skips it)."""
        ...

    def go_to(self, route: str) -> None:
        """Make the top-level screen named `route` the only one."""
        ...

    def pop(self) -> None:
        """Back to the screen below, which re-reads what may have changed."""
        ...

    def reread(self) -> None:
        """The current screen re-reads its view-model and is redrawn (after a sync)."""
        ...

    def render(self) -> None: ...

    def destinations(self) -> tuple[tuple[str, Any, Any, str], ...]: ...

    # --- the session ------------------------------------------------------------------

    def unlocked(self, ws: Workspace) -> None: ...

    def lock(self, message: str = "") -> None: ...

    def show_start(self, message: str = "") -> None: ...

    # --- messages and handlers --------------------------------------------------------

    def snack(self, message: str, *, error: bool = False, seconds: int | None = None) -> None: ...

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        """Show a dialog with its text at the device's size (大字)."""
        ...

    def pop_dialog(self, then: Callable[[], None] | None = None) -> None:
        """Close the dialog on top (not a snackbar); `then` runs once it is gone."""
        ...

    def handler(self, fn: Callable[..., Any]) -> Callable[..., Any]: ...

    def background(self, work: Coroutine[Any, Any, Any]) -> Any: ...


class Screen(ABC):
    """One screen: `content()` returns the body's controls from the view-model's state.

    `key` is the screen's route name in the shell's route table."""

    key = ""
    top_level = False
    scroll = True
    sync_bar = True

    def __init__(self, shell: Host) -> None:
        self.shell = shell
        self.body = ft.Column(
            spacing=14, expand=True, scroll=ft.ScrollMode.AUTO if self.scroll else None
        )
        self.view: ft.View | None = None

    # --- to implement ---------------------------------------------------------------

    @abstractmethod
    def title(self) -> str: ...

    @abstractmethod
    def content(self) -> list[ft.Control]: ...

    def actions(self) -> list[ft.Control]:
        return []

    def floating(self) -> ft.FloatingActionButton | None:
        return None

    def on_show(self) -> None:
        """Called when the screen comes (back) to the top: re-read what may have changed."""
        return None

    # --- shared -----------------------------------------------------------------------

    def t(self, key: str, **values: Any) -> str:
        return self.shell.t(key, **values)

    def act(self, fn: Any) -> Any:
        """Wrap an event handler: counts as activity; errors become a message, never a crash."""
        return self.shell.handler(fn)

    def refresh(self) -> None:
        """Rebuild the body from the view-model and send the change."""
        self.body.controls = self.content()
        self.update_view()

    def update_view(self) -> None:
        """Send what changed on this screen, if it is on the page."""
        w.update(self.view)

    def update(self, *controls: ft.Control) -> None:
        """Send what changed in these controls; those no longer on the page are dropped."""
        w.update(*controls)

    def build_view(self) -> ft.View:
        self.body.controls = self.content()
        inner = ft.Container(
            content=self.body,
            padding=ft.Padding.symmetric(horizontal=16, vertical=12),
            expand=True,
        )
        if self.shell.wide:
            # On a laptop the content keeps a readable width, centred beside the rail.
            inner.expand = False
            inner.width = min(CONTENT_MAX, self.shell.width - (120 if self.top_level else 0))
        centred = ft.Row(
            [inner],
            expand=True,
            alignment=ft.MainAxisAlignment.CENTER,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        column: list[ft.Control] = []
        if self.sync_bar and self.shell.sync_bar is not None:
            column.append(self.shell.sync_bar.control())
        column.append(centred)
        main: ft.Control = ft.Column(column, spacing=0, expand=True)
        navigation_bar = None
        if self.top_level and self.shell.wide:
            main = ft.Row([self._rail(), ft.VerticalDivider(width=1), main], expand=True, spacing=0)
        elif self.top_level:
            navigation_bar = self._bar()
        appbar = ft.AppBar(
            title=ft.Text(self.title(), size=w.TITLE, weight=ft.FontWeight.BOLD),
            actions=[*self.actions(), ft.Container(width=8)],
            automatically_imply_leading=not self.top_level,
            toolbar_height=60,
        )
        self.view = ft.View(
            route=f"/{self.key}",
            controls=[main],
            appbar=appbar,
            navigation_bar=navigation_bar,
            floating_action_button=self.floating(),
            padding=0,
            spacing=0,
        )
        return self.view

    def _index(self) -> int:
        return next((i for i, d in enumerate(self.shell.destinations()) if d[0] == self.key), 0)

    def _bar(self) -> ft.NavigationBar:
        destinations = self.shell.destinations()
        return ft.NavigationBar(
            selected_index=self._index(),
            destinations=[
                ft.NavigationBarDestination(icon=icon, selected_icon=sel, label=self.t(label))
                for _, icon, sel, label in destinations
            ],
            on_change=self.act(
                lambda e: self.shell.go_to(destinations[int(e.control.selected_index)][0])
            ),
        )

    def _rail(self) -> ft.NavigationRail:
        destinations = self.shell.destinations()
        return ft.NavigationRail(
            selected_index=self._index(),
            label_type=ft.NavigationRailLabelType.ALL,
            min_width=96,
            destinations=[
                ft.NavigationRailDestination(icon=icon, selected_icon=sel, label=self.t(label))
                for _, icon, sel, label in destinations
            ],
            on_change=self.act(
                lambda e: self.shell.go_to(destinations[int(e.control.selected_index)][0])
            ),
        )
