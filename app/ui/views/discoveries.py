"""主动发现待确认: the coordinator's queue of reported households, with its three decisions."""

from __future__ import annotations

import flet as ft

from app.domain.codes import DiscoveryReview
from app.ui import widgets as w
from app.ui.viewmodels.discoveries import DiscoveriesVM, FoundLine
from app.ui.views.base import Host, Screen
from app.ui.views.dialogs import note_dialog


class DiscoveriesScreen(Screen):
    key = "discoveries"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = DiscoveriesVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("discoveries.title")

    def on_show(self) -> None:
        self.vm.reload()

    def content(self) -> list[ft.Control]:
        controls: list[ft.Control] = [w.muted(self.t("discoveries.hint"))]
        if not self.vm.lines:
            controls.append(w.body(self.t("discoveries.none")))
        controls += [self._card(line) for line in self.vm.lines]
        return controls

    def _card(self, line: FoundLine) -> ft.Control:
        facts: list[ft.Control] = [
            self._fact("discoveries.found_by", line.found_by),
            self._fact("discoveries.found_on", line.found_on),
            self._fact("discoveries.village", line.village),
            self._fact("discoveries.why", line.why),
        ]
        if line.status:
            facts.append(self._fact("discoveries.status", line.status))
        if line.match:
            facts.append(w.body(self.t("discoveries.match"), color=ft.Colors.PRIMARY))
        buttons: list[ft.Control] = []
        if self.vm.may_decide:
            confirm = "discoveries.confirm_merge" if line.match else "discoveries.confirm"
            buttons.append(
                w.button(
                    self.t(confirm),
                    self.act(
                        lambda _e, h=line.household_id: self._decide(h, DiscoveryReview.CONFIRMED)
                    ),
                    icon=ft.Icons.HOW_TO_REG,
                )
            )
            if line.can_apply:
                buttons.append(
                    w.button(
                        self.t("discoveries.apply"),
                        self.act(
                            lambda _e, h=line.household_id: self._decide(
                                h, DiscoveryReview.APPLYING
                            )
                        ),
                        kind="outlined",
                        icon=ft.Icons.ASSIGNMENT_IND_OUTLINED,
                    )
                )
            buttons.append(
                w.button(
                    self.t("discoveries.dismiss"),
                    self.act(lambda _e, h=line.household_id: self._dismiss(h)),
                    kind="outlined",
                    icon=ft.Icons.BLOCK,
                )
            )
        return w.section(
            line.title,
            [*facts, ft.Row(buttons, wrap=True, spacing=10, run_spacing=10)],
        )

    def _fact(self, key: str, value: str) -> ft.Control:
        return ft.Row(
            [
                ft.Container(w.muted(self.t(key)), width=96),
                ft.Container(w.body(value), expand=True),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )

    def _decide(self, household_id: str, review: DiscoveryReview, reason: str = "") -> None:
        ok = self.vm.decide(household_id, review, reason)
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _dismiss(self, household_id: str) -> None:
        note_dialog(
            self.shell,
            self.t("discoveries.dismiss_title"),
            self.t("discoveries.reason"),
            self.t("discoveries.dismiss"),
            lambda reason, _photo: self._decide(household_id, DiscoveryReview.DISMISSED, reason),
        )
