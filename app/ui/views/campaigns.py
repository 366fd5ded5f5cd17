"""节日走访: the festival lists with who is still to visit, my households waiting, a
coordinator's new list (the count of households it picks shown before saving) and one
list's households with who visits each."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.domain.campaigns import REMOVAL_REASON_MAX_CHARS
from app.domain.codes import CampaignGroup, Festival
from app.ui import widgets as w
from app.ui.catalogue import label
from app.ui.viewmodels.campaigns import (
    CampaignFormVM,
    CampaignsVM,
    CampaignVM,
    ListLine,
    PlaceLine,
)
from app.ui.views.base import Host, Screen

DONE_COLOUR = ft.Colors.GREEN_700
WAITING_COLOUR = ft.Colors.DEEP_ORANGE_700


class CampaignsScreen(Screen):
    key = "campaigns"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = CampaignsVM(shell.ws, shell.lang)

    def title(self) -> str:
        return self.t("campaigns.title")

    def on_show(self) -> None:
        self.vm.reload()

    def content(self) -> list[ft.Control]:
        vm = self.vm
        out: list[ft.Control] = [w.muted(self.t("campaigns.hint"))]
        if vm.may_create:
            out.append(
                w.left(
                    w.button(
                        self.t("campaigns.new"),
                        self.act(lambda _e: self.shell.open("campaign-new")),
                        icon=ft.Icons.PLAYLIST_ADD,
                    )
                )
            )
        mine: list[ft.Control] = [_place(self, p, show_list=True) for p in vm.mine]
        out.append(
            w.section(
                self.t("campaigns.mine"),
                mine or [w.body(self.t("campaigns.mine_none"))],
            )
        )
        if not vm.lines:
            out.append(w.body(self.t("campaigns.none")))
        out += [self._line(line) for line in vm.lines]
        return out

    def _line(self, line: ListLine) -> ft.Control:
        return w.tappable(
            ft.Column(
                [
                    ft.Text(line.name, size=18, weight=ft.FontWeight.BOLD),
                    w.body(f"{line.festival} · {line.area} · {line.groups}", size=w.SMALL),
                    ft.Row(
                        [
                            w.pill(
                                self.t(
                                    "campaigns.line_progress",
                                    assigned=line.assigned,
                                    visited=line.visited,
                                    remaining=line.remaining,
                                ),
                                WAITING_COLOUR if line.remaining else DONE_COLOUR,
                            )
                        ],
                        wrap=True,
                    ),
                ],
                spacing=4,
                expand=True,
            ),
            self.act(lambda _e, c=line.campaign_id: self.shell.open("campaign", campaign_id=c)),
            self.t("campaigns.open_list", name=line.name),
        )


def _place(screen: Screen, place: PlaceLine, *, show_list: bool = False) -> ft.Control:
    """A household on a list: tap opens the household (to record the visit there)."""
    colour = (
        ft.Colors.BLUE_GREY_700
        if place.removed
        else DONE_COLOUR
        if place.visited
        else WAITING_COLOUR
    )
    lines: list[ft.Control] = [
        ft.Row(
            [
                w.pill(place.groups, ft.Colors.BLUE_GREY_700),
                ft.Text(place.title, size=18, weight=ft.FontWeight.BOLD),
                w.muted(place.village),
            ],
            wrap=True,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        w.body(place.status, size=w.SMALL, color=colour),
    ]
    if show_list and place.campaign:
        lines.append(w.muted(place.campaign))
    return w.tappable(
        ft.Column(lines, spacing=4, expand=True),
        screen.act(lambda _e: screen.shell.open("household", household_id=place.household_id)),
        screen.t("today.open", name=place.title),
    )


class CampaignFormScreen(Screen):
    key = "campaign-new"

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = CampaignFormVM(shell.ws, shell.lang)
        vm = self.vm
        self.count_text = ft.Text(
            vm.count_line(), size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.PRIMARY
        )
        self.name_field = w.text_field(
            self.t("campaigns.name"),
            vm.name,
            self.act(lambda e: vm.set_name(e.control.value or "")),
            max_length=50,
        )
        self.age_field = w.text_field(
            self.t("campaigns.elderly_age"),
            vm.elderly_age_text,
            self.act(self._age),
            keyboard=ft.KeyboardType.NUMBER,
            width=260,
        )
        self.message = ft.Text("", color=ft.Colors.ERROR, size=w.TEXT, visible=False)

    def title(self) -> str:
        return self.t("campaigns.new")

    def content(self) -> list[ft.Control]:
        vm = self.vm
        lang = self.shell.lang
        self.name_field.value = vm.name
        area = ft.Dropdown(
            label=self.t("campaigns.area"),
            value=vm.area_code,
            options=[ft.DropdownOption(key=k, text=v) for k, v in vm.areas()],
            on_select=self.act(lambda e: self._set(vm.set_area, e.control.value)),
            width=320,
            text_size=w.TEXT,
        )
        year = ft.Dropdown(
            label=self.t("campaigns.year"),
            value=str(vm.year),
            options=[ft.DropdownOption(key=str(y), text=str(y)) for y in vm.years()],
            on_select=self.act(lambda e: self._set(vm.set_year, e.control.value)),
            width=160,
            text_size=w.TEXT,
        )
        where: list[ft.Control] = [area]
        villages = vm.village_options()
        if villages:
            where += [
                w.muted(self.t("campaigns.villages")),
                w.choice_group(
                    villages,
                    sorted(vm.villages),
                    self.act(lambda v, on: self._set(vm.toggle_village, v, on)),
                    multi=True,
                ),
            ]
        who: list[ft.Control] = [
            w.choice_group(
                [(g.value, label(g, lang)) for g in CampaignGroup],
                [g.value for g in vm.groups],
                self.act(lambda v, on: self._set(vm.toggle_group, v, on)),
                multi=True,
            ),
        ]
        if CampaignGroup.ELDERLY in vm.groups:
            who.append(self.age_field)
        who.append(w.muted(self.t("campaigns.child_rule", n=18)))
        return [
            w.section(
                self.t("campaigns.festival"),
                [
                    w.choice_group(
                        [(f.value, label(f, lang)) for f in Festival],
                        [vm.festival.value],
                        self.act(lambda v, _on: self._set(vm.set_festival, v)),
                    ),
                    ft.Row([year, w.body(vm.when())], wrap=True, spacing=16),
                ],
            ),
            w.section(self.t("campaigns.area"), where),
            w.section(self.t("campaigns.groups"), who),
            w.section(self.t("campaigns.name"), [self.name_field]),
            self.count_text,
            self.message,
            w.left(
                w.button(
                    self.t("campaigns.save"),
                    self.act(self._save),
                    icon=ft.Icons.SAVE,
                )
            ),
        ]

    def _set(self, change: Any, *args: Any) -> None:
        change(*args)
        self.count_text.value = self.vm.count_line()
        self.refresh()

    def _age(self, e: Any) -> None:
        self.vm.set_elderly_age(e.control.value or "")
        self.count_text.value = self.vm.count_line()
        self.update(self.count_text)

    def _save(self) -> None:
        saved = self.vm.save()
        if saved is None:
            self.message.value = self.vm.message
            self.message.visible = True
            self.update(self.message)
            return
        self.shell.snack(self.t("campaigns.saved", n=len(self.vm.picked)))
        self.shell.open_instead("campaign", campaign_id=saved.id)


class CampaignScreen(Screen):
    key = "campaign"

    def __init__(self, shell: Host, campaign_id: str) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = CampaignVM(shell.ws, campaign_id, shell.lang)
        self.closing = False
        self.removing = ""  # the household's place whose removal reason is being typed
        self.name_field = w.text_field(
            self.t("campaigns.name"), self.vm.campaign.name, max_length=50, width=300
        )
        self.reason_field = w.text_field(
            self.t("campaigns.remove_reason"), max_length=REMOVAL_REASON_MAX_CHARS
        )

    def title(self) -> str:
        return self.vm.campaign.name

    def on_show(self) -> None:
        self.vm.reload()

    def content(self) -> list[ft.Control]:
        vm = self.vm
        out: list[ft.Control] = [w.body(vm.heading)]
        if vm.closed:
            out.append(w.left(w.pill(vm.closed_line(), ft.Colors.BLUE_GREY_700)))
        if vm.may_reopen:
            out.append(w.muted(self.t("campaigns.reopen_hint")))
            out.append(
                w.left(
                    w.button(
                        self.t("campaigns.reopen"),
                        self.act(self._reopen),
                        icon=ft.Icons.LOCK_OPEN,
                        kind="outlined",
                    )
                )
            )
        out.append(ft.Text(vm.progress_line(), size=20, weight=ft.FontWeight.BOLD))
        if vm.may_change:
            out.append(self._list_changes())
        if vm.qualifying:
            out.append(
                ft.Row(
                    [
                        w.body(vm.qualifying_line()),
                        w.button(
                            self.t("campaigns.add_qualifying"),
                            self.act(self._add_qualifying),
                            icon=ft.Icons.PLAYLIST_ADD,
                        ),
                    ],
                    wrap=True,
                    spacing=12,
                )
            )
        for place in vm.places:
            out.append(self._card(place))
        return out

    def _list_changes(self) -> ft.Control:
        """A coordinator renames the list or closes it (a second tap confirms closing)."""
        closing = self.closing
        return ft.Row(
            [
                self.name_field,
                w.button(self.t("campaigns.rename"), self.act(self._rename), kind="tonal"),
                w.button(
                    self.t("campaigns.close_confirm" if closing else "campaigns.close"),
                    self.act(self._close),
                    kind="filled" if closing else "outlined",
                    color=ft.Colors.ERROR if closing else None,
                ),
            ],
            wrap=True,
            spacing=12,
        )

    def _rename(self) -> None:
        ok = self.vm.rename(self.name_field.value or "")
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _close(self) -> None:
        if not self.closing:
            self.closing = True
            self.refresh()
            return
        self.closing = False
        ok = self.vm.close()
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _reopen(self) -> None:
        ok = self.vm.reopen()
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _restore(self, assignment_id: str) -> None:
        ok = self.vm.restore(assignment_id)
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _remove(self, assignment_id: str) -> None:
        if self.removing != assignment_id:
            self.removing = assignment_id
            self.reason_field.value = ""
            self.refresh()
            return
        ok = self.vm.remove(assignment_id, self.reason_field.value or "")
        if ok:
            self.removing = ""
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _card(self, place: PlaceLine) -> ft.Control:
        rows: list[ft.Control] = [_place(self, place)]
        if place.history:
            rows.append(w.muted(place.history))
        if self.vm.may_restore(place):
            rows.append(
                w.left(
                    w.button(
                        self.t("campaigns.restore"),
                        self.act(lambda _e, a=place.assignment_id: self._restore(a)),
                        kind="outlined",
                    )
                )
            )
        if self.vm.may_remove(place):
            if self.removing == place.assignment_id:
                rows.append(self.reason_field)
            rows.append(
                w.left(
                    w.button(
                        self.t("campaigns.remove"),
                        self.act(lambda _e, a=place.assignment_id: self._remove(a)),
                        kind="outlined",
                    )
                )
            )
        options = self.vm.worker_options(place) if self.vm.may_change else []
        if len(options) > 1 and not place.visited and not place.removed:
            rows.append(
                ft.Dropdown(
                    label=self.t("campaigns.worker"),
                    value=place.worker_id,
                    options=[ft.DropdownOption(key=k, text=v) for k, v in options],
                    on_select=self.act(
                        lambda e, a=place.assignment_id: self._reassign(a, e.control.value)
                    ),
                    width=260,
                    text_size=w.TEXT,
                )
            )
        else:
            rows.append(w.muted(f"{self.t('campaigns.worker')}：{place.worker}"))
        return ft.Container(
            ft.Column(rows, spacing=6),
            padding=12,
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        )

    def _add_qualifying(self) -> None:
        ok = self.vm.add_qualifying()
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()

    def _reassign(self, assignment_id: str, worker_id: str | None) -> None:
        if not worker_id:
            return
        ok = self.vm.reassign(assignment_id, worker_id)
        self.shell.snack(self.vm.message, error=not ok)
        self.refresh()
