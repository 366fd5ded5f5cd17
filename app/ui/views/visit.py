"""New visit (新增探访) and the door-knock survey (敲门问需求)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import flet as ft

from app.domain.codes import CareKind, NeedArea, VisitKind, VisitMode, VisitOutcome
from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.visit import KeptVisit, NewVisitVM, discard_kept_visit, kept_visits
from app.ui.views import media
from app.ui.views.base import Host, Screen
from app.ui.views.drafts import draft_banner, keeping_draft

OFFER_ROWS_UNBOXED = 4
OFFER_LIST_HEIGHT = 420


def picked_day(picked: datetime | date) -> date:
    """The day a DatePicker chose. The browser sends its local midnight as UTC, up to 12
    hours either side of that day's UTC midnight: the nearest UTC midnight is the day."""
    if not isinstance(picked, datetime):
        return picked
    if picked.tzinfo is None:
        return picked.date()
    return (picked.astimezone(UTC) + timedelta(hours=12)).date()


class NewVisitScreen(Screen):
    key = "visit-new"

    def __init__(self, shell: Host, household_id: str, kind: VisitKind = VisitKind.CARE) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = NewVisitVM(shell.ws, household_id, shell.lang, kind=kind)
        vm = self.vm
        self.services: dict[str, Any] = {}

        def bind(attr: str) -> Any:
            return self.act(lambda e: setattr(vm, attr, e.control.value or ""))

        self.fields: dict[str, ft.TextField] = {
            "visited_on": w.text_field(
                self.t("visit.visited_on"),
                vm.visited_on_text,
                self.act(lambda e: vm.set_visited_on(e.control.value or "")),
                width=260,
                hint="2026-05-01",
                on_blur=self.act(self._show_date_error),
            ),
            "observations": w.text_field(
                self.t("visit.observations"),
                vm.observations,
                bind("observations"),
                multiline=True,
            ),
            "companions": w.text_field(
                self.t("visit.companions"),
                vm.companions,
                bind("companions"),
                hint=self.t("visit.companions_hint"),
            ),
            "wish_title": w.text_field(
                self.t("visit.wish_title"), vm.wish_title, bind("wish_title")
            ),
            "wish_value": w.text_field(
                self.t("visit.wish_value"),
                vm.wish_value,
                bind("wish_value"),
                keyboard=ft.KeyboardType.NUMBER,
                width=220,
            ),
            "wish_description": w.text_field(
                self.t("visit.wish_description"),
                vm.wish_description,
                bind("wish_description"),
                multiline=True,
            ),
            "delivered_items": w.text_field(
                self.t("visit.delivered_items"),
                vm.delivered_items,
                bind("delivered_items"),
                hint="大米一袋、食用油一桶",
            ),
            "delivered_value": w.text_field(
                self.t("visit.delivered_value"),
                vm.delivered_value,
                bind("delivered_value"),
                keyboard=ft.KeyboardType.NUMBER,
                width=220,
            ),
        }
        self.fields["visited_on"].error_max_lines = 3  # the reason a date is refused, whole
        self.errors: dict[str, ft.Text] = {
            key: ft.Text("", color=ft.Colors.ERROR, size=w.SMALL, visible=False)
            for key in ("outcome", "care")
        }
        self.survey_field = w.text_field(
            self.t("visit.survey_answer"), on_change=bind("survey_typed"), multiline=True
        )
        self.needs_column = ft.Column(
            spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
        )
        self.survey_column = ft.Column(
            spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
        )
        self.gps_text = w.body(vm.gps_line, size=w.SMALL)
        self.photo_text = w.body("", size=w.SMALL)
        self.message = ft.Text("", color=ft.Colors.ERROR, size=w.TEXT, visible=False)

    def act(self, fn: Any) -> Any:
        return keeping_draft(self.shell, self.vm, fn)

    def title(self) -> str:
        key = "visit.title_knock" if self.vm.kind == VisitKind.KNOCK else "visit.title_care"
        return self.t(key, name=self.vm.title)

    def content(self) -> list[ft.Control]:
        vm = self.vm
        lang = self.shell.lang
        out: list[ft.Control] = []
        if vm.restored is not None:
            out.append(
                draft_banner(self.shell, vm.restored, vm.photo_lost, self.act(self._discard))
            )
        out += [
            w.section(
                self.t("visit.basics"),
                [
                    w.muted(self.t("visit.mode")),
                    w.choice_group(
                        [(m.value, label(m, lang)) for m in VisitMode],
                        [vm.mode.value],
                        self.act(lambda v, _on: vm.set_mode(v)),
                    ),
                    w.muted(self.t("visit.outcome") + " *"),
                    w.choice_group(
                        [(o.value, label(o, lang)) for o in VisitOutcome],
                        [vm.outcome.value] if vm.outcome else [],
                        self.act(lambda v, _on: self._outcome(v)),
                    ),
                    self.errors["outcome"],
                    ft.Row(
                        [
                            ft.Semantics(container=True, content=self.fields["visited_on"]),
                            ft.Semantics(
                                container=True,
                                content=w.icon_button(
                                    ft.Icons.CALENDAR_MONTH,
                                    self.t("date.pick"),
                                    self.act(self._pick_date),
                                ),
                            ),
                        ],
                        vertical_alignment=ft.CrossAxisAlignment.START,
                    ),
                ],
            ),
        ]
        care_title = self.t("visit.care") + (" *" if vm.kind == VisitKind.CARE else "")
        out.append(
            w.section(
                self.t("visit.what_happened"),
                [
                    w.muted(care_title),
                    w.choice_group(
                        [(c.value, label(c, lang)) for c in CareKind],
                        [c.value for c in vm.care],
                        self.act(self._care),
                        multi=True,
                    ),
                    self.errors["care"],
                    self.fields["observations"],
                    self.fields["companions"],
                ],
            )
        )
        if vm.campaign_title:
            out.append(
                w.section(
                    vm.campaign_title,
                    [
                        w.muted(self.t("campaigns.delivered_hint")),
                        self.fields["delivered_items"],
                        self.fields["delivered_value"],
                    ],
                )
            )
        if vm.kind == VisitKind.KNOCK:
            self._fill_survey()
            out.append(w.section(self.t("visit.survey"), [self.survey_column]))
        self._fill_needs()
        out.append(
            w.section(
                self.t("visit.needs"),
                [
                    self.needs_column,
                    w.left(
                        w.button(
                            self.t("visit.add_need"),
                            self.act(self._add_need),
                            kind="outlined",
                            icon=ft.Icons.ADD,
                        )
                    ),
                ],
            )
        )
        out.append(
            w.section(
                self.t("visit.wish"),
                [
                    w.muted(self.t("visit.wish_hint")),
                    self.fields["wish_title"],
                    self.fields["wish_value"],
                    self.fields["wish_description"],
                ],
            )
        )
        self._fill_media()
        out.append(
            w.section(
                self.t("visit.location_photo"),
                [
                    ft.Row([ft.Icon(ft.Icons.PLACE), self.gps_text], wrap=True),
                    ft.Row(
                        [
                            w.button(
                                self.t("visit.get_gps"),
                                self.act(self._gps),
                                kind="outlined",
                                icon=ft.Icons.MY_LOCATION,
                            ),
                            w.button(
                                self.t("visit.clear_gps"), self.act(self._clear_gps), kind="text"
                            ),
                        ],
                        wrap=True,
                    ),
                    ft.Row([ft.Icon(ft.Icons.PHOTO_CAMERA), self.photo_text], wrap=True),
                    ft.Row(
                        [
                            *media.photo_buttons(
                                self.t, self.act(self._camera), self.act(self._pick_photo)
                            ),
                            w.button(
                                self.t("visit.clear_photo"),
                                self.act(self._clear_photo),
                                kind="text",
                            ),
                        ],
                        wrap=True,
                    ),
                ],
            )
        )
        out += [
            self.message,
            ft.Row(
                [
                    w.button(
                        self.t("common.save"), self.act(self._save), icon=ft.Icons.SAVE, expand=True
                    ),
                    w.button(self.t("common.cancel"), self.act(self._cancel), kind="outlined"),
                ]
            ),
            ft.Container(height=40),
        ]
        return out

    # --- choices ------------------------------------------------------------------------

    def _outcome(self, value: str) -> None:
        self.vm.set_outcome(value)
        self._show_errors()

    def _care(self, value: str, on: bool) -> None:
        self.vm.toggle_care(value, on)
        self._show_errors()

    # --- the draft --------------------------------------------------------------------

    def _discard(self) -> None:
        self.vm.discard_draft()
        for key, field in self.fields.items():
            field.value = getattr(self.vm, "visited_on_text" if key == "visited_on" else key)
            field.error = None
        self._fill_media()
        self.refresh()
        self.shell.snack(self.t("draft.discarded"))

    def _cancel(self) -> None:
        """Leave the form. Something typed is thrown away only after a confirmation."""
        if self.vm.is_blank():
            self.shell.pop()
            return

        def give_up(_e: Any) -> None:
            self.vm.discard_draft()
            self.vm.saved = True  # nothing more is kept from this form
            self.shell.pop_dialog(then=self.shell.pop)

        self.shell.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(self.t("draft.cancel_title")),
                content=w.body(self.t("draft.cancel_body")),
                actions=[
                    w.button(
                        self.t("draft.keep_filling"),
                        self.shell.handler(lambda _e: self.shell.pop_dialog()),
                        kind="text",
                    ),
                    w.button(
                        self.t("draft.give_up"),
                        self.shell.handler(give_up),
                        color=ft.Colors.RED_700,
                    ),
                ],
            )
        )

    # --- the date ---------------------------------------------------------------------

    def _show_date_error(self) -> None:
        field = self.fields["visited_on"]
        field.error = self.vm.errors.get("visited_on")
        field.update()

    def _pick_date(self) -> None:
        today = self.vm.ws.today()
        picker = ft.DatePicker(
            value=datetime.combine(self.vm.visited_on, time()),
            first_date=datetime(today.year - 1, 1, 1),
            last_date=datetime.combine(today, time()),
            current_date=datetime.combine(today, time()),
            help_text=self.t("visit.visited_on"),
            locale=ft.Locale("zh", "CN") if self.shell.lang == "zh" else ft.Locale("en", "GB"),
            cancel_text=self.t("common.cancel"),
            confirm_text=self.t("common.confirm"),
            on_change=self.act(self._date_picked),
        )
        self.shell.show_dialog(picker)

    def _date_picked(self, e: Any) -> None:
        picked = e.control.value
        if picked is None:
            return
        day = picked_day(picked)
        self.vm.set_visited_on(day)
        field = self.fields["visited_on"]
        field.value = self.vm.visited_on_text
        field.error = self.vm.errors.get("visited_on")
        field.update()

    # --- needs ------------------------------------------------------------------------

    def _fill_needs(self) -> None:
        vm = self.vm
        rows: list[ft.Control] = []
        for i, need in enumerate(vm.needs):
            area = ft.Dropdown(
                label=self.t("visit.need_area"),
                value=need.area.value,
                options=[
                    ft.DropdownOption(key=a.value, text=label(a, self.shell.lang)) for a in NeedArea
                ],
                on_select=self.act(lambda e, i=i: vm.set_need_area(i, e.control.value)),
                width=200,
                text_size=w.TEXT,
            )
            description = w.text_field(
                self.t("visit.need_description"),
                need.description,
                self.act(lambda e, i=i: vm.set_need_description(i, e.control.value or "")),
                expand=True,
            )
            description.error = vm.errors.get(f"need.{i}")
            remove = w.icon_button(
                ft.Icons.DELETE_OUTLINE,
                self.t("visit.remove_need"),
                self.act(lambda _e, i=i: self._remove_need(i)),
            )
            if self.shell.wide:
                rows.append(
                    ft.Row(
                        [w.labelled(area, self.t("visit.need_area")), description, remove],
                        vertical_alignment=ft.CrossAxisAlignment.START,
                    )
                )
            else:
                description.expand = None
                rows.append(
                    ft.Column(
                        [
                            ft.Row([w.labelled(area, self.t("visit.need_area")), remove]),
                            description,
                        ],
                        spacing=8,
                        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                    )
                )
        if not rows:
            rows.append(w.muted(self.t("visit.no_needs")))
        self.needs_column.controls = rows

    def _add_need(self) -> None:
        self.vm.add_need()
        self._fill_needs()
        self.update(self.needs_column)

    def _remove_need(self, index: int) -> None:
        self.vm.remove_need(index)
        self._fill_needs()
        self.update(self.needs_column)

    # --- the survey -------------------------------------------------------------------

    def _fill_survey(self) -> None:
        vm = self.vm
        rows: list[ft.Control] = []
        area = vm.survey_area
        if area is not None:
            self.survey_field.value = vm.survey_typed
            self.survey_field.label = self.t(
                "visit.survey_answer_for", area=label(area, self.shell.lang)
            )
            rows += [
                ft.Row(
                    [
                        w.pill(vm.survey_progress, ft.Colors.TEAL_700),
                        ft.Text(label(area, self.shell.lang), size=20, weight=ft.FontWeight.BOLD),
                    ]
                ),
                w.muted(self.t(f"visit.ask.{area.value}")),
                self.survey_field,
                ft.Row(
                    [
                        w.button(
                            self.t("visit.survey_back"),
                            self.act(self._survey_back),
                            kind="outlined",
                            disabled=vm.survey_step == 0,
                        ),
                        w.button(
                            self.t("visit.survey_none"),
                            self.act(lambda: self._survey_next(blank=True)),
                            kind="tonal",
                        ),
                        w.button(
                            self.t("visit.survey_next"),
                            self.act(lambda: self._survey_next(blank=False)),
                        ),
                    ],
                    wrap=True,
                ),
            ]
        else:
            rows.append(w.body(self.t("visit.survey_done")))
            rows.append(
                w.button(self.t("visit.survey_back"), self.act(self._survey_back), kind="outlined")
            )
        for name, description in vm.survey_summary():
            rows.append(w.body(f"{name}：{description}", size=w.SMALL, color=ft.Colors.TEAL_800))
        self.survey_column.controls = rows

    def _survey_next(self, *, blank: bool) -> None:
        self.vm.survey_answer("" if blank else (self.survey_field.value or ""))
        self._fill_survey()
        self.update(self.survey_column)

    def _survey_back(self) -> None:
        self.vm.survey_back()
        self._fill_survey()
        self.update(self.survey_column)

    # --- GPS and photo ---------------------------------------------------------------

    def _fill_media(self) -> None:
        self.gps_text.value = self.vm.gps_line
        self.photo_text.value = (
            self.t("visit.photo_attached", kb=len(self.vm.photo) // 1024)
            if self.vm.photo
            else self.t("visit.no_photo")
        )

    def _media_changed(self) -> None:
        self._fill_media()
        self.update(self.gps_text, self.photo_text)

    async def _gps(self) -> None:
        self.gps_text.value = self.t("visit.locating")
        self.update(self.gps_text)
        try:
            lat, lon, acc = await media.current_position(self.services)
        except Exception:
            self.shell.snack(self.t("visit.no_location"), error=True)
        else:
            if not self.vm.set_gps(lat, lon, acc):
                self.shell.snack(self.t("visit.no_location"), error=True)
        self._media_changed()

    def _clear_gps(self) -> None:
        self.vm.clear_gps()
        self._media_changed()

    def _camera(self) -> None:
        def got(content: bytes) -> None:
            self.vm.set_photo(content, "image/jpeg")
            self._media_changed()

        media.open_camera(self.shell, got)

    async def _pick_photo(self) -> None:
        picked = await media.pick_image(self.services)
        if picked is not None:
            self.vm.set_photo(*picked)
            if self.vm.message:
                self.shell.snack(self.vm.message, error=True)
        self._media_changed()

    def _clear_photo(self) -> None:
        self.vm.clear_photo()
        self._media_changed()

    # --- save ---------------------------------------------------------------------------

    def _show_errors(self) -> None:
        errors = self.vm.errors
        for key, control in self.fields.items():
            control.error = errors.get(key)
        for key, text_control in self.errors.items():
            text_control.value = errors.get(key, "")
            text_control.visible = key in errors
        self.message.value = self.vm.message
        self.message.visible = bool(self.vm.message)
        self.update_view()

    def _save(self) -> None:
        if (
            self.vm.kind == VisitKind.KNOCK
            and self.vm.survey_area is not None
            and (self.survey_field.value or "").strip()
        ):
            # An answer typed but not yet confirmed with 下一项 still counts.
            self.vm.survey_answer(self.survey_field.value or "")
        warnings = self.vm.warnings()
        visit = self.vm.save()
        self._fill_needs()
        if visit is None:
            self._show_errors()
            self.shell.snack(self.vm.message, error=True)
            return
        self.shell.snack(" ".join([self.t("visit.saved"), *warnings]))
        self.shell.pop()


def offer_kept_visits(shell: Host) -> None:
    """After an unlock: the visit and survey forms left unsaved (by an auto-lock, a closed
    tab, a restart), each to resume or throw away."""
    if shell.ws is None:
        return
    ws = shell.ws
    kept = kept_visits(ws, shell.lang)
    if not kept:
        return

    def resume(k: KeptVisit) -> None:
        if k.kind is None:
            shell.pop_dialog(then=lambda: shell.open("consent", household_id=k.household_id))
        else:
            kind = k.kind
            shell.pop_dialog(
                then=lambda: shell.open("visit-new", household_id=k.household_id, kind=kind)
            )

    def throw_away(k: KeptVisit) -> None:
        discard_kept_visit(ws, k)
        shell.pop_dialog(then=lambda: offer_kept_visits(shell))

    rows: list[ft.Control] = []
    for k in kept:
        rows.append(
            ft.Column(
                [
                    w.body(k.line),
                    ft.Row(
                        [
                            w.button(
                                shell.t("draft.resume"),
                                shell.handler(lambda _e, k=k: resume(k)),
                                kind="tonal",
                                icon=ft.Icons.EDIT_NOTE,
                            ),
                            w.button(
                                shell.t("draft.discard_short"),
                                shell.handler(lambda _e, k=k: throw_away(k)),
                                kind="text",
                            ),
                        ],
                        wrap=True,
                    ),
                ],
                spacing=4,
            )
        )
    shell.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(shell.t("draft.offer_title")),
            content=ft.Column(
                [
                    w.muted(shell.t("draft.offer_body")),
                    # A long list scrolls in a box of its own; a short one keeps the
                    # dialog as small as its text.
                    ft.Container(
                        ft.Column(rows, spacing=12, scroll=ft.ScrollMode.AUTO),
                        height=OFFER_LIST_HEIGHT if len(rows) > OFFER_ROWS_UNBOXED else None,
                    ),
                ],
                tight=True,
                spacing=12,
            ),
            actions=[
                w.button(
                    shell.t("draft.later"),
                    shell.handler(lambda _e: shell.pop_dialog()),
                    kind="text",
                )
            ],
        )
    )
