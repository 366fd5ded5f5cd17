"""Households (家庭): search and filters over my areas; add a household found in difficulty."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.domain.codes import Category
from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.households import HouseholdLine, HouseholdsVM, NewHouseholdVM
from app.ui.views.base import Host, Screen


class HouseholdsScreen(Screen):
    key = "households"
    top_level = True

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = HouseholdsVM(shell.ws, shell.lang)
        # No hint inside the field: a hint would join its label (搜索) while it is empty.
        self.search = w.search_field(
            self.t("households.search"), self.t("households.clear_search"), self._query, self.act
        )
        self.results = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.count = w.muted("")
        self.shown_before = False
        self.tiles: dict[HouseholdLine, ft.Control] = {}

    def title(self) -> str:
        return self.t("households.title")

    def on_show(self) -> None:
        if self.shown_before:  # back from a household: what it shows may have changed
            self.tiles.clear()
            self.vm.reload()
        self.shown_before = True

    def floating(self) -> ft.FloatingActionButton | None:
        return ft.FloatingActionButton(
            icon=ft.Icons.ADD_HOME,
            content=self.t("households.report"),
            on_click=self.act(self._report),
            tooltip=self.t("households.report"),
        )

    def content(self) -> list[ft.Control]:
        self._fill_results()
        category = ft.Dropdown(
            label=self.t("households.category"),
            value=self.vm.category.value if self.vm.category else w.ALL,
            options=[ft.DropdownOption(key=w.ALL, text=self.t("common.all"))]
            + [ft.DropdownOption(key=k, text=v) for k, v in self.vm.category_choices()],
            on_select=self.act(self._category),
            width=220,
            text_size=w.TEXT,
        )
        village = ft.Dropdown(
            label=self.t("households.village"),
            value=self.vm.village or w.ALL,
            options=[ft.DropdownOption(key=w.ALL, text=self.t("common.all"))]
            + [ft.DropdownOption(key=k, text=v) for k, v in self.vm.ws.villages()],
            on_select=self.act(self._village),
            width=220,
            text_size=w.TEXT,
        )
        overdue = ft.Checkbox(
            label=self.t("households.overdue_only"),
            value=self.vm.overdue_only,
            on_change=self.act(self._overdue),
            label_style=w.style(),
        )
        queue: list[ft.Control] = []
        link = self.vm.discoveries_link()
        if link:
            queue.append(
                w.left(
                    w.button(
                        link,
                        self.act(lambda _e: self.shell.open("discoveries")),
                        kind="tonal",
                        icon=ft.Icons.FACT_CHECK_OUTLINED,
                    )
                )
            )
        return [
            *queue,
            ft.Row([self.search]),
            w.muted(self.t("households.search_hint")),
            ft.Row(
                [
                    w.labelled(category, self.t("households.category")),
                    w.labelled(village, self.t("households.village")),
                    overdue,
                ],
                wrap=True,
                spacing=12,
                run_spacing=8,
            ),
            self.count,
            self.results,
            ft.Container(height=80),
        ]

    def _fill_results(self) -> None:
        vm = self.vm
        self.count.value = vm.summary()
        lines: list[ft.Control] = [self._tile(line) for line in vm.visible()]
        if vm.has_more:
            lines.append(
                w.button(
                    self.t("common.more", n=len(vm.lines) - vm.shown),
                    self.act(self._more),
                    kind="outlined",
                )
            )
        if not vm.lines:
            lines.append(w.body(self.t("households.none")))
        self.results.controls = lines

    def _update_results(self) -> None:
        self._fill_results()
        self.update(self.results, self.count)

    def _tile(self, line: HouseholdLine) -> ft.Control:
        """The line's control, reused while it shows the same: a keystroke then sends only
        which lines are listed, not every line again."""
        tile = self.tiles.get(line)
        if tile is None:
            tile = self.tiles[line] = self._line(line)
        return tile

    def _line(self, line: HouseholdLine) -> ft.Control:
        top: list[ft.Control] = [ft.Text(line.title, size=18, weight=ft.FontWeight.BOLD)]
        if line.matched:
            top.append(w.muted(self.t("households.member", name=line.matched)))
        top.append(w.muted(line.village))
        if line.reported:
            top.append(w.pill(self.t("households.reported"), ft.Colors.PURPLE_400))
        if line.urgency is not None and line.urgency in w.URGENCY_COLOURS:
            top.append(
                w.pill(label(line.urgency, self.shell.lang), w.URGENCY_COLOURS[line.urgency])
            )
        return w.tappable(
            ft.Column(
                [
                    ft.Row(top, wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
                    w.body(line.categories, size=w.SMALL),
                ],
                spacing=4,
            ),
            self.act(lambda _e, h=line.household_id: self._open(h)),
            self.t("today.open", name=line.title),
        )

    def _query(self, query: str) -> None:
        self.vm.set_query(query)
        self._update_results()

    def _category(self, e: Any) -> None:
        value = e.control.value
        self.vm.set_category(None if value in (None, w.ALL) else Category(value).value)
        self._update_results()

    def _village(self, e: Any) -> None:
        value = e.control.value
        self.vm.set_village(None if value in (None, w.ALL) else value)
        self._update_results()

    def _overdue(self, e: Any) -> None:
        self.vm.set_overdue_only(bool(e.control.value))
        self._update_results()

    def _more(self) -> None:
        self.vm.show_more()
        self._update_results()

    def _open(self, household_id: str) -> None:
        self.shell.open("household", household_id=household_id)

    def _report(self) -> None:
        self.shell.open("household-new")


class NewHouseholdScreen(Screen):
    """主动发现: report a household in difficulty that is not on the register."""

    key = "household-new"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = NewHouseholdVM(shell.ws, shell.lang)
        vm = self.vm

        def bind(attr: str) -> Any:
            return self.act(lambda e: setattr(vm, attr, e.control.value or ""))

        self.fields: dict[str, ft.TextField] = {
            "head_name": w.text_field(self.t("newhh.head_name"), on_change=bind("head_name")),
            "id_number": w.text_field(
                self.t("newhh.id_number"),
                on_change=bind("id_number"),
                on_blur=self.act(self._check_id),
                max_length=18,
            ),
            "address": w.text_field(self.t("newhh.address"), on_change=bind("address")),
            "phone": w.text_field(
                self.t("newhh.phone"), on_change=bind("phone"), keyboard=ft.KeyboardType.PHONE
            ),
            "notes": w.text_field(self.t("newhh.notes"), on_change=bind("notes"), multiline=True),
        }
        self.known = ft.Column(spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.message = ft.Text("", color=ft.Colors.ERROR, size=w.TEXT, visible=False)
        self.village_error = ft.Text("", color=ft.Colors.ERROR, size=w.SMALL, visible=False)

    def title(self) -> str:
        return self.t("households.report")

    def content(self) -> list[ft.Control]:
        vm = self.vm
        self._fill_known()
        return [
            w.muted(self.t("newhh.hint")),
            w.section(
                self.t("newhh.village"),
                [
                    w.choice_group(
                        vm.village_choices(),
                        [vm.village],
                        self.act(lambda v, _on: setattr(vm, "village", v)),
                    ),
                    self.village_error,
                ],
            ),
            w.section(
                self.t("newhh.head"),
                [
                    self.fields["head_name"],
                    self.fields["id_number"],
                    self.known,
                    ft.Checkbox(
                        label=self.t("newhh.elderly_alone"),
                        value=vm.elderly_alone,
                        on_change=self.act(
                            lambda e: setattr(vm, "elderly_alone", bool(e.control.value))
                        ),
                        label_style=w.style(),
                    ),
                ],
            ),
            w.section(
                self.t("newhh.home"),
                [self.fields["address"], self.fields["phone"], self.fields["notes"]],
            ),
            w.section(
                self.t("newhh.categories"),
                [
                    w.muted(self.t("newhh.categories_hint")),
                    w.choice_group(
                        [(c.value, label(c, self.shell.lang)) for c in Category],
                        [c.value for c in vm.categories],
                        self.act(vm.toggle_category),
                        multi=True,
                    ),
                ],
            ),
            self.message,
            w.button(self.t("common.save"), self.act(self._save), icon=ft.Icons.SAVE),
            ft.Container(height=40),
        ]

    def _fill_known(self) -> None:
        self.known.controls = []
        if self.vm.known_warning:
            self.known.controls.append(
                ft.Container(
                    ft.Column(
                        [
                            ft.Row(
                                [
                                    ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.AMBER_900),
                                    w.body(self.vm.known_warning, size=w.SMALL),
                                ],
                                wrap=True,
                            ),
                            *[
                                w.button(
                                    self.t("newhh.open_known", name=k.name),
                                    self.act(lambda _e, h=k.household_id: self._open_known(h)),
                                    kind="text",
                                )
                                for k in self.vm.known
                            ],
                        ]
                    ),
                    bgcolor=ft.Colors.AMBER_50,
                    padding=10,
                    border_radius=8,
                )
            )

    def _check_id(self) -> None:
        self.vm.check_id_number()
        self.fields["id_number"].error = self.vm.errors.get("id_number")
        self._fill_known()
        self.update(self.fields["id_number"], self.known)

    def _open_known(self, household_id: str) -> None:
        if household_id in self.vm.ws.roster.households:
            self.shell.open("household", household_id=household_id)
        else:
            self.shell.snack(self.t("newhh.known_elsewhere"))

    def _save(self) -> None:
        household = self.vm.save()
        for key, control in self.fields.items():
            control.error = self.vm.errors.get(key)
        self.village_error.value = self.vm.errors.get("village", "")
        self.village_error.visible = "village" in self.vm.errors
        self.message.value = self.vm.message
        self.message.visible = bool(self.vm.message)
        self._fill_known()
        if household is None:
            self.update_view()
            self.shell.snack(self.vm.message, error=True)
            return
        self.shell.snack(self.t("newhh.saved"))
        self.shell.open_instead("household", household_id=household.id)
