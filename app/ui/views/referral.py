"""Referral (转介) of a household member, or of one of its needs, to an organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.domain.codes import DataCategory
from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.referral import ReferralVM
from app.ui.views.base import Host, Screen


class ReferralScreen(Screen):
    key = "referral"

    def __init__(self, shell: Host, household_id: str, need_id: str = "") -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = ReferralVM(shell.ws, household_id, shell.lang, need_id)
        self.errors: dict[str, ft.Text] = {
            k: ft.Text("", color=ft.Colors.ERROR, size=w.SMALL, visible=False)
            for k in ("person", "recipient", "purpose", "categories")
        }
        self.message = ft.Text("", color=ft.Colors.ERROR, size=w.TEXT, visible=False)
        self.note = w.text_field(
            self.t("referral.note"), "", self.shell.handler(self._note), multiline=True
        )

    def title(self) -> str:
        return self.t("referral.title")

    def _note(self, e: Any) -> None:
        self.vm.note = e.control.value or ""

    def content(self) -> list[ft.Control]:
        vm = self.vm
        lang = self.shell.lang
        handler = self.shell.handler
        choices = vm.choices()
        form: list[ft.Control] = []
        if vm.need is not None:
            form.append(
                w.body(self.t("referral.for_need", need=vm.need.description[:60]), size=w.SMALL)
            )
        form += [
            w.muted(self.t("referral.person")),
            w.choice_group(
                [(p.id, p.name) for p in vm.members],
                [vm.person_id] if vm.person_id else [],
                handler(lambda v, _on: self._chose(vm.set_person, v)),
            ),
            self.errors["person"],
            w.muted(self.t("referral.recipient")),
        ]
        if choices:
            form.append(
                w.choice_group(
                    choices,
                    [vm.recipient] if vm.recipient else [],
                    handler(lambda v, _on: self._chose(vm.set_recipient, v)),
                )
            )
        else:
            form.append(w.body(self.t("referral.none_to_choose"), size=w.SMALL))
        form += [
            self.errors["recipient"],
            w.muted(self.t("referral.purpose")),
            w.choice_group(
                vm.purpose_choices(),
                [vm.purpose],
                handler(lambda v, _on: vm.set_purpose(v)),
            ),
            self.errors["purpose"],
            w.muted(self.t("referral.categories")),
            w.choice_group(
                [(c.value, label(c, lang)) for c in DataCategory],
                [c.value for c in vm.categories],
                handler(vm.toggle_category),
                multi=True,
            ),
            self.errors["categories"],
            self.note,
            self.message,
            w.left(w.button(self.t("referral.send"), handler(self._refer), icon=ft.Icons.SEND)),
        ]
        return [
            w.muted(self.t("referral.explain")),
            w.section(self.vm.household.address, form),
            ft.Container(height=40),
        ]

    def _chose(self, choose: Callable[[str], None], value: str) -> None:
        """A person or an organisation chosen: the form proposes the purpose of their
        consent, so the purposes are drawn again."""
        choose(value)
        self.refresh()

    def _refer(self, _e: Any = None) -> None:
        made = self.vm.refer()
        errors = self.vm.errors
        for key, control in self.errors.items():
            control.value = errors.get(key, "")
            control.visible = key in errors
        self.message.value = self.vm.message
        self.message.visible = bool(self.vm.message)
        if made is None:
            self.update_view()
            self.shell.snack(self.vm.message, error=True)
            return
        self.shell.snack(self.t("referral.sent"))
        self.shell.pop()
