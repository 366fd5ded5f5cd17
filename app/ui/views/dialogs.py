"""Dialogs the screens share (no screen of their own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.ui import widgets as w
from app.ui.views import media
from app.ui.views.base import Host


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
        shell.pop_dialog()
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
                    shell.handler(lambda _e: shell.pop_dialog()),
                    kind="text",
                ),
                w.button(confirm, shell.handler(ok)),
            ],
        )
    )


def delivery_dialog(
    shell: Host,
    household: str,
    on_ok: Callable[[str, str], bool | None],
    refusal: Callable[[], str],
) -> None:
    """Ask what a project gave a household today (项目服务: the service and its value in 元);
    the dialog stays open, saying why, until the delivery is taken."""
    service = w.text_field(shell.t("field.service"), width=440)
    value = w.text_field(shell.t("field.value_yuan"), "0", width=200)
    problem = w.muted("")

    def ok(_e: Any) -> None:
        if not (service.value or "").strip():
            service.error = shell.t("form.required")
            w.update(service)
            return
        if on_ok((service.value or "").strip(), value.value or "") is False:
            problem.value = refusal()
            problem.color = ft.Colors.ERROR
            w.update(problem)
            return
        shell.pop_dialog()

    shell.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(
                shell.t("needs.delivery_title", household=household),
                size=w.TITLE,
                weight=ft.FontWeight.BOLD,
            ),
            content=ft.Column([service, value, problem], tight=True, spacing=10, width=460),
            actions=[
                w.button(
                    shell.t("common.back"),
                    shell.handler(lambda _e: shell.pop_dialog()),
                    kind="text",
                ),
                w.button(shell.t("needs.record_delivery"), shell.handler(ok)),
            ],
        )
    )
