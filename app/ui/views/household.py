"""Household (家庭详情): members, needs, wishes, consent state, and the visit timeline."""

from __future__ import annotations

import flet as ft

from app.domain.codes import VisitKind
from app.ui import widgets as w
from app.ui.catalogue import relation_label
from app.ui.viewmodels.household import HouseholdVM, MemberLine, TimelineEntry
from app.ui.views.base import Host, Screen
from app.ui.views.referrals import referral_section

TIMELINE_PAGE = 10  # visits built and sent at a time: the screen opens and returns quickly
SHARES_PAGE = 10  # share log entries read and shown at a time (a household's log is unbounded)
FOLD_CHARS = 120  # a longer note shows its start and 展开 in the timeline


class HouseholdScreen(Screen):
    key = "household"

    def __init__(self, shell: Host, household_id: str) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = HouseholdVM(shell.ws, household_id, shell.lang)
        self.timeline_shown = TIMELINE_PAGE
        self.shares_shown = SHARES_PAGE
        self.unfolded: set[str] = set()  # visits whose long note is shown whole

    def title(self) -> str:
        return self.vm.title

    def on_show(self) -> None:
        self.vm.load()

    def content(self) -> list[ft.Control]:
        """The screen's parts, each with a key (each visit with its id): a rebuild, back from
        a saved visit or after 展开, is matched part by part against what the page shows,
        so only what changed is sent (the new visit, the status line), not the screen."""
        vm = self.vm
        header: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(vm.title, size=24, weight=ft.FontWeight.BOLD),
                    w.muted(vm.village),
                    *(
                        [w.pill(self.t("households.reported"), ft.Colors.PURPLE_400)]
                        if vm.reported
                        else []
                    ),
                ],
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
                key="title",
            ),
            w.body(f"{self.t('household.address')}：{vm.household.address}", key="address"),
        ]
        if vm.phone:
            header.append(w.body(f"{self.t('household.phone')}：{vm.phone}", key="phone"))
        if vm.categories:
            header.append(
                w.body(f"{self.t('household.categories')}：{vm.categories}", key="categories")
            )
        status_colour = (
            w.URGENCY_COLOURS.get(vm.urgency, ft.Colors.GREY) if vm.urgency else ft.Colors.GREY
        )
        header.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.EVENT, color=status_colour),
                    w.body(vm.status_line(), color=status_colour),
                ],
                wrap=True,
                key="status",
            )
        )
        for number, words in enumerate(vm.warning_lines()):
            header.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ERROR),
                        w.body(words, color=ft.Colors.ERROR),
                    ],
                    wrap=True,
                    key=f"warning-{number}",
                )
            )
        for number, words in enumerate(vm.campaign_lines()):
            header.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.EVENT_NOTE, color=ft.Colors.PRIMARY),
                        w.body(words, color=ft.Colors.PRIMARY),
                    ],
                    wrap=True,
                    key=f"campaign-{number}",
                )
            )
        actions = ft.Row(
            [
                w.button(
                    self.t("household.new_visit"), self.act(self._new_visit), icon=ft.Icons.ADD_TASK
                ),
                w.button(
                    self.t("household.knock"),
                    self.act(self._knock),
                    icon=ft.Icons.DOOR_FRONT_DOOR,
                    kind="tonal",
                ),
                w.button(
                    self.t("household.consent"),
                    self.act(self._consent),
                    icon=ft.Icons.VERIFIED_USER,
                    kind="outlined",
                ),
                w.button(
                    self.t("household.refer"),
                    self.act(self._refer),
                    icon=ft.Icons.SEND,
                    kind="outlined",
                ),
                w.button(
                    self.t("household.edit"),
                    self.act(self._edit),
                    icon=ft.Icons.EDIT_NOTE,
                    kind="outlined",
                ),
            ],
            wrap=True,
            spacing=10,
            run_spacing=10,
            key="actions",
        )
        left = [
            w.section(
                self.t("household.members"),
                [self._member(m) for m in vm.member_lines()] or [w.muted("—")],
            ),
            w.section(self.t("household.open_needs"), self._needs()),
            w.section(self.t("household.wishes"), self._wishes()),
            w.section(self.t("household.consents"), self._consents()),
            w.section(
                self.t("household.referrals"), referral_section(self, self.vm.referral_lines())
            ),
            w.section(self.t("household.county_shares"), self._shares()),
        ]
        right = [
            w.section(self.t("household.help"), self._help()),
            w.section(self.t("household.timeline"), self._timeline()),
            w.section(self.t("household.history"), self._history()),
        ]
        return [
            *header,
            actions,
            ft.ResponsiveRow(
                [
                    ft.Column(left, col={"xs": 12, "lg": 6}, spacing=10),
                    ft.Column(right, col={"xs": 12, "lg": 6}, spacing=10),
                ],
                spacing=10,
                run_spacing=10,
                vertical_alignment=ft.CrossAxisAlignment.START,
                key="sections",
            ),
        ]

    def _member(self, m: MemberLine) -> ft.Control:
        facts = [relation_label(m.relation, self.shell.lang)]
        if m.gender:
            facts.append(m.gender)
        if m.age is not None:
            facts.append(self.t("household.age", n=m.age))
        rows: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(m.name, size=18, weight=ft.FontWeight.BOLD),
                    w.muted(" · ".join(facts)),
                    *([w.pill(m.left, ft.Colors.GREY_600)] if m.left else []),
                ],
                wrap=True,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        ]
        if m.has_id:
            reveal = w.button(
                self.t("household.hide_id") if m.revealed else self.t("household.show_id"),
                self.act(lambda _e, p=m.person_id, shown=m.revealed: self._toggle_id(p, shown)),
                kind="text",
                icon=ft.Icons.VISIBILITY_OFF if m.revealed else ft.Icons.VISIBILITY,
            )
            rows.append(
                ft.Row(
                    [
                        w.body(
                            f"{self.t('household.id_number')}：{m.id_shown}", selectable=m.revealed
                        ),
                        reveal,
                    ],
                    wrap=True,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                )
            )
        if m.flags:
            rows.append(w.body(m.flags, color=ft.Colors.DEEP_ORANGE_800, size=w.SMALL))
        if m.major_event:
            rows.append(w.body(m.major_event, color=ft.Colors.RED_700, size=w.SMALL))
        if m.under_14:
            rows.append(w.muted(self.t("household.child_guardian")))
        return ft.Container(ft.Column(rows, spacing=2), padding=ft.Padding.only(bottom=8))

    def _needs(self) -> list[ft.Control]:
        needs = self.vm.open_needs()
        if not needs:
            return [w.muted(self.t("household.no_needs"))]
        return [
            ft.Column(
                [
                    ft.Row(
                        [
                            w.pill(n.area, ft.Colors.TEAL_700),
                            w.muted(f"{n.status} · {n.raised_on.isoformat()}"),
                        ],
                        wrap=True,
                    ),
                    w.body(n.description),
                ],
                spacing=2,
            )
            for n in needs
        ]

    def _wishes(self) -> list[ft.Control]:
        wishes = self.vm.wish_lines()
        if not wishes:
            return [w.muted(self.t("household.no_wishes"))]
        return [
            ft.Row(
                [
                    w.pill(x.state, ft.Colors.PINK_400 if x.open else ft.Colors.GREY),
                    w.body(f"{x.title}（{x.value_yuan} 元）"),
                ],
                wrap=True,
            )
            for x in wishes
        ]

    def _shares(self) -> list[ft.Control]:
        """Who saw this household's data, when and why: newest first, a page at a time."""
        lines = self.vm.share_lines(self.shares_shown)
        if not lines:
            return [w.muted(self.t("household.no_county_shares"))]
        out: list[ft.Control] = [
            ft.Column(
                [
                    w.body(f"{s.day} {s.organisation} {s.action} {s.person}", size=w.SMALL),
                    w.muted(f"{s.purpose} · {s.categories}"),
                ],
                spacing=2,
            )
            for s in lines
        ]
        left = self.vm.share_count() - len(lines)
        if left > 0:
            out.append(
                w.button(
                    self.t("common.more", n=left), self.act(self._more_shares), kind="outlined"
                )
            )
        return out

    def _consents(self) -> list[ft.Control]:
        lines = self.vm.consent_lines()
        if not lines:
            return [w.muted(self.t("household.no_consents"))]
        out: list[ft.Control] = []
        for c in lines:
            colour = ft.Colors.GREEN_700 if c.granted else ft.Colors.GREY_700
            out.append(
                ft.Column(
                    [
                        ft.Row(
                            [
                                w.pill(c.state, colour),
                                ft.Text(c.person, size=w.TEXT, weight=ft.FontWeight.BOLD),
                            ],
                            wrap=True,
                        ),
                        w.body(f"{c.recipient} · {c.purpose}", size=w.SMALL),
                        *([w.muted(c.categories)] if c.categories else []),
                    ],
                    spacing=2,
                )
            )
        waiting = self.vm.evidence_waiting()
        if waiting:
            out.append(
                w.body(
                    self.t("household.evidence_local", n=waiting),
                    size=w.SMALL,
                    color=ft.Colors.ORANGE_900,
                )
            )
        return out

    def _timeline(self) -> list[ft.Control]:
        entries = self.vm.timeline()
        if not entries:
            return [w.muted(self.t("household.no_visits"))]
        out: list[ft.Control] = [self._entry(e) for e in entries[: self.timeline_shown]]
        if len(entries) > self.timeline_shown:
            out.append(
                w.button(
                    self.t("common.more", n=len(entries) - self.timeline_shown),
                    self.act(self._more_visits),
                    kind="outlined",
                )
            )
        return out

    def _entry(self, e: TimelineEntry) -> ft.Control:
        rows: list[ft.Control] = [
            ft.Row(
                [
                    ft.Icon(
                        ft.Icons.CHECK_CIRCLE if e.counts else ft.Icons.CANCEL_OUTLINED,
                        color=ft.Colors.GREEN_700 if e.counts else ft.Colors.GREY,
                        size=20,
                    ),
                    ft.Text(
                        e.when.strftime("%Y-%m-%d %H:%M"), size=w.SMALL, weight=ft.FontWeight.BOLD
                    ),
                    w.body(e.title, size=w.SMALL),
                ],
                wrap=True,
            )
        ]
        if e.care:
            rows.append(w.body(f"{self.t('visit.care')}：{e.care}", size=w.SMALL))
        if e.observations:
            rows.extend(self._note(e.visit_id, e.observations))
        if e.companions:
            rows.append(w.muted(f"{self.t('visit.companions')}：{e.companions}"))
        for need in e.needs:
            rows.append(
                w.body(f"{self.t('visit.need')}：{need}", size=w.SMALL, color=ft.Colors.TEAL_800)
            )
        return ft.Container(
            ft.Column(rows, spacing=2),
            padding=ft.Padding.only(left=10, bottom=8),
            border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.OUTLINE_VARIANT)),
            key=e.visit_id,
        )

    def _note(self, visit_id: str, note: str) -> list[ft.Control]:
        """A visit's note; a long one folds to its start, with 展开 / 收起."""
        if len(note) <= FOLD_CHARS:
            return [w.body(note, size=w.SMALL)]
        whole = visit_id in self.unfolded
        return [
            w.body(note if whole else note[:FOLD_CHARS] + "…", size=w.SMALL),
            w.left(
                w.button(
                    self.t("household.fold") if whole else self.t("household.unfold"),
                    self.act(lambda _e: self._fold(visit_id)),
                    kind="text",
                    icon=ft.Icons.EXPAND_LESS if whole else ft.Icons.EXPAND_MORE,
                )
            ),
        ]

    def _fold(self, visit_id: str) -> None:
        (self.unfolded.discard if visit_id in self.unfolded else self.unfolded.add)(visit_id)
        self.refresh()

    def _toggle_id(self, person_id: str, shown: bool) -> None:
        if shown:
            self.vm.hide_id(person_id)
        else:
            self.vm.reveal_id(person_id)
        self.refresh()

    def _more_visits(self) -> None:
        self.timeline_shown += TIMELINE_PAGE
        self.refresh()

    def _more_shares(self) -> None:
        self.shares_shown += SHARES_PAGE
        self.refresh()

    def _new_visit(self) -> None:
        self.shell.open("visit-new", household_id=self.vm.household_id, kind=VisitKind.CARE)

    def _knock(self) -> None:
        self.shell.open("visit-new", household_id=self.vm.household_id, kind=VisitKind.KNOCK)

    def _refer(self) -> None:
        self.shell.open("referral", household_id=self.vm.household_id)

    def _consent(self) -> None:
        self.shell.open("consent", household_id=self.vm.household_id)

    def _edit(self) -> None:
        self.shell.open("household-edit", household_id=self.vm.household_id)

    def _help(self) -> list[ft.Control]:
        """已获帮扶: all help, government and charity, newest first; a need area helped by
        several sources in one month is said first and its lines marked (重复救助?)."""
        lines, warnings, total = self.vm.help_received()
        if not lines:
            return [w.muted(self.t("household.no_help"))]
        out: list[ft.Control] = [w.muted(total)]
        for warning in warnings:
            out.append(
                ft.Row(
                    [
                        ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ORANGE_800),
                        ft.Text(warning, color=ft.Colors.ORANGE_900, expand=True),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.START,
                )
            )
        for h in lines:
            sector_colour = ft.Colors.BLUE_700 if h.government else ft.Colors.GREEN_700
            out.append(
                ft.Container(
                    ft.Column(
                        [
                            ft.Row(
                                [
                                    w.pill(h.sector, sector_colour),
                                    *([w.pill(h.area, ft.Colors.TEAL_700)] if h.area else []),
                                    w.muted(f"{h.on} · {h.kind}"),
                                    *(
                                        [
                                            ft.Icon(
                                                ft.Icons.WARNING_AMBER, color=ft.Colors.ORANGE_800
                                            )
                                        ]
                                        if h.flagged
                                        else []
                                    ),
                                ],
                                wrap=True,
                            ),
                            w.body(" · ".join(x for x in (h.source, h.what, h.value) if x)),
                        ],
                        spacing=2,
                    ),
                    border=ft.Border.only(
                        left=ft.BorderSide(
                            4, ft.Colors.ORANGE_700 if h.flagged else ft.Colors.TRANSPARENT
                        )
                    ),
                    padding=ft.Padding.only(left=8),
                    key=f"help-{h.record_id}",
                )
            )
        return out

    def _history(self) -> list[ft.Control]:
        """Register changes (登记变更): who changed which field, when, from what to what."""
        lines = self.vm.history()
        if not lines:
            return [w.muted(self.t("household.no_history"))]
        return [
            ft.Column(
                [
                    w.muted(self.t("household.history_by", when=h.when, who=h.who)),
                    w.body(f"{h.what}：{h.change}", size=w.SMALL),
                ],
                spacing=2,
                key=h.change_id,
            )
            for h in lines
        ]
