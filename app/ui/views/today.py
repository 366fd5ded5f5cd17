"""Today (首页): who to visit first, and why."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.today import SHOWN, LateReferral, TodayItem, TodayVM, WarningItem
from app.ui.views.base import Host, Screen

WARNING_COLOUR = ft.Colors.DEEP_ORANGE_800
LATE_REFERRAL_COLOUR = ft.Colors.RED_700  # as the household screen's 超期未答复 pill


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
        if vm.festival_line:
            out.append(
                w.left(
                    w.button(
                        vm.festival_line,
                        self.act(lambda _e: self.shell.open("campaigns")),
                        kind="tonal",
                        icon=ft.Icons.EVENT_NOTE,
                    )
                )
            )
        if vm.warning_count:
            out.append(self._warnings())
        if vm.late_referrals:
            out.append(self._late_referrals())
        if not self.ws.never_synced and not vm.items:
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

    def _warnings(self) -> ft.Control:
        """The warnings (预警): a bordered block above the visit list, a few lines at first."""
        vm = self.vm
        return self._alerts(
            self.t("today.warnings", n=vm.warning_count),
            [
                self._alert_line(item, label(item.kind, self.shell.lang), WARNING_COLOUR)
                for item in vm.visible_warnings()
            ],
            self.t("today.warnings_more", n=vm.more_warnings) if vm.more_warnings else "",
            self._all_warnings,
            WARNING_COLOUR,
            ft.Colors.ORANGE_50,
        )

    def _late_referrals(self) -> ft.Control:
        """A coordinator's referrals unanswered past the policy's days, a few at first."""
        vm = self.vm
        more = vm.more_late_referrals
        return self._alerts(
            self.t("today.referrals_late", n=len(vm.late_referrals)),
            [
                self._alert_line(item, self.t("referral.overdue"), LATE_REFERRAL_COLOUR)
                for item in vm.visible_late_referrals()
            ],
            self.t("today.referrals_late_more", n=more) if more else "",
            self._all_late_referrals,
            LATE_REFERRAL_COLOUR,
            ft.Colors.RED_50,
        )

    def _alerts(
        self,
        heading: str,
        lines: list[ft.Control],
        more: str,
        show_all: Callable[[], None],
        colour: str,
        background: str,
    ) -> ft.Control:
        """A bordered block above the visit list: its heading, its lines and, when some
        are held back, a button (`more`) that shows them all."""
        column: list[ft.Control] = [
            ft.Text(heading, size=18, weight=ft.FontWeight.BOLD, color=colour),
            *lines,
        ]
        if more:
            column.append(w.button(more, self.act(show_all), kind="outlined"))
        return ft.Container(
            ft.Column(column, spacing=6),
            padding=12,
            border_radius=12,
            border=ft.Border.all(1, colour),
            bgcolor=background,
        )

    def _alert_line(self, item: WarningItem | LateReferral, tag: str, colour: str) -> ft.Control:
        """One household's line in an alert block: its tag, name, village and what is
        wrong; a tap opens the household."""
        return w.tappable(
            ft.Column(
                [
                    ft.Row(
                        [
                            w.pill(tag, colour),
                            ft.Text(item.title, size=16, weight=ft.FontWeight.BOLD),
                            w.muted(item.village),
                        ],
                        wrap=True,
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                    w.body(item.words, size=w.SMALL),
                ],
                spacing=4,
                expand=True,
            ),
            self.act(lambda _e, h=item.household_id: self._open(h)),
            self.t("today.open", name=item.title),
        )

    def _all_late_referrals(self) -> None:
        self.vm.show_all_late_referrals()
        self.refresh()

    def _all_warnings(self) -> None:
        self.vm.show_all_warnings()
        self.refresh()

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
