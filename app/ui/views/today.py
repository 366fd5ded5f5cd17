"""Today (首页): who to visit first, and why."""

from __future__ import annotations

import flet as ft

from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.today import SHOWN, TodayItem, TodayVM
from app.ui.views.base import Host, Screen


class TodayScreen(Screen):
    key = "today"
    top_level = True

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.ws = shell.ws
        self.vm = TodayVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("today.title")

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        vm = self.vm
        tiles = [
            self._count_tile(label(u, self.shell.lang), vm.counts.get(u, 0), w.URGENCY_COLOURS[u])
            for u in SHOWN
        ]
        tiles.append(
            self._count_tile(
                self.t("today.households"), vm.total_households, ft.Colors.BLUE_GREY_700
            )
        )
        out: list[ft.Control] = [
            ft.ResponsiveRow(tiles, spacing=10, run_spacing=10),
            w.muted(vm.summary()),
        ]
        if self.ws.roster.damaged:
            out.append(
                ft.Text(
                    self.t("today.damaged", n=len(self.ws.roster.damaged)),
                    color=ft.Colors.ERROR,
                    size=w.SMALL,
                )
            )
        if self.ws.never_synced:
            out.append(
                ft.Container(
                    w.body(self.t("today.never_synced")),
                    padding=12,
                    border_radius=8,
                    bgcolor=ft.Colors.AMBER_50,
                    border=ft.Border.all(1, ft.Colors.AMBER_700),
                )
            )
        elif not vm.items:
            out.append(w.body(self.t("today.all_done")))
        out.extend(self._line(item) for item in vm.visible())
        if vm.has_more:
            out.append(
                w.button(
                    self.t("common.more", n=len(vm.items) - vm.shown),
                    self.act(self._more),
                    kind="outlined",
                )
            )
        return out

    def _count_tile(self, title: str, n: int, colour: str) -> ft.Control:
        return ft.Container(
            ft.Column(
                [
                    ft.Text(str(n), size=28, weight=ft.FontWeight.BOLD, color=colour),
                    ft.Text(title, size=w.SMALL),
                ],
                spacing=2,
            ),
            col={"xs": 6, "md": 3},
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        )

    def _line(self, item: TodayItem) -> ft.Control:
        colour = w.URGENCY_COLOURS.get(item.urgency, ft.Colors.GREY)
        return w.tappable(
            ft.Column(
                [
                    ft.Row(
                        [
                            w.pill(label(item.urgency, self.shell.lang), colour),
                            ft.Text(item.title, size=18, weight=ft.FontWeight.BOLD),
                            w.muted(item.village),
                        ],
                        wrap=True,
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                    w.body(item.why, size=w.SMALL),
                ],
                spacing=4,
                expand=True,  # the reason wraps instead of running off the line
            ),
            self.act(lambda _e, h=item.household_id: self._open(h)),
            self.t("today.open", name=item.title),
        )

    def _open(self, household_id: str) -> None:
        self.shell.open("household", household_id=household_id)

    def _more(self) -> None:
        self.vm.show_more()
        self.refresh()
