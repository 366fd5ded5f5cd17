"""编辑家庭: the household's address, phone and notes; one member's facts at a time (living
alone, care needs, school, employment, a leave, a 重大变故); a member added."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import flet as ft

from app.domain.codes import (
    EmploymentAbility,
    EmploymentWish,
    LeaveReason,
    MajorEventKind,
    SchoolStage,
)
from app.ui import widgets as w
from app.ui.catalogue import label, relation_label
from app.ui.viewmodels.register import CARE_FLAGS, HouseholdEditVM, MemberForm
from app.ui.views.base import Host, Screen


class HouseholdEditScreen(Screen):
    key = "household-edit"

    def __init__(self, shell: Host, household_id: str) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = HouseholdEditVM(shell.ws, household_id, shell.lang)
        self.open_member: str | None = None  # the member whose form is shown
        self.where = ""  # which part the last message is about: household | <person id> | new
        self.member_boxes: dict[str, ft.Container] = {}  # each member's part, by person id

    def title(self) -> str:
        return self.t("edit.title")

    def content(self) -> list[ft.Control]:
        """The hint and three parts; a save or a member opened rebuilds only the parts it
        changes (`_show`), so the screen answers at once with six members and more."""
        self.parts = {name: ft.Container(build()) for name, build in self._builders().items()}
        return [w.muted(self.t("edit.hint")), *self.parts.values(), ft.Container(height=40)]

    def _builders(self) -> dict[str, Callable[[], ft.Control]]:
        vm = self.vm
        return {
            "household": lambda: w.section(
                self.t("edit.household"),
                [
                    self._field("edit.address", vm.address, lambda v: setattr(vm, "address", v)),
                    self._field(
                        "edit.phone",
                        vm.phone,
                        lambda v: setattr(vm, "phone", v),
                        keyboard=ft.KeyboardType.PHONE,
                    ),
                    self._field(
                        "edit.notes", vm.notes, lambda v: setattr(vm, "notes", v), multiline=True
                    ),
                    *self._message("household"),
                    w.left(
                        w.button(
                            self.t("edit.save_household"),
                            self.act(lambda _e: self._save("household", vm.save_household)),
                            icon=ft.Icons.SAVE,
                        )
                    ),
                ],
            ),
            "members": lambda: w.section(self.t("edit.members"), self._member_boxes()),
            "new": lambda: w.section(self.t("edit.add_member"), self._new_member()),
        }

    def _show(self, *names: str) -> None:
        """Rebuild these parts from the view-model and send them alone."""
        builders = self._builders()
        for name in names:
            self.parts[name].content = builders[name]()
        w.update(*(self.parts[name] for name in names))

    def _member_boxes(self) -> list[ft.Control]:
        self.member_boxes = {p.id: ft.Container(self._member(p.id)) for p in self.vm.members}
        return list(self.member_boxes.values())

    def _show_members(self, *person_ids: str | None) -> None:
        """Rebuild these members' parts alone (a form opened or closed, a member saved),
        or the whole list when the members are no longer those shown, in that order."""
        if list(self.member_boxes) != [p.id for p in self.vm.members]:
            self._show("members")
            return
        boxes = []
        for person_id in dict.fromkeys(p for p in person_ids if p in self.member_boxes):
            box = self.member_boxes[person_id]
            box.content = self._member(person_id)
            boxes.append(box)
        w.update(*boxes)

    # --- parts ------------------------------------------------------------------------

    def _field(
        self,
        key: str,
        value: str,
        set_value: Callable[[str], None],
        *,
        multiline: bool = False,
        keyboard: ft.KeyboardType | None = None,
        hint: str | None = None,
        max_length: int | None = None,
    ) -> ft.TextField:
        return w.text_field(
            self.t(key),
            value,
            self.act(lambda e: set_value(e.control.value or "")),
            multiline=multiline,
            keyboard=keyboard,
            hint=hint,
            max_length=max_length,
        )

    def _choices(
        self, key: str, enum: type[StrEnum], chosen: str, set_value: Callable[[str], None]
    ) -> ft.Control:
        options = [("", self.t("edit.unset"))] + [
            (c.value, label(c, self.shell.lang)) for c in enum
        ]
        return ft.Column(
            [
                w.body(self.t(key), size=w.SMALL),
                w.choice_group(options, [chosen], self.act(lambda v, _on: set_value(v))),
            ],
            spacing=4,
        )

    def _message(self, where: str) -> list[ft.Control]:
        if self.where != where or not self.vm.message:
            return []
        colour = ft.Colors.ERROR if self.vm.failed else ft.Colors.GREEN_800
        return [w.body(self.vm.message, color=colour)]

    def _member(self, person_id: str) -> ft.Control:
        person = self.vm.member(person_id)
        facts = [relation_label(person.relation, self.shell.lang)]
        if person.left_on is not None:
            reason = label(person.left_reason, self.shell.lang) if person.left_reason else ""
            facts.append(self.t("edit.left", day=person.left_on.isoformat(), reason=reason))
        is_open = self.open_member == person_id
        header = ft.Row(
            [
                ft.Text(person.name, size=18, weight=ft.FontWeight.BOLD),
                w.muted(" · ".join(f for f in facts if f)),
                w.button(
                    self.t(
                        "edit.close_member" if is_open else "edit.open_member", name=person.name
                    ),
                    self.act(lambda _e: self._toggle(person_id)),
                    kind="text",
                    icon=ft.Icons.EXPAND_LESS if is_open else ft.Icons.EDIT,
                ),
            ],
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
        rows: list[ft.Control] = [header]
        if is_open:
            rows += self._member_form(self.vm.forms[person_id])
        else:
            rows += self._message(person_id)
        return ft.Container(
            ft.Column(rows, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
            padding=ft.Padding.only(bottom=8),
            key=person_id,
        )

    def _member_form(self, f: MemberForm) -> list[ft.Control]:
        def put(attr: str) -> Callable[[str], None]:
            return lambda v: setattr(f, attr, v)

        def care(code: str, on: bool) -> None:
            flag = next(x for x in CARE_FLAGS if x.value == code)
            (f.care.add if on else f.care.discard)(flag)

        date_hint = self.t("edit.date_hint")
        return [
            self._field("edit.name", f.name, put("name")),
            self._field("edit.relation", f.relation, put("relation")),
            self._field("edit.phone", f.phone, put("phone"), keyboard=ft.KeyboardType.PHONE),
            ft.Checkbox(
                label=self.t("edit.lives_alone"),
                value=f.lives_alone,
                on_change=self.act(lambda e: setattr(f, "lives_alone", bool(e.control.value))),
                label_style=w.style(),
            ),
            ft.Column(
                [
                    w.body(self.t("edit.care"), size=w.SMALL),
                    w.choice_group(
                        [(x.value, label(x, self.shell.lang)) for x in CARE_FLAGS],
                        [x.value for x in f.care],
                        self.act(care),
                        multi=True,
                    ),
                ],
                spacing=4,
            ),
            self._choices("edit.school_stage", SchoolStage, f.school_stage, put("school_stage")),
            self._choices(
                "edit.employment_ability",
                EmploymentAbility,
                f.employment_ability,
                put("employment_ability"),
            ),
            self._choices(
                "edit.employment_wish", EmploymentWish, f.employment_wish, put("employment_wish")
            ),
            self._field("edit.health_note", f.health_note, put("health_note"), multiline=True),
            w.heading(self.t("edit.leave"), size=w.TEXT),
            self._choices("edit.left_reason", LeaveReason, f.left_reason, put("left_reason")),
            self._field("edit.left_on", f.left_on, put("left_on"), hint=date_hint),
            w.heading(self.t("edit.major_event"), size=w.TEXT),
            self._choices(
                "edit.event_kind", MajorEventKind, f.major_event_kind, put("major_event_kind")
            ),
            self._field(
                "edit.event_date",
                f.major_event_date,
                put("major_event_date"),
                hint=date_hint,
            ),
            self._field(
                "edit.event_note", f.major_event_note, put("major_event_note"), multiline=True
            ),
            *self._message(f.person_id),
            w.left(
                w.button(
                    self.t("edit.save_member", name=f.name),
                    self.act(
                        lambda _e: self._save(f.person_id, lambda: self.vm.save_member(f.person_id))
                    ),
                    icon=ft.Icons.SAVE,
                )
            ),
        ]

    def _new_member(self) -> list[ft.Control]:
        n = self.vm.new_member

        def put(attr: str) -> Callable[[str], None]:
            return lambda v: setattr(n, attr, v)

        return [
            w.muted(self.t("edit.add_hint")),
            self._field("edit.new_name", n.name, put("name")),
            self._field("edit.new_id_number", n.id_number, put("id_number"), max_length=18),
            self._field(
                "edit.birth_date",
                n.birth_date,
                put("birth_date"),
                hint=self.t("edit.date_hint"),
            ),
            ft.Column(
                [
                    w.body(self.t("edit.gender"), size=w.SMALL),
                    w.choice_group(
                        [("M", self.t("gender.m")), ("F", self.t("gender.f"))],
                        [n.gender],
                        self.act(lambda v, _on: setattr(n, "gender", v)),
                    ),
                ],
                spacing=4,
            ),
            self._field("edit.new_relation", n.relation, put("relation")),
            *self._message("new"),
            w.left(
                w.button(
                    self.t("edit.add"),
                    self.act(lambda _e: self._save("new", self.vm.add_member)),
                    icon=ft.Icons.PERSON_ADD,
                )
            ),
        ]

    # --- events -----------------------------------------------------------------------

    def _toggle(self, person_id: str) -> None:
        was_open, before = self.open_member, self.where
        self.open_member = None if self.open_member == person_id else person_id
        self.where = ""
        # The form opened, the one it closed and the one whose message goes.
        self._show_members(person_id, was_open, before)

    def _save(self, where: str, save: Callable[[], bool]) -> None:
        """Save; the sentence shows beside what was saved (`_message`). A member's form
        closes once saved, and stays open with what was typed when refused."""
        before, self.where = self.where, where
        saved = save()
        if saved and where == self.open_member:
            self.open_member = None
        # The part saved, the one whose message goes, and the members when one was added.
        parts = {_part(where), _part(before)} | ({"members"} if saved and where == "new" else set())
        if "members" in parts and where != "new":
            parts.discard("members")
            self._show_members(where, before)  # only the members it concerns
        self._show(*(p for p in ("household", "members", "new") if p in parts))


def _part(where: str) -> str:
    """The part of the screen a message is about: household, new, else a member's."""
    return where if where in ("household", "new") else "members"
