"""Needs (需求) and micro-wishes (微心愿): lists by status, assessment, review, fulfilment."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import flet as ft

from app.domain.codes import NeedStatus, WishState
from app.domain.wishes import STORY_MAX_CHARS
from app.ui import widgets as w
from app.ui.viewmodels.needs import NeedItem, NeedsVM, WishesVM, WishItem
from app.ui.views.base import Host, Screen
from app.ui.views.dialogs import delivery_dialog, note_dialog
from app.ui.views.referrals import referral_section


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
                *self._projects(item),
                *self._referrals(item),
            ],
            trailing=w.icon_button(
                ft.Icons.OPEN_IN_NEW,
                self.t("today.open", name=item.household),
                self.act(lambda _e: self.shell.open("household", household_id=item.household_id)),
            ),
        )

    def _projects(self, item: NeedItem) -> list[ft.Control]:
        """匹配项目: the project matched (with 记录服务) and those the need may be matched to."""
        matched, choices = self.vm.project_lines(item.need_id)
        if not matched and not choices:
            return []
        out: list[ft.Control] = [w.muted(self.t("needs.projects"))]
        if matched:
            out.append(
                ft.Row(
                    [
                        w.body(self.t("needs.matched_project", name=matched)),
                        w.button(
                            self.t("needs.record_delivery"),
                            self.act(lambda _e: self._deliver(item)),
                            icon=ft.Icons.VOLUNTEER_ACTIVISM,
                            kind="outlined",
                        ),
                    ],
                    wrap=True,
                )
            )
        out += [
            w.left(
                w.button(
                    self.t("needs.match_to", name=name),
                    self.act(lambda _e, pid=pid: self._match(item, pid)),
                    kind="text",
                )
            )
            for pid, name in choices
        ]
        return out

    def _match(self, item: NeedItem, project_id: str) -> None:
        if self.vm.match(item.need_id, project_id):
            self.shell.snack(self.t("common.saved"))
        else:
            self.shell.snack(self.vm.message, error=True)
        self.refresh()

    def _deliver(self, item: NeedItem) -> None:
        def done(service: str, value: str) -> bool:
            if not self.vm.record_delivery(item.need_id, service, value):
                return False
            self.shell.snack(self.t("common.saved"))
            self.refresh()
            return True

        delivery_dialog(self.shell, item.household, done, lambda: self.vm.message)

    def _referrals(self, item: NeedItem) -> list[ft.Control]:
        """The need's referrals (转介) and the button that makes one: a section of its own."""
        lines = self.vm.referral_lines(item.need_id)
        out: list[ft.Control] = referral_section(self, lines) if lines else []
        if self.vm.may_refer(item.need_id):
            out.append(
                w.left(
                    w.button(
                        self.t("household.refer"),
                        self.act(
                            lambda _e: self.shell.open(
                                "referral", household_id=item.household_id, need_id=item.need_id
                            )
                        ),
                        icon=ft.Icons.SEND,
                        kind="outlined",
                    )
                )
            )
        return out

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
        follow_ups = {
            "publish": (self.t("wishes.publish"), ft.Icons.CAMPAIGN, self._publish),
            "contact": (self.t("wishes.contact"), ft.Icons.PHONE_IN_TALK, self._contact),
            "handover": (self.t("wishes.handover"), ft.Icons.HANDSHAKE, self._handover),
        }
        for name in reversed(item.follow_up):  # first in the list, first on the row
            words, icon, start = follow_ups[name]
            actions.insert(
                0,
                w.button(
                    words,
                    self.act(lambda _e, start=start: start(item)),
                    kind="tonal",
                    icon=icon,
                ),
            )
        pills = [w.pill(item.state_label, ft.Colors.PINK_400)]
        if item.board:
            pending = item.board == self.t("wishes.board_pending")
            pills.append(
                w.pill(item.board, ft.Colors.AMBER_800 if pending else ft.Colors.GREEN_700)
            )
        rows: list[ft.Control] = [
            ft.Row(
                [*pills, w.muted(f"{item.village} · {item.collected_on.isoformat()}")],
                wrap=True,
            ),
            w.body(f"{item.title}（{item.value_yuan} 元）"),
        ]
        if item.description:
            rows.append(w.muted(item.description))
        if item.public:
            rows.append(w.muted(item.public))
        if item.detail:
            rows.append(w.muted(item.detail))
        if item.refusal:
            rows.append(self._warning(self.t("wishes.refused", why=item.refusal), error=True))
        if item.donor is not None:
            rows.append(self._donor(item))
        for problem in item.problems:
            rows.append(self._warning(problem))
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

    @staticmethod
    def _warning(sentence: str, *, error: bool = False) -> ft.Control:
        return ft.Row(
            [
                ft.Icon(
                    ft.Icons.ERROR_OUTLINE if error else ft.Icons.WARNING_AMBER,
                    color=ft.Colors.RED_700 if error else ft.Colors.AMBER_900,
                ),
                ft.Container(w.body(sentence, size=w.SMALL), expand=True),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )

    def _donor(self, item: WishItem) -> ft.Control:
        """The donor's name, masked phone (a tap shows it and offers to call), delivery."""
        donor = item.donor
        assert donor is not None
        who = self.t("wishes.donor", name=donor.name)
        if donor.organisation:
            who += self.t("wishes.donor_org", org=donor.organisation)
        phone_row = ft.Row(wrap=True)

        def reveal(_e: Any) -> None:
            phone = self.vm.donor_phone(item.wish_id)
            if not phone:
                return
            phone_row.controls = [
                w.body(phone),
                w.button(
                    self.t("wishes.call", phone=phone),
                    None,
                    kind="outlined",
                    icon=ft.Icons.CALL,
                    url=f"tel:{phone}",
                ),
            ]
            w.update(phone_row)

        phone_row.controls = [
            w.body(donor.phone_masked),
            w.button(
                self.t("wishes.reveal_phone"),
                self.act(reveal),
                kind="text",
                icon=ft.Icons.VISIBILITY,
            ),
        ]
        return ft.Container(
            ft.Column(
                [
                    w.body(who),
                    phone_row,
                    *(
                        [w.muted(self.t("wishes.delivery", how=donor.delivery))]
                        if donor.delivery
                        else []
                    ),
                ],
                spacing=4,
            ),
            bgcolor=ft.Colors.with_opacity(0.06, ft.Colors.PINK_400),
            border_radius=8,
            padding=10,
        )

    def _publish(self, item: WishItem) -> None:
        """The publish form: need area, the public story (checked as it is typed, as the
        server checks it again), the household's separate consent to show photos."""
        need_area, story = self.vm.publish_defaults(item.wish_id)
        chosen = {"area": need_area.value}
        field = w.text_field(
            self.t("wishes.story"), story, multiline=True, width=440, max_length=STORY_MAX_CHARS
        )
        consent = ft.Checkbox(label=self.t("wishes.publicity_consent"), label_style=w.style())
        problem = w.error_text("")

        def say(sentence: str) -> None:
            problem.value, problem.visible = sentence, bool(sentence)
            w.update(problem)

        def check(_e: Any = None) -> bool:
            say(self.vm.story_problem(item.wish_id, field.value or ""))
            return not problem.value

        field.on_blur = self.act(check)

        def ok(_e: Any) -> None:
            if not check():
                return
            if not self.vm.publish(
                item.wish_id, chosen["area"], field.value or "", bool(consent.value)
            ):
                say(self.vm.message)
                return
            self.shell.pop_dialog()
            self.shell.snack(self.t("wishes.publish_queued"))
            self.refresh()

        def pick(value: str, _on: bool) -> None:
            chosen["area"] = value

        self.shell.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(
                    self.t("wishes.publish_title", title=item.title),
                    size=w.TITLE,
                    weight=ft.FontWeight.BOLD,
                ),
                content=ft.Column(
                    [
                        w.muted(self.t("wishes.need_area")),
                        w.choice_group(self.vm.need_areas(), [chosen["area"]], pick),
                        field,
                        w.muted(self.t("wishes.story_hint")),
                        consent,
                        problem,
                    ],
                    tight=True,
                    spacing=10,
                    width=460,
                ),
                scrollable=True,  # the 大字 setting can make it taller than a phone
                actions=[
                    w.button(
                        self.t("common.back"),
                        self.shell.handler(lambda _e: self.shell.pop_dialog()),
                        kind="text",
                    ),
                    w.button(self.t("wishes.publish_confirm"), self.shell.handler(ok)),
                ],
            )
        )

    def _contact(self, item: WishItem) -> None:
        if not self.vm.record_contact(item.wish_id):
            self.shell.snack(self.vm.message, error=True)
        else:
            self.shell.snack(self.t("common.saved"))
        self.refresh()

    def _handover(self, item: WishItem) -> None:
        field = w.text_field(self.t("wishes.handover_note"), multiline=True, width=440)

        def ok(_e: Any) -> None:
            self.shell.pop_dialog()
            if not self.vm.record_handover(item.wish_id, field.value or ""):
                self.shell.snack(self.vm.message, error=True)
            else:
                self.shell.snack(self.t("common.saved"))
            self.refresh()

        self.shell.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(
                    self.t("wishes.handover_title", title=item.title),
                    size=w.TITLE,
                    weight=ft.FontWeight.BOLD,
                ),
                content=ft.Column([field], tight=True, width=460),
                actions=[
                    w.button(
                        self.t("common.back"),
                        self.shell.handler(lambda _e: self.shell.pop_dialog()),
                        kind="text",
                    ),
                    w.button(self.t("wishes.handover"), self.shell.handler(ok)),
                ],
            )
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
