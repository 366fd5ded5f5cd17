"""Settings (设置): language, server, lock time, PIN, sign out, wipe this device."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.ui import widgets as w
from app.ui.catalogue import LANGUAGES
from app.ui.viewmodels.settings import SettingsVM
from app.ui.views.base import Host, Screen

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


class SettingsScreen(Screen):
    key = "settings"
    top_level = True

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = SettingsVM(shell.ws, shell.settings, shell.data_dir)
        vm = self.vm

        def bind(attr: str) -> Any:
            return self.act(lambda e: setattr(vm, attr, e.control.value or ""))

        self.fields = {
            "server_url": w.text_field(
                self.t("settings.server"),
                vm.server_url,
                bind("server_url"),
                hint=self.t("settings.server_hint"),
            ),
            "old_pin": w.text_field(
                self.t("settings.old_pin"),
                on_change=bind("old_pin"),
                password=True,
                keyboard=ft.KeyboardType.NUMBER,
                width=260,
            ),
            "new_pin": w.text_field(
                self.t("start.new_pin"),
                on_change=bind("new_pin"),
                password=True,
                keyboard=ft.KeyboardType.NUMBER,
                width=260,
            ),
            "new_pin_again": w.text_field(
                self.t("start.new_pin_again"),
                on_change=bind("new_pin_again"),
                password=True,
                keyboard=ft.KeyboardType.NUMBER,
                width=260,
            ),
        }

    def title(self) -> str:
        return self.t("settings.title")

    def content(self) -> list[ft.Control]:
        vm = self.vm
        for key, control in self.fields.items():
            control.error = vm.errors.get(key)
        return [
            w.section(
                self.t("settings.account"),
                [w.body(vm.who()), w.muted(self.t("settings.areas", areas=vm.areas()))],
            ),
            w.section(
                self.t("settings.language"),
                [
                    w.choice_group(
                        [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                        [vm.lang],
                        self.act(lambda v, _on: self._language(v)),
                    )
                ],
            ),
            w.section(
                self.t("settings.text_size"),
                [
                    w.choice_group(
                        [
                            ("normal", self.t("settings.text_normal")),
                            ("large", self.t("settings.text_large")),
                        ],
                        ["large" if vm.settings.large_text else "normal"],
                        self.act(lambda v, _on: self._text_size(v == "large")),
                    )
                ],
            ),
            w.section(
                self.t("settings.lock"),
                [
                    w.muted(self.t("settings.lock_hint")),
                    w.choice_group(
                        [(str(m), text) for m, text in vm.lock_choices()],
                        [str(vm.ws.lock_minutes)],
                        self.act(lambda v, _on: vm.set_lock_minutes(int(v))),
                    ),
                ],
            ),
            w.section(
                self.t("settings.server_title"),
                [
                    w.muted(vm.server_line()),
                    self.fields["server_url"],
                    w.left(
                        w.button(self.t("common.save"), self.act(self._save_server), kind="tonal")
                    ),
                ],
            ),
            w.section(
                self.t("settings.change_pin"),
                [
                    ft.Row(
                        [
                            self.fields["old_pin"],
                            self.fields["new_pin"],
                            self.fields["new_pin_again"],
                        ],
                        wrap=True,
                    ),
                    w.left(
                        w.button(
                            self.t("settings.change_pin"), self.act(self._change_pin), kind="tonal"
                        )
                    ),
                ],
            ),
            w.section(
                self.t("settings.session"),
                [
                    ft.Row(
                        [
                            w.button(
                                self.t("settings.sign_out"),
                                self.act(self._sign_out),
                                kind="outlined",
                                icon=ft.Icons.LOGOUT,
                            ),
                            w.button(
                                self.t("settings.wipe"),
                                self.act(self._confirm_wipe),
                                color=ft.Colors.RED_700,
                                icon=ft.Icons.DELETE_FOREVER,
                            ),
                        ],
                        wrap=True,
                    ),
                    w.muted(self.t("settings.wipe_hint")),
                ],
            ),
        ]

    def _language(self, lang: str) -> None:
        self.vm.set_language(lang)
        self.shell.page.title = self.t("app.title")
        if self.shell.sync_bar is not None:
            self.shell.sync_bar.vm.lang = lang
        self.shell.go_to("settings")

    def _text_size(self, large: bool) -> None:
        self.vm.set_large_text(large)
        self.shell.render()

    def _save_server(self) -> None:
        ok = self.vm.save_server()
        if ok and self.shell.sync_bar is not None:
            self.shell.sync_bar.vm.server_override = self.vm.settings.server_url
            self.shell.background(self.shell.sync_bar.check_online())
        self.shell.snack(self.vm.message or self.vm.errors.get("server_url", ""), error=not ok)
        self.refresh()

    def _change_pin(self) -> None:
        ok = self.vm.change_pin()
        for control in self.fields.values():
            if control.password:
                control.value = ""
        self.shell.snack(
            self.vm.message if ok else next(iter(self.vm.errors.values()), ""), error=not ok
        )
        self.refresh()

    def _sign_out(self) -> None:
        self.shell.lock(self.t("settings.signed_out"))

    def _confirm_wipe(self) -> None:
        pin = w.text_field("PIN", password=True, keyboard=ft.KeyboardType.NUMBER, width=300)

        def wipe(_e: Any) -> None:
            self.shell.pop_dialog()
            if self.vm.wipe_device(pin.value or ""):
                self.shell.ws = None
                self.shell.show_start(self.t("settings.wiped"))
            else:
                self.shell.snack(self.vm.message, error=True)

        self.shell.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(self.t("settings.wipe_title")),
                content=ft.Column(
                    [w.body(self.t("settings.wipe_body")), pin], tight=True, spacing=12
                ),
                actions=[
                    w.button(
                        self.t("common.cancel"),
                        self.act(lambda _e: self.shell.pop_dialog()),
                        kind="text",
                    ),
                    w.button(
                        self.t("settings.wipe_confirm"), self.act(wipe), color=ft.Colors.RED_700
                    ),
                ],
            )
        )
