"""The sync bar on every screen, and the sync problems screen."""

from __future__ import annotations

import asyncio

import flet as ft

from app.ui import widgets as w
from app.ui.viewmodels.sync import SyncProblemsVM, SyncVM, default_syncer
from app.ui.views.base import Host, Screen


class SyncBar:
    """Online or offline, pending changes, last sync, errors; the 同步 button with progress."""

    def __init__(self, shell: Host) -> None:
        assert shell.ws is not None
        self.shell = shell
        self.vm = SyncVM(
            shell.ws,
            lang=shell.lang,
            server_override=shell.settings.server_url,
            syncer=shell.syncer or default_syncer,
        )
        self._bars: list[
            tuple[ft.Container, ft.Text, ft.ProgressBar, ft.Text, ft.Control, ft.Control]
        ] = []
        self.vm.on_change = self.update

    def control(self) -> ft.Control:
        """A new bar for one view (a control lives in one place only)."""
        status = ft.Text("", size=w.SMALL, expand=True)
        error = ft.Text("", size=w.SMALL, color=ft.Colors.ERROR)
        progress = ft.ProgressBar(visible=False)
        problems = w.button(
            self.shell.t("sync.problems"),
            self.shell.handler(self._open_problems),
            kind="text",
            icon=ft.Icons.REPORT_PROBLEM_OUTLINED,
        )
        sync_button = w.button(
            self.shell.t("sync.button"),
            self.shell.handler(self._sync),
            kind="tonal",
            icon=ft.Icons.SYNC,
        )
        icon = ft.Icon(ft.Icons.CLOUD_OFF, size=22)
        box = ft.Container(
            content=ft.Column(
                [
                    ft.Row(
                        [icon, status, problems, sync_button],
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                        spacing=8,
                    ),
                    progress,
                    error,
                ],
                spacing=2,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=6),
            bgcolor=ft.Colors.SURFACE_CONTAINER,
        )
        box.data = icon
        self._bars.append((box, status, progress, error, problems, sync_button))
        self._fill(box, status, progress, error, problems, sync_button)
        return box

    def _fill(
        self,
        box: ft.Container,
        status: ft.Text,
        progress: ft.ProgressBar,
        error: ft.Text,
        problems: ft.Control,
        sync_button: ft.Control,
    ) -> None:
        vm = self.vm
        status.value = vm.status_line()
        icon = box.data
        icon.icon = ft.Icons.CLOUD_DONE if vm.online else ft.Icons.CLOUD_OFF
        icon.color = ft.Colors.GREEN_700 if vm.online else ft.Colors.ON_SURFACE_VARIANT
        progress.visible = vm.syncing
        progress.value = vm.fraction
        error.value = vm.error or vm.result
        error.color = ft.Colors.ERROR if vm.error else ft.Colors.GREEN_800
        error.visible = bool(vm.error or vm.result)
        problems.visible = vm.dead > 0 or self._has_conflicts()
        sync_button.disabled = vm.syncing

    def _has_conflicts(self) -> bool:
        try:
            return bool(self.vm.ws.sync.conflicts())
        except Exception:
            return False

    def update(self) -> None:
        """Show the view-model's state on every bar still on screen."""
        if self.vm.ws.locked:
            return
        alive = []
        for parts in self._bars:
            box = parts[0]
            if not w.mounted(box):
                continue
            alive.append(parts)
            self._fill(*parts)
            box.update()
        self._bars = alive

    def refresh(self) -> None:
        self.vm.refresh()
        self.update()

    async def check_online(self) -> None:
        await asyncio.to_thread(self.vm.check_online)
        self.update()

    async def sync_now(self) -> None:
        """Push then pull, with progress on every bar; the screen re-reads afterwards."""
        await self._sync()

    async def _sync(self) -> None:
        if self.vm.syncing:
            return
        task = asyncio.create_task(asyncio.to_thread(self.vm.run))
        while not task.done():
            self.update()
            await asyncio.sleep(0.25)
        ok = await task
        self.update()
        if ok:
            self.shell.reread()
        elif self.vm.error:
            self.shell.snack(self.vm.error, error=True)

    def _open_problems(self) -> None:
        self.shell.open("sync-problems")


class SyncProblemsScreen(Screen):
    """Rejected changes and conflicts side by side; a coordinator keeps either value."""

    key = "sync-problems"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = SyncProblemsVM(
            shell.ws,
            lang=shell.lang,
            server_override=shell.settings.server_url,
            syncer=shell.syncer or default_syncer,
        )

    def title(self) -> str:
        return self.t("sync.problems")

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        problems = self.vm.problems()
        if not problems:
            return [w.body(self.t("sync.no_problems"))]
        out: list[ft.Control] = []
        if not self.vm.can_resolve:
            out.append(w.muted(self.t("sync.coordinator_resolves")))
        for p in problems:
            mine_title = self.t("sync.mine")
            theirs_title = self.t(
                "sync.server_reason" if p.kind == "rejected" else "sync.server_value"
            )
            sides = ft.ResponsiveRow(
                [
                    ft.Container(
                        ft.Column([w.muted(mine_title), w.body(p.mine, selectable=True)]),
                        col={"xs": 12, "md": 6},
                        padding=10,
                        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                        border_radius=8,
                    ),
                    ft.Container(
                        ft.Column([w.muted(theirs_title), w.body(p.theirs, selectable=True)]),
                        col={"xs": 12, "md": 6},
                        padding=10,
                        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                        border_radius=8,
                    ),
                ]
            )
            actions: list[ft.Control] = []
            if self.vm.can_resolve:
                for action in p.actions:
                    name = {
                        "keep_server": "sync.discard"
                        if p.kind == "rejected"
                        else "sync.keep_server",
                        "keep_mine": "sync.keep_mine",
                        "retry": "sync.retry_mine",
                    }[action]
                    actions.append(
                        w.button(
                            self.t(name),
                            self.act(
                                lambda _e, k=p.key, a=action: self._keep(k, a != "keep_server")
                            ),
                            kind="outlined" if action == "keep_server" else "tonal",
                        )
                    )
            if p.household_id:
                actions.append(
                    w.button(
                        self.t("sync.open_household"),
                        self.act(lambda _e, h=p.household_id: self._open(h)),
                        kind="text",
                        icon=ft.Icons.HOME_OUTLINED,
                    )
                )
            body: list[ft.Control] = [w.body(f"{p.record} · {p.field}" if p.field else p.record)]
            body.append(sides)
            if p.kind == "rejected" and "retry" not in p.actions:
                body.append(w.muted(self.t("sync.cannot_resend")))
            body.append(ft.Row(actions, wrap=True))
            title = self.t("sync.rejected" if p.kind == "rejected" else "sync.conflict")
            out.append(w.section(f"{title} · {p.household}", body))
        return out

    def _open(self, household_id: str) -> None:
        self.shell.open("household", household_id=household_id)

    def _keep(self, key: str, mine: bool) -> None:
        ok = self.vm.keep_mine(key) if mine else self.vm.keep_server(key)
        if not ok:
            self.shell.snack(self.vm.message, error=True)
        else:
            self.shell.snack(self.t("sync.resolved"))
        if ok and self.shell.sync_bar is not None:
            self.shell.sync_bar.vm.problem_resolved()
        self.refresh()
