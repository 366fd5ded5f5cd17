"""Needs (需求) and micro-wishes (微心愿): lists by status, assessment, review, fulfilment."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import flet as ft

from app.domain.codes import NeedStatus, WishState
from app.ui import widgets as w
from app.ui.viewmodels.needs import NeedItem, NeedsVM, WishesVM, WishItem
from app.ui.views import media
from app.ui.views.base import Host, Screen


def note_dialog(
    shell: Host,
    title: str,
    note_label: str,
    confirm: str,
    on_ok: Callable[[str, tuple[bytes, str] | None], None],
    *,
    with_photo: bool = False,
) -> None:
    """Ask for the note a move needs (reason, resource, what was done), and a photo. The
    dialog says what it does, and stays open until the note is written."""
    field = w.text_field(note_label, multiline=True, width=440)
    photo: dict[str, Any] = {}
    photo_line = w.muted(shell.t("visit.no_photo"))

    async def pick(_e: Any) -> None:
        picked = await media.pick_image(photo)
        if picked is not None:
            photo["content"] = picked
            photo_line.value = shell.t("visit.photo_attached", kb=len(picked[0]) // 1024)
            w.update(photo_line)

    def ok(_e: Any) -> None:
        note = (field.value or "").strip()
        if not note:
            field.error = shell.t("needs.note_required")
            w.update(field)
            return
        shell.page.pop_dialog()
        on_ok(note, photo.get("content"))

    controls: list[ft.Control] = [field]
    if with_photo:
        controls += [
            photo_line,
            w.button(
                shell.t("media.choose_photo"),
                shell.handler(pick),
                kind="outlined",
                icon=ft.Icons.IMAGE,
            ),
        ]
    shell.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(title, size=w.TITLE, weight=ft.FontWeight.BOLD),
            content=ft.Column(controls, tight=True, spacing=10, width=460),
            actions=[
                w.button(
                    shell.t("common.back"),
                    shell.handler(lambda _e: shell.page.pop_dialog()),
                    kind="text",
                ),
                w.button(confirm, shell.handler(ok)),
            ],
        )
    )


class _Listing(Screen):
    """A searchable list of needs or wishes: the search box and the filters stay while the
    results below them are rebuilt after each keystroke."""

    top_level = True
    LIMIT = 200

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        self.search = w.search_field(
            self.t("needs.search"), self.t("households.clear_search"), self._query, self.act
        )
        self.results = ft.Column(spacing=14, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    @abstractmethod
    def filters(self) -> list[ft.Control]: ...

    @abstractmethod
    def fill(self) -> None: ...

    @abstractmethod
    def set_query(self, query: str) -> None: ...

    def content(self) -> list[ft.Control]:
        self.fill()
        return [ft.Row([self.search]), *self.filters(), self.results]

    def _query(self, query: str) -> None:
        self.set_query(query)
        self.fill()
        self.update(self.results)

    def listed(self, items: list[Any], none: str, build: Callable[[Any], ft.Control]) -> None:
        controls: list[ft.Control] = [build(i) for i in items[: self.LIMIT]]
        if not items:
            controls.append(w.body(none))
        if len(items) > self.LIMIT:
            controls.append(w.muted(self.t("needs.first_200", n=len(items))))
        self.results.controls = controls


class NeedsScreen(_Listing):
    key = "needs"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = NeedsVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("needs.title")

    def on_show(self) -> None:
        self.vm.load()

    def set_query(self, query: str) -> None:
        self.vm.set_query(query)

    def filters(self) -> list[ft.Control]:
        area = ft.Dropdown(
            label=self.t("needs.area"),
            value=self.vm.area.value if self.vm.area else w.ALL,
            options=[ft.DropdownOption(key=w.ALL, text=self.t("common.all"))]
            + [ft.DropdownOption(key=k, text=v) for k, v in self.vm.area_choices()],
            on_select=self.act(self._area),
            width=220,
            text_size=w.TEXT,
        )
        return [
            w.choice_group(
                self.vm.filters(), [self.vm.filter], self.act(lambda v, _on: self._filter(v))
            ),
            w.labelled(area, self.t("needs.area")),
        ]

    def fill(self) -> None:
        self.listed(self.vm.items(), self.t("needs.none"), self._item)

    def _filter(self, value: str) -> None:
        self.vm.set_filter(value)
        self.refresh()

    def _area(self, e: Any) -> None:
        value = e.control.value
        self.vm.set_area(None if value in (None, w.ALL) else value)
        self.fill()
        self.update(self.results)

    def _item(self, item: NeedItem) -> ft.Control:
        actions = [
            w.button(
                self.vm.action_label(s),
                self.act(lambda _e, s=s: self._move(item, s)),
                kind="tonal" if s == NeedStatus.FULFILLED else "outlined",
            )
            for s in item.actions
        ]
        return w.section(
            f"{item.area} · {item.household}",
            [
                ft.Row(
                    [
                        w.pill(item.status_label, ft.Colors.TEAL_700),
                        w.muted(f"{item.village} · {item.raised_on.isoformat()}"),
                    ],
                    wrap=True,
                ),
                w.body(item.description),
                *([w.muted(item.detail)] if item.detail else []),
                ft.Row(actions, wrap=True),
            ],
            trailing=w.icon_button(
                ft.Icons.OPEN_IN_NEW,
                self.t("today.open", name=item.household),
                self.act(lambda _e: self.shell.open("household", household_id=item.household_id)),
            ),
        )

    def _move(self, item: NeedItem, status: NeedStatus) -> None:
        def done(note: str, photo: tuple[bytes, str] | None) -> None:
            if not self.vm.move(item.need_id, status.value, note, photo=photo):
                self.shell.snack(self.vm.message, error=True)
            else:
                self.shell.snack(self.t("common.saved"))
            self.refresh()

        if self.vm.needs_note(status):
            note_dialog(
                self.shell,
                f"{self.vm.action_label(status)} · {item.household}",
                self.t(f"needs.note.{status.value}"),
                self.vm.action_label(status),
                self.act(done),
                with_photo=status == NeedStatus.FULFILLED,
            )
        else:
            done("", None)


class WishesScreen(_Listing):
    key = "wishes"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = WishesVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("wishes.title")

    def on_show(self) -> None:
        self.vm.load()

    def set_query(self, query: str) -> None:
        self.vm.set_query(query)

    def filters(self) -> list[ft.Control]:
        return [
            w.choice_group(
                self.vm.filters(), [self.vm.filter.value], self.act(lambda v, _on: self._filter(v))
            )
        ]

    def fill(self) -> None:
        self.listed(self.vm.items(), self.t("wishes.none"), self._item)

    def _filter(self, value: str) -> None:
        self.vm.set_filter(value)
        self.refresh()

    def _item(self, item: WishItem) -> ft.Control:
        actions = [
            w.button(
                self.vm.action_label(s),
                self.act(lambda _e, s=s: self._move(item, s)),
                kind="tonal" if s in (WishState.APPROVED, WishState.FULFILLED) else "outlined",
            )
            for s in item.actions
        ]
        rows: list[ft.Control] = [
            ft.Row(
                [
                    w.pill(item.state_label, ft.Colors.PINK_400),
                    w.muted(f"{item.village} · {item.collected_on.isoformat()}"),
                ],
                wrap=True,
            ),
            w.body(f"{item.title}（{item.value_yuan} 元）"),
        ]
        if item.description:
            rows.append(w.muted(item.description))
        if item.detail:
            rows.append(w.muted(item.detail))
        for problem in item.problems:
            rows.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.AMBER_900),
                        w.body(problem, size=w.SMALL),
                    ]
                )
            )
        rows.append(ft.Row(actions, wrap=True))
        return w.section(
            item.household,
            rows,
            trailing=w.icon_button(
                ft.Icons.OPEN_IN_NEW,
                self.t("today.open", name=item.household),
                self.act(lambda _e: self.shell.open("household", household_id=item.household_id)),
            ),
        )

    def _move(self, item: WishItem, state: WishState) -> None:
        def done(note: str, photo: tuple[bytes, str] | None) -> None:
            if not self.vm.move(item.wish_id, state.value, note, photo=photo):
                self.shell.snack(self.vm.message, error=True)
            else:
                self.shell.snack(self.t("common.saved"))
            self.refresh()

        if self.vm.needs_note(state):
            note_dialog(
                self.shell,
                self.t(f"wishes.title.{state.value}", title=item.title, household=item.household),
                self.t(f"wishes.note.{state.value}"),
                self.t(f"wishes.confirm.{state.value}"),
                self.act(done),
                with_photo=state == WishState.FULFILLED,
            )
        else:
            done("", None)
