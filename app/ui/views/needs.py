"""Needs (需求) and micro-wishes (微心愿): lists by status, assessment, review, fulfilment."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.codes import NeedStatus, WishState
from app.ui import widgets as w
from app.ui.viewmodels.needs import NeedItem, NeedsVM, WishesVM, WishItem
from app.ui.views import media
from app.ui.views.base import Screen

if TYPE_CHECKING:
    from app.ui.shell import Shell


def _open_household(shell: Shell, household_id: str) -> None:
    from app.ui.views.household import HouseholdScreen

    shell.push(HouseholdScreen(shell, household_id))


def note_dialog(
    shell: Shell,
    title: str,
    note_label: str,
    on_ok: Callable[[str, tuple[bytes, str] | None], None],
    *,
    with_photo: bool = False,
) -> None:
    """Ask for the note a move needs (reason, resource, what was done), and a photo."""
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
        shell.page.pop_dialog()
        on_ok(field.value or "", photo.get("content"))

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
    shell.page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(title),
            content=ft.Column(controls, tight=True, spacing=10, width=460),
            actions=[
                w.button(
                    shell.t("common.cancel"),
                    shell.handler(lambda _e: shell.page.pop_dialog()),
                    kind="text",
                ),
                w.button(shell.t("common.confirm"), shell.handler(ok)),
            ],
        )
    )


class NeedsScreen(Screen):
    key = "needs"
    top_level = True

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = NeedsVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("needs.title")

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        out: list[ft.Control] = [
            w.choice_group(
                self.vm.filters(), [self.vm.filter], self.act(lambda v, _on: self._filter(v))
            ),
        ]
        items = self.vm.items()
        if not items:
            out.append(w.body(self.t("needs.none")))
        out.extend(self._item(i) for i in items[:200])
        if len(items) > 200:
            out.append(w.muted(self.t("needs.first_200", n=len(items))))
        return out

    def _filter(self, value: str) -> None:
        self.vm.set_filter(value)
        self.refresh()

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
                self.act(lambda _e: _open_household(self.shell, item.household_id)),
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
                self.vm.action_label(status),
                self.t(f"needs.note.{status.value}"),
                self.act(done),
                with_photo=status == NeedStatus.FULFILLED,
            )
        else:
            done("", None)


class WishesScreen(Screen):
    key = "wishes"
    top_level = True

    def __init__(self, shell: Shell) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = WishesVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("wishes.title")

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        out: list[ft.Control] = [
            w.choice_group(
                self.vm.filters(), [self.vm.filter.value], self.act(lambda v, _on: self._filter(v))
            ),
        ]
        items = self.vm.items()
        if not items:
            out.append(w.body(self.t("wishes.none")))
        out.extend(self._item(i) for i in items[:200])
        return out

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
                self.act(lambda _e: _open_household(self.shell, item.household_id)),
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
                self.vm.action_label(state),
                self.t(f"wishes.note.{state.value}"),
                self.act(done),
                with_photo=state == WishState.FULFILLED,
            )
        else:
            done("", None)
