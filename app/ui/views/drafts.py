"""A form's draft (visit, survey, consent): kept sealed after every change, and the banner
that says a restored draft is showing, with the way to throw it away."""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

from app.ui import widgets as w
from app.ui.viewmodels.errors import user_message

if TYPE_CHECKING:
    from app.ui.viewmodels.workspace import Workspace
    from app.ui.views.base import Host


class Drafting(Protocol):
    """A form's view-model that keeps its draft (visit, survey, consent)."""

    ws: Workspace

    def keep_draft(self) -> None: ...


def keeping_draft(shell: Host, vm: Drafting, fn: Any) -> Any:
    """An event handler (as `Shell.handler` makes it) that then keeps the form's draft,
    sealed, at once: an auto-lock, a closed tab or a restart then loses nothing."""
    handled = shell.handler(fn)

    def keep() -> None:
        if vm.ws.locked:
            return
        try:
            vm.keep_draft()
        except Exception as exc:
            shell.snack(user_message(exc, shell.lang), error=True)

    if inspect.iscoroutinefunction(handled):

        async def run_async(*args: Any) -> None:
            await handled(*args)
            keep()

        return run_async

    def run(*args: Any) -> None:
        handled(*args)
        keep()

    return run


def draft_banner(shell: Host, restored: datetime, photo_lost: bool, on_discard: Any) -> ft.Control:
    """ "Restored what was left unsaved at …", with the way to throw it away."""
    lines: list[ft.Control] = [
        ft.Text(
            shell.t("draft.restored", when=restored.strftime("%m-%d %H:%M")),
            size=w.TEXT,
            weight=ft.FontWeight.BOLD,
        )
    ]
    if photo_lost:
        lines.append(w.muted(shell.t("draft.photo_again")))
    lines.append(
        w.left(
            w.button(
                shell.t("draft.discard"),
                on_discard,
                kind="outlined",
                icon=ft.Icons.DELETE_SWEEP_OUTLINED,
            )
        )
    )
    return ft.Container(
        ft.Column(lines, spacing=8),
        padding=12,
        border_radius=8,
        bgcolor=ft.Colors.AMBER_50,
        border=ft.Border.all(1, ft.Colors.AMBER_700),
    )
