"""Consent (信息共享同意): current state, grant form, one-tap withdrawal, history."""

from __future__ import annotations

import itertools
from typing import Any

import flet as ft
import flet.canvas as cv

from app.domain.codes import ConsentMethod, DataCategory
from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.consent import DURATIONS, ConsentVM, StateLine
from app.ui.views import media
from app.ui.views.base import Host, Screen
from app.ui.views.drafts import draft_banner, keeping_draft

PAD_W, PAD_H = 520.0, 200.0


class ConsentScreen(Screen):
    key = "consent"

    def __init__(self, shell: Host, household_id: str) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = ConsentVM(shell.ws, household_id, shell.lang)
        self.vm.pad_size = (PAD_W, PAD_H)
        vm = self.vm
        self.services: dict[str, Any] = {}

        def bind(attr: str) -> Any:
            return self.act(lambda e: setattr(vm, attr, e.control.value or ""))

        self.fields: dict[str, ft.TextField] = {
            "witness": w.text_field(self.t("consent.witness"), vm.witness, bind("witness")),
            "guardian": w.text_field(
                self.t("consent.guardian"), vm.guardian_name, bind("guardian_name")
            ),
        }
        self.errors: dict[str, ft.Text] = {
            k: ft.Text("", color=ft.Colors.ERROR, size=w.SMALL, visible=False)
            for k in ("person", "recipient", "purpose", "categories", "evidence")
        }
        self.message = ft.Text("", color=ft.Colors.ERROR, size=w.TEXT, visible=False)
        self.canvas = cv.Canvas(
            shapes=[],
            width=PAD_W,
            height=PAD_H,
            content=ft.GestureDetector(
                on_pan_start=self.act(self._pen_down),
                on_pan_update=self.act(self._pen_move),
                drag_interval=15,
            ),
        )
        self.method_box = ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.guardian_box = ft.Column(spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)

    def act(self, fn: Any) -> Any:
        return keeping_draft(self.shell, self.vm, fn)

    def _discard(self) -> None:
        """Throw the resumed draft away: the form shows its defaults again."""
        self.vm.discard_draft()
        values = {
            "witness": self.vm.witness,
            "guardian": self.vm.guardian_name,
        }
        for key, value in values.items():
            self.fields[key].value = value
        self._draw()
        self.refresh()
        self.shell.snack(self.t("draft.discarded"))

    def title(self) -> str:
        return self.t("consent.title")

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        vm = self.vm
        lang = self.shell.lang
        self._fill_method()
        self._fill_guardian()
        restored: list[ft.Control] = []
        if vm.restored is not None:
            restored.append(
                draft_banner(self.shell, vm.restored, vm.photo_lost, self.act(self._discard))
            )
        return [
            *restored,
            w.muted(self.t("consent.explain")),
            w.section(self.t("consent.current"), self._states()),
            w.section(
                self.t("consent.new"),
                [
                    w.muted(self.t("consent.person")),
                    w.choice_group(
                        [(p.id, p.name) for p in vm.members],
                        [vm.person_id] if vm.person_id else [],
                        self.act(lambda v, _on: self._person(v)),
                    ),
                    self.errors["person"],
                    self.guardian_box,
                    *self._recipients(),
                    w.muted(self.t("consent.purpose")),
                    w.choice_group(
                        vm.purpose_choices(),
                        [vm.purpose],
                        self.act(lambda v, _on: vm.set_purpose(v)),
                    ),
                    self.errors["purpose"],
                    w.muted(self.t("consent.categories")),
                    w.choice_group(
                        [(c.value, label(c, lang)) for c in DataCategory],
                        [c.value for c in vm.categories],
                        self.act(vm.toggle_category),
                        multi=True,
                    ),
                    self.errors["categories"],
                    w.muted(self.t("consent.duration")),
                    w.choice_group(
                        [(str(m), vm.duration_label(m)) for m in DURATIONS],
                        [str(vm.duration_months)],
                        self.act(lambda v, _on: vm.set_duration(int(v))),
                    ),
                    w.muted(self.t("consent.method")),
                    w.choice_group(
                        [(m.value, label(m, lang)) for m in ConsentMethod],
                        [vm.method.value],
                        self.act(lambda v, _on: self._method(v)),
                    ),
                    self.method_box,
                    self.errors["evidence"],
                    self.message,
                    w.left(
                        w.button(
                            self.t("consent.record"), self.act(self._grant), icon=ft.Icons.SAVE
                        )
                    ),
                ],
            ),
            w.section(self.t("consent.history"), self._history()),
            ft.Container(height=40),
        ]

    def _recipients(self) -> list[ft.Control]:
        """共享对象, chosen from the organisations the last sync sent (or the 助联体 class)."""
        vm = self.vm
        controls: list[ft.Control] = [
            w.muted(self.t("consent.recipient")),
            w.choice_group(
                vm.recipient_choices(),
                [vm.recipient],
                self.act(lambda v, _on: vm.set_recipient(v)),
            ),
            self.errors["recipient"],
        ]
        if not vm.organisations_synced:
            controls.append(w.muted(self.t("recipient.none_synced")))
        return controls

    # --- state and history ----------------------------------------------------------------

    def _states(self) -> list[ft.Control]:
        states = self.vm.states()
        if not states:
            return [w.muted(self.t("household.no_consents"))]
        return [self._state(s) for s in states]

    def _state(self, s: StateLine) -> ft.Control:
        """One consent: its state, who and to whom, and 撤回同意 under it.

        Stacked at every width: a wrapping Row holding an expanded column renders as
        Flutter's error placeholder once it wraps (FLET-NOTES.md)."""
        lines: list[ft.Control] = [
            ft.Row(
                [
                    w.pill(s.status_text, ft.Colors.GREEN_700 if s.granted else ft.Colors.GREY_700),
                    ft.Text(s.person, size=w.TEXT, weight=ft.FontWeight.BOLD, expand=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            w.body(f"{s.recipient_name} · {s.purpose_name}", size=w.SMALL),
        ]
        if s.detail:
            lines.append(w.muted(s.detail))
        if s.granted:
            lines.append(
                w.left(
                    w.button(
                        self.t("consent.withdraw"),
                        self.act(lambda _e, s=s: self._confirm_withdraw(s)),
                        kind="outlined",
                        icon=ft.Icons.BLOCK,
                    )
                )
            )
        return ft.Container(
            ft.Column(lines, spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.only(left=10, bottom=6),
            border=ft.Border.only(
                left=ft.BorderSide(
                    3, ft.Colors.GREEN_700 if s.granted else ft.Colors.OUTLINE_VARIANT
                )
            ),
        )

    def _history(self) -> list[ft.Control]:
        lines = self.vm.history()
        if not lines:
            return [w.muted(self.t("consent.no_history"))]
        return [
            ft.Container(
                ft.Column(
                    [
                        ft.Row(
                            [
                                w.pill(
                                    h.action,
                                    ft.Colors.GREEN_700 if h.granted else ft.Colors.RED_700,
                                ),
                                ft.Text(
                                    h.when.strftime("%Y-%m-%d %H:%M"),
                                    size=w.SMALL,
                                    weight=ft.FontWeight.BOLD,
                                ),
                                w.body(h.person, size=w.SMALL),
                            ],
                            wrap=True,
                        ),
                        w.body(f"{h.recipient_name} · {h.purpose_name}", size=w.SMALL),
                        *([w.muted(h.detail)] if h.detail else []),
                    ],
                    spacing=2,
                ),
                padding=ft.Padding.only(left=10, bottom=8),
                border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.OUTLINE_VARIANT)),
            )
            for h in lines
        ]

    def _confirm_withdraw(self, s: StateLine) -> None:
        def confirm(_e: Any) -> None:
            self.shell.pop_dialog()
            event = self.vm.withdraw(s.person_id, s.recipient, s.purpose)
            if event is None:
                self.shell.snack(self.vm.message, error=True)
                return
            self.shell.snack(self.t("consent.withdrawn_done"))
            self.refresh()

        dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text(self.t("consent.withdraw_title")),
            content=ft.Text(
                self.t("consent.withdraw_body", person=s.person, recipient=s.recipient_name),
                size=w.TEXT,
            ),
            actions=[
                w.button(
                    self.t("common.cancel"),
                    self.act(lambda _e: self.shell.pop_dialog()),
                    kind="text",
                ),
                w.button(
                    self.t("consent.withdraw_confirm"), self.act(confirm), color=ft.Colors.RED_700
                ),
            ],
        )
        self.shell.show_dialog(dialog)

    # --- the form -----------------------------------------------------------------------

    def _person(self, person_id: str) -> None:
        self.vm.set_person(person_id)
        self._fill_guardian()
        self.update(self.guardian_box)

    def _fill_guardian(self) -> None:
        if self.vm.needs_guardian:
            self.guardian_box.controls = [
                w.muted(self.t("consent.guardian_hint")),
                self.fields["guardian"],
            ]
        else:
            self.guardian_box.controls = []

    def _method(self, value: str) -> None:
        self.vm.set_method(value)
        self._fill_method()
        self.update(self.method_box)

    def _fill_method(self) -> None:
        vm = self.vm
        if vm.method == ConsentMethod.SIGNATURE:
            self._draw()
            self.method_box.controls = [
                w.muted(self.t("consent.sign_here")),
                ft.Semantics(
                    label=self.t("consent.signature_pad"),
                    content=ft.Container(
                        self.canvas,
                        width=PAD_W,
                        height=PAD_H,
                        border=ft.Border.all(2, ft.Colors.OUTLINE),
                        border_radius=8,
                        bgcolor=ft.Colors.WHITE,
                    ),
                ),
                w.button(
                    self.t("consent.clear_signature"), self.act(self._clear_signature), kind="text"
                ),
            ]
        elif vm.method == ConsentMethod.PAPER:
            attached = (
                self.t("visit.photo_attached", kb=len(vm.paper_photo) // 1024)
                if vm.paper_photo
                else self.t("visit.no_photo")
            )
            self.method_box.controls = [
                w.muted(self.t("consent.paper_hint")),
                w.body(attached, size=w.SMALL),
                ft.Row(
                    [
                        *media.photo_buttons(
                            self.t, self.act(self._camera), self.act(self._pick_photo)
                        ),
                    ],
                    wrap=True,
                ),
            ]
        else:
            # A node of its own: without one, the form's headings above it are read as
            # the field's label (the form has no other text field to take them).
            self.method_box.controls = [
                w.muted(self.t("consent.verbal_hint")),
                ft.Semantics(content=self.fields["witness"], container=True),
            ]

    def _draw(self) -> None:
        paint = ft.Paint(
            stroke_width=3,
            color=ft.Colors.BLACK,
            stroke_cap=ft.StrokeCap.ROUND,
            style=ft.PaintingStyle.STROKE,
        )
        shapes: list[cv.Shape] = []
        for stroke in self.vm.strokes:
            for (x1, y1), (x2, y2) in itertools.pairwise(stroke):
                shapes.append(cv.Line(x1, y1, x2, y2, paint=paint))
        self.canvas.shapes = shapes

    def _pen_down(self, e: Any) -> None:
        p = e.local_position
        self.vm.add_stroke_point(p.x, p.y, new_stroke=True)

    def _pen_move(self, e: Any) -> None:
        p = e.local_position
        self.vm.add_stroke_point(p.x, p.y)
        self._draw()
        self.update(self.canvas)

    def _clear_signature(self) -> None:
        self.vm.clear_signature()
        self._draw()
        self.update(self.canvas)

    def _camera(self) -> None:
        def got(content: bytes) -> None:
            self.vm.set_paper_photo(content, "image/jpeg")
            self._fill_method()
            self.update(self.method_box)

        media.open_camera(self.shell, got)

    async def _pick_photo(self) -> None:
        picked = await media.pick_image(self.services)
        if picked is not None:
            self.vm.set_paper_photo(*picked)
            self._fill_method()
            self.update(self.method_box)

    def _grant(self) -> None:
        event = self.vm.grant()
        errors = self.vm.errors
        for key, control in self.fields.items():
            control.error = errors.get(key)
        for key, text_control in self.errors.items():
            text_control.value = errors.get(key, "")
            text_control.visible = key in errors
        self.message.value = self.vm.message
        self.message.visible = bool(self.vm.message)
        if event is None:
            self.update_view()
            self.shell.snack(self.vm.message, error=True)
            return
        self.shell.snack(self.t("consent.recorded"))
        self.refresh()
