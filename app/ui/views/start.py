"""Start screen: pick the worker, unlock with the PIN pad (a passphrase field where the
device has no keystore), or enrol this device."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from app.ui import widgets as w
from app.ui.viewmodels.start import StartVM
from app.ui.views import media
from app.ui.views.base import Host, Screen

TICK_S = 1.0  # the wait's countdown step
PAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9")


class StartScreen(Screen):
    key = "start"
    sync_bar = False

    def __init__(self, shell: Host, message: str = "") -> None:
        super().__init__(shell)
        self.vm = StartVM(
            shell.data_dir,
            shell.settings,
            policy=shell.policy,
            enroll=shell.enroll,
            clock=shell.clock,
            keystore=shell.keystore,
        )
        self.vm.message = message
        self.busy = False
        self._picker: dict[str, Any] = {}  # the file picker, made on first use
        self.pin_field = w.text_field(
            "PIN",
            on_change=self.act(self._typed),
            password=True,
            keyboard=ft.KeyboardType.NUMBER,
            on_submit=self.act(self._unlock),
            width=320,
            autofocus=True,
        )
        self.message = ft.Text(
            "", size=w.TEXT, color=ft.Colors.ERROR, text_align=ft.TextAlign.CENTER
        )
        self.notice = ft.Text(
            "", size=w.TEXT, color=ft.Colors.ORANGE_900, text_align=ft.TextAlign.CENTER
        )
        self._ticking = False

    def title(self) -> str:
        return self.t("app.title")

    def content(self) -> list[ft.Control]:
        self.message.value = self.vm.message
        self.message.visible = bool(self.vm.message)
        inner = self._enrol_form() if self.vm.enrolling else self._unlock_form()
        return [
            ft.Row(
                [
                    ft.Container(
                        ft.Column(
                            inner, spacing=16, horizontal_alignment=ft.CrossAxisAlignment.CENTER
                        ),
                        width=460,
                    )
                ],
                alignment=ft.MainAxisAlignment.CENTER,
            )
        ]

    # --- unlock -----------------------------------------------------------------------

    def _unlock_form(self) -> list[ft.Control]:
        vm = self.vm
        out: list[ft.Control] = [ft.Icon(ft.Icons.LOCK_OUTLINE, size=56, color=ft.Colors.PRIMARY)]
        if len(vm.accounts) > 1:
            out.append(w.body(self.t("start.who")))
            out.append(
                w.choice_group(
                    [(a.sandbox_id, a.worker_name) for a in vm.accounts],
                    [vm.selected] if vm.selected else [],
                    self.act(lambda value, _on: self._select(value)),
                )
            )
        hello = "start.hello_passphrase" if vm.passphrase else "start.hello"
        if vm.selected:
            out.append(w.heading(self.t(hello, name=vm.selected_name)))
        self.pin_field.value = vm.pin
        self.pin_field.label = self.t("start.passphrase") if vm.passphrase else "PIN"
        self.pin_field.keyboard_type = (
            ft.KeyboardType.VISIBLE_PASSWORD if vm.passphrase else ft.KeyboardType.NUMBER
        )
        out.append(self.pin_field)
        if vm.passphrase:
            out.append(w.button(self.t("start.unlock"), self.act(self._unlock), width=320))
        else:
            out.append(self._pad())
        out.append(self.message)
        self.notice.value = vm.notice()
        self.notice.visible = bool(self.notice.value)
        out.append(self.notice)
        if self.busy:
            out.append(ft.ProgressRing(width=36, height=36))
        out.append(
            w.button(
                self.t("start.add_worker"),
                self.act(self._start_enrolling),
                kind="text",
                icon=ft.Icons.PERSON_ADD,
            )
        )
        return out

    def _pad(self) -> ft.Control:
        def key(label: str, on_click: Any, *, kind: str = "tonal") -> ft.Control:
            return ft.Container(w.button(label, on_click, kind=kind, width=100), padding=4)

        rows: list[ft.Control] = [
            ft.Row(
                [key(d, self.act(lambda _e, d=d: self._press(d))) for d in PAD[i : i + 3]],
                alignment=ft.MainAxisAlignment.CENTER,
            )
            for i in (0, 3, 6)
        ]
        rows.append(
            ft.Row(
                [
                    key(self.t("start.backspace"), self.act(self._backspace), kind="outlined"),
                    key("0", self.act(lambda _e: self._press("0"))),
                    key(self.t("start.unlock"), self.act(self._unlock), kind="filled"),
                ],
                alignment=ft.MainAxisAlignment.CENTER,
            )
        )
        return ft.Column(rows, spacing=0)

    def _select(self, sandbox_id: str) -> None:
        self.vm.select(sandbox_id)
        self.refresh()
        self._count_down()

    def _typed(self, e: Any) -> None:
        self.vm.set_pin(e.control.value or "")

    def _press(self, digit: str) -> None:
        self.vm.press(digit)
        self.pin_field.value = self.vm.pin
        self.update(self.pin_field)

    def _backspace(self) -> None:
        self.vm.backspace()
        self.pin_field.value = self.vm.pin
        self.update(self.pin_field)

    async def _unlock(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.refresh()
        try:
            ws = await asyncio.to_thread(self.vm.unlock)
        finally:
            self.busy = False
        if ws is None:
            self.refresh()
            self._count_down()
            return
        self.shell.unlocked(ws)

    def on_show(self) -> None:
        self._count_down()

    def _count_down(self) -> None:
        """While a wait is on, the notice counts it down every second."""
        if not self._ticking and self.vm.wait_seconds() > 0:
            self._ticking = True
            self.shell.background(self._tick())

    async def _tick(self) -> None:
        try:
            while True:
                await asyncio.sleep(TICK_S)
                if not w.mounted(self.notice):
                    return
                self.notice.value = self.vm.notice()
                self.notice.visible = bool(self.notice.value)
                self.notice.update()
                if self.vm.wait_seconds() == 0:
                    return
        finally:
            self._ticking = False

    # --- enrol ------------------------------------------------------------------------

    def _start_enrolling(self) -> None:
        self.vm.start_enrolling()
        self.refresh()

    def _enrol_form(self) -> list[ft.Control]:
        vm = self.vm

        def bind(attr: str) -> Any:
            return self.act(lambda e: setattr(vm, attr, e.control.value or ""))

        def field(label_key: str, attr: str, **kw: Any) -> ft.TextField:
            f = w.text_field(self.t(label_key), getattr(vm, attr), bind(attr), width=420, **kw)
            f.error = vm.errors.get(attr)
            return f

        server = field(
            "start.server_url",
            "server_url",
            keyboard=ft.KeyboardType.URL,
            hint=self.t("start.server_hint"),
        )
        code = field("start.code", "code", hint=self.t("start.code_hint"))
        secret, keyboard = (
            ("passphrase", ft.KeyboardType.VISIBLE_PASSWORD)
            if vm.enrol_passphrase
            else ("pin", ft.KeyboardType.NUMBER)
        )
        out: list[ft.Control] = [
            ft.Icon(ft.Icons.PHONELINK_LOCK, size=56, color=ft.Colors.PRIMARY),
            w.heading(self.t("start.enrol_title")),
            w.muted(self.t("start.enrol_hint")),
            server,
            code,
            ft.Row(
                [
                    w.button(
                        self.t("start.scan_qr"),
                        self.act(self._scan_code),
                        kind="outlined",
                        icon=ft.Icons.QR_CODE_SCANNER,
                    ),
                    w.button(
                        self.t("start.choose_qr"),
                        self.act(self._choose_code_image),
                        kind="outlined",
                        icon=ft.Icons.IMAGE,
                    ),
                ],
                wrap=True,
                width=420,
            ),
            w.muted(self.t("start.qr_hint")),
            field(f"start.new_{secret}", "new_pin", password=True, keyboard=keyboard),
            field(f"start.new_{secret}_again", "new_pin_again", password=True, keyboard=keyboard),
            self.message,
        ]

        def pasted(e: Any) -> None:
            vm.set_code(e.control.value or "")
            if server.value != vm.server_url:
                server.value = vm.server_url
                server.update()

        code.on_change = self.act(pasted)
        if self.busy:
            out.append(ft.ProgressRing(width=36, height=36))
        out.append(
            w.button(
                self.t("start.enrol"), self.act(self._enrol), icon=ft.Icons.VERIFIED_USER, width=420
            )
        )
        if vm.accounts:
            out.append(w.button(self.t("common.back"), self.act(self._cancel_enrol), kind="text"))
        return out

    def _scan_code(self) -> None:
        media.open_scanner(self.shell, self.vm.read_code_image, self.refresh)

    async def _choose_code_image(self) -> None:
        chosen = await media.pick_image(self._picker)
        if chosen is None:
            return
        reason = await asyncio.to_thread(self.vm.read_code_image, chosen[0])
        if reason is not None:
            self.vm.errors["code"] = reason
        self.refresh()

    def _cancel_enrol(self) -> None:
        self.vm.cancel_enrolling()
        self.refresh()

    async def _enrol(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.refresh()
        try:
            ws = await asyncio.to_thread(self.vm.enrol)
        finally:
            self.busy = False
        if ws is None:
            self.refresh()
            return
        self.shell.unlocked(ws)
        # Enrolment ends with the first sync: the households of my areas come down now,
        # with progress in the sync bar, instead of an empty Today.
        if self.shell.sync_bar is not None:
            self.shell.background(self.shell.sync_bar.sync_now())
