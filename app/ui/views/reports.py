"""Statistics (统计): coverage by area with drill-down, trend, categories, 责任人 and teams,
indicators, export.

Charts use flet_charts; every chart has the same figures beside it as proportional bars
built from Containers, which also stand in for a chart that cannot be built.
"""

from __future__ import annotations

import logging
from typing import Any

import flet as ft

from app.domain.indicators import Status, format_number
from app.domain.warnings import WarningKind
from app.ui import widgets as w
from app.ui.catalogue import label, measure_label
from app.ui.viewmodels.reports import AreaLine, IndicatorLine, OverdueLine, PeriodKind, ReportsVM
from app.ui.views.base import Host, Screen

log = logging.getLogger("doorstep.ui")

STATUS_COLOURS = {
    Status.MET: ft.Colors.GREEN_700,
    Status.NOT_MET: ft.Colors.RED_700,
    Status.NO_DATA: ft.Colors.BLUE_GREY_400,
}
CHART_HEIGHT = 220
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rate_text(rate: float | None) -> str:
    """0.875 → "87.5%"; no household due → "—"."""
    return "—" if rate is None else f"{format_number(rate * 100)}%"


def rate_colour(rate: float | None) -> str:
    if rate is None:
        return ft.Colors.BLUE_GREY_400
    if rate >= 0.999999:
        return ft.Colors.GREEN_700
    return ft.Colors.AMBER_800 if rate >= 0.8 else ft.Colors.RED_700


class ReportsScreen(Screen):
    key = "reports"
    top_level = True

    def __init__(self, shell: Host) -> None:
        super().__init__(shell)
        assert shell.ws is not None
        self.vm = ReportsVM(shell.ws, shell.lang, exports_dir=shell.data_dir / "exports")
        self._picker: ft.FilePicker | None = None
        self._fresh = True  # computed just now: the first on_show need not read again

    def title(self) -> str:
        return self.t("reports.title")

    def on_show(self) -> None:
        if self._fresh:
            self._fresh = False
        else:
            self.vm.reload()

    def actions(self) -> list[ft.Control]:
        return [w.icon_button(ft.Icons.DOWNLOAD, self.t("reports.export"), self.act(self._export))]

    # --- body ---------------------------------------------------------------------------

    def content(self) -> list[ft.Control]:
        progress = [self._progress()] if self.vm.progress is not None else []
        return [
            w.muted(self.vm.freshness()),
            self._period(),
            *progress,
            self._coverage(),
            self._overdue(),
            self._response(),
            self._warnings(),
            self._trend(),
            self._categories(),
            self._workers(),
            self._teams(),
            self._indicators(),
            w.left(
                w.button(self.t("reports.export"), self.act(self._export), icon=ft.Icons.DOWNLOAD)
            ),
        ]

    def _progress(self) -> ft.Control:
        """The unfinished period counted to its end: due, visited so far, still to visit."""
        p = self.vm.progress
        assert p is not None
        return w.section(
            self.t("reports.progress", period=self.vm.period_label()),
            [
                ft.Row(
                    [
                        ft.Text(str(p.to_visit), size=36, weight=ft.FontWeight.BOLD),
                        ft.Text(
                            self.t("reports.still_to_visit", n=p.days_left), size=18, expand=True
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
                w.body(
                    self.t("reports.progress_line", due=p.due, visited=p.visited, left=p.to_visit),
                    size=w.SMALL,
                ),
                # Not the rate's red and amber: early in a period little is done yet.
                proportion_bar(p.visited / p.due if p.due else None, ft.Colors.TEAL),
            ],
        )

    def _period(self) -> ft.Control:
        vm = self.vm
        return w.section(
            self.t("reports.period"),
            [
                w.choice_group(vm.periods(), [vm.kind.value], self.act(self._kind)),
                ft.Row(
                    [
                        w.icon_button(
                            ft.Icons.CHEVRON_LEFT,
                            self.t("reports.earlier"),
                            self.act(self._earlier),
                        ),
                        ft.Text(vm.period_label(), size=18, weight=ft.FontWeight.BOLD),
                        ft.IconButton(
                            icon=ft.Icons.CHEVRON_RIGHT,
                            tooltip=self.t("reports.later"),
                            on_click=self.act(self._later),
                            icon_size=26,
                            disabled=not vm.can_go_later,
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
            ],
        )

    def _coverage(self) -> ft.Control:
        vm = self.vm
        scope = vm.scope_rate()
        tally = scope.tally
        crumbs = vm.crumbs()
        trail: list[ft.Control] = []
        for depth, name in crumbs[:-1]:
            trail.append(
                w.button(
                    self.t("reports.back_to", name=name),
                    self.act(lambda _e, d=depth: self._up(d)),
                    kind="text",
                    icon=ft.Icons.ARROW_BACK,
                )
            )
        summary = (
            self.t(
                "reports.rate_line",
                due=tally.total or 0,
                covered=tally.count,
                rate=rate_text(tally.rate),
            )
            if tally.total
            else self.t("reports.none_ended" if vm.progress is not None else "reports.no_due")
        )
        controls: list[ft.Control] = [
            w.left(*trail) if trail else ft.Container(height=0),
            ft.Row(
                [
                    ft.Text(
                        rate_text(tally.rate),
                        size=36,
                        weight=ft.FontWeight.BOLD,
                        color=rate_colour(tally.rate),
                    ),
                    ft.Text(crumbs[-1][1], size=18, expand=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            w.body(summary, size=w.SMALL),
        ]
        if vm.progress is not None:
            controls.append(w.muted(self.t("reports.ended_only")))
        controls.extend(self._area(line) for line in vm.areas())
        return w.section(vm.scoped(self.t("reports.coverage")), controls)

    def _area(self, line: AreaLine) -> ft.Control:
        return w.tappable(
            ft.Column(
                [
                    ft.Row(
                        [
                            ft.Text(line.name, size=18, weight=ft.FontWeight.BOLD, expand=True),
                            ft.Text(
                                rate_text(line.rate),
                                size=18,
                                weight=ft.FontWeight.BOLD,
                                color=rate_colour(line.rate),
                            ),
                        ]
                    ),
                    proportion_bar(line.rate),
                    w.muted(
                        self.t(
                            "reports.rate_line",
                            due=line.due,
                            covered=line.covered,
                            rate=rate_text(line.rate),
                        )
                    ),
                ],
                spacing=4,
                expand=True,
            ),
            self.act(lambda _e, code=line.code: self._drill(code)),
            self.t("reports.open_area", name=line.name),
        )

    def _overdue(self) -> ft.Control:
        vm = self.vm
        items = vm.overdue()
        controls: list[ft.Control] = [self._overdue_line(o) for o in items[: vm.overdue_shown]]
        if not items:
            controls.append(w.body(self.t("reports.no_overdue")))
        if len(items) > vm.overdue_shown:
            controls.append(
                w.button(
                    self.t("common.more", n=len(items) - vm.overdue_shown),
                    self.act(self._more),
                    kind="outlined",
                )
            )
        return w.section(vm.scoped(self.t("reports.overdue", n=len(items))), controls)

    def _overdue_line(self, item: OverdueLine) -> ft.Control:
        return w.tappable(
            ft.Column(
                [
                    ft.Row(
                        [
                            ft.Text(item.title, size=18, weight=ft.FontWeight.BOLD),
                            w.muted(item.village),
                            w.muted(self.t("reports.worker_is", name=item.worker)),
                        ],
                        wrap=True,
                        spacing=12,
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                    w.body(item.why, size=w.SMALL),
                ],
                spacing=4,
                expand=True,  # the reason wraps instead of running off the card
            ),
            self.act(lambda _e, h=item.household_id: self._open(h)),
            self.t("today.open", name=item.title),
        )

    def _response(self) -> ft.Control:
        """重大变故响应率 of the chosen area in the period, and of the areas below it."""
        vm = self.vm
        tally = vm.response().tally
        summary = (
            self.t(
                "reports.response_line",
                events=tally.total or 0,
                answered=tally.count,
                rate=rate_text(tally.rate),
            )
            if tally.total
            else self.t("reports.no_events")
        )
        controls: list[ft.Control] = [
            ft.Text(
                rate_text(tally.rate),
                size=28,
                weight=ft.FontWeight.BOLD,
                color=rate_colour(tally.rate),
            ),
            w.body(summary, size=w.SMALL),
            w.muted(self.t("reports.response_note", n=vm.ws.policy.major_event_response_days)),
        ]
        controls += [
            bar_line(
                line.name,
                line.rate,
                self.t(
                    "reports.response_point",
                    name=line.name,
                    events=line.due,
                    answered=line.covered,
                    rate=rate_text(line.rate),
                ),
            )
            for line in vm.response_areas()
        ]
        return w.section(
            vm.scoped(measure_label("major_event_response", lang=self.shell.lang)), controls
        )

    def _warnings(self) -> ft.Control:
        """The warnings (预警) today inside the chosen area, per area of the level."""
        overall, lines = self.vm.warnings_counted()
        lang = self.shell.lang
        kinds = "　".join(
            f"{label(kind, lang)} {overall.counts.get(kind, 0)}"
            for kind in WarningKind
            if overall.counts.get(kind, 0)
        )
        controls: list[ft.Control] = [
            ft.Text(self.t("today.warnings", n=overall.total), size=20, weight=ft.FontWeight.BOLD),
            w.body(kinds or self.t("reports.no_warnings"), size=w.SMALL),
        ]
        for line in lines:
            detail = "、".join(f"{label(kind, lang)} {n}" for kind, n in line.counts.items() if n)
            controls.append(
                ft.Semantics(
                    label=self.t("reports.warnings_point", name=line.name, n=line.total),
                    container=True,
                    content=ft.Column(
                        [
                            ft.Row(
                                [
                                    ft.Text(
                                        line.name, size=16, weight=ft.FontWeight.BOLD, expand=True
                                    ),
                                    ft.Text(str(line.total), size=16, weight=ft.FontWeight.BOLD),
                                ]
                            ),
                            w.muted(detail),
                        ],
                        spacing=2,
                    ),
                )
            )
        title = self.t("reports.warnings_title", area=self.vm.scope_name())
        return w.section(title, controls)

    def _trend(self) -> ft.Control:
        points = self.vm.trend
        chart = build_chart(lambda: line_chart(points), self.t("reports.trend_chart"))
        bars = [
            bar_line(
                p.period[2:], p.rate, self.t("reports.point", name=p.period, rate=rate_text(p.rate))
            )
            for p in points
        ]
        return w.section(
            self.t("reports.trend"), [w.muted(self.t("reports.trend_note")), *chart, *bars]
        )

    def _categories(self) -> ft.Control:
        lines = self.vm.categories()
        chart = build_chart(lambda: bar_chart(lines), self.t("reports.category_chart"))
        title = self.vm.scoped(self.t("reports.by_category"))
        return w.section(title, [*chart, *self._bars(lines)])

    def _workers(self) -> ft.Control:
        notes = [] if self.vm.staff_known else [w.muted(self.t("reports.no_staff"))]
        title = self.vm.scoped(self.t("reports.by_worker"))
        return w.section(title, [*notes, *self._bars(self.vm.workers())])

    def _teams(self) -> ft.Control:
        title = self.vm.scoped(self.t("reports.by_team"))
        return w.section(title, self._bars(self.vm.teams()))

    def _bars(self, lines: list[AreaLine]) -> list[ft.Control]:
        return [
            bar_line(
                line.name,
                line.rate,
                self.t("reports.point", name=line.name, rate=rate_text(line.rate)),
            )
            for line in lines
        ]

    def _indicators(self) -> ft.Control:
        vm = self.vm
        title = self.t("reports.indicators", year=vm.year)
        if not vm.indicators or vm.year not in vm.targets.years:
            return w.section(title, [w.body(self.t("reports.no_targets", year=vm.year))])
        note = w.muted(self.t("reports.indicators_note", year=vm.year, until=vm.indicators_until()))
        return w.section(title, [note, *[self._indicator(line) for line in vm.indicators]])

    def _indicator(self, line: IndicatorLine) -> ft.Control:
        value = "—" if line.value is None else f"{format_number(line.value)}{line.unit}"
        target = (
            self.t("reports.target", target=f"{line.target_text}{line.unit}")
            if line.target_text
            else self.t("reports.no_target")
        )
        status = label(line.status, self.shell.lang)
        return ft.Semantics(
            label=f"{line.name}：{value}，{target}，{status}",
            container=True,
            content=ft.Container(
                ft.Row(
                    [
                        w.pill(status, STATUS_COLOURS[line.status]),
                        ft.Column(
                            [
                                ft.Text(line.name, size=17, weight=ft.FontWeight.BOLD),
                                w.muted(f"{self.t('reports.value', value=value)} · {target}"),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
                padding=ft.Padding.symmetric(horizontal=12, vertical=10),
                border_radius=12,
                border=ft.Border.all(2, STATUS_COLOURS[line.status]),
            ),
        )

    # --- handlers -----------------------------------------------------------------------

    def _kind(self, value: str, _chosen: bool) -> None:
        self.vm.choose_kind(PeriodKind(value))
        self.refresh()

    def _earlier(self) -> None:
        self.vm.earlier()
        self.refresh()

    def _later(self) -> None:
        self.vm.later()
        self.refresh()

    def _drill(self, code: str) -> None:
        self.vm.drill(code)
        self.refresh()

    def _up(self, depth: int) -> None:
        self.vm.up(depth)
        self.refresh()

    def _more(self) -> None:
        self.vm.show_more()
        self.refresh()

    def _open(self, household_id: str) -> None:
        self.shell.open("household", household_id=household_id)

    async def _export(self) -> None:
        """The workbook goes to the person asking for it: a download in the browser, the
        share sheet on a phone or tablet (save to Downloads, send, …), a file of their
        choosing on a laptop. Never a file left on the machine serving the browser."""
        page = self.shell.page
        name = self.vm.file_name()
        if page.web:
            await self.picker().save_file(file_name=name, src_bytes=self.vm.workbook())
            self.vm.log_export()
            self.shell.snack(self.t("reports.downloaded", name=name), seconds=10)
        elif page.platform is not None and page.platform.is_mobile():
            share = ft.ShareFile.from_bytes(self.vm.workbook(), mime_type=XLSX_MIME, name=name)
            await ft.Share().share_files([share], subject=name)
            self.vm.log_export()
        else:
            chosen = await self.picker().save_file(
                dialog_title=self.t("reports.export"),
                file_name=name,
                file_type=ft.FilePickerFileType.CUSTOM,
                allowed_extensions=["xlsx"],
            )
            if not chosen:
                return  # cancelled
            self.shell.snack(
                self.t("reports.exported", path=str(self.vm.export(chosen))), seconds=10
            )

    def picker(self) -> ft.FilePicker:
        if self._picker is None:
            self._picker = ft.FilePicker()
        return self._picker


# --- charts and bars -------------------------------------------------------------------


def proportional(rate: float | None) -> int:
    """A rate as flex parts out of 1000 for a Container bar."""
    return 0 if rate is None else max(0, min(1000, round(rate * 1000)))


def proportion_bar(rate: float | None, colour: str | None = None) -> ft.Control:
    """A horizontal bar filled in proportion to `rate` (Containers only, always renders)."""
    filled = proportional(rate)
    parts: list[ft.Control] = []
    if filled:
        parts.append(
            ft.Container(bgcolor=colour or rate_colour(rate), expand=filled, border_radius=4)
        )
    if filled < 1000:
        parts.append(ft.Container(expand=1000 - filled))
    return ft.Container(
        ft.Row(parts, spacing=0),
        height=12,
        border_radius=4,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
    )


def bar_line(name: str, rate: float | None, label: str) -> ft.Control:
    """A named proportional bar with its rate, labelled for screen readers."""
    return ft.Semantics(
        label=label,
        container=True,
        content=ft.Row(
            [
                ft.Text(name, size=w.SMALL, width=110),
                ft.Container(proportion_bar(rate), expand=True),
                ft.Text(rate_text(rate), size=w.SMALL, width=64, text_align=ft.TextAlign.RIGHT),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
    )


def build_chart(make: Any, label: str) -> list[ft.Control]:
    """The chart `make()` returns, labelled; nothing if flet_charts cannot build it (the
    proportional bars beside it carry the same figures)."""
    try:
        chart = make()
    except Exception as exc:
        log.info("chart not built: %s", type(exc).__name__)
        return []
    return [ft.Semantics(label=label, container=True, content=chart)]


def _axis_label(value: float, text: str) -> Any:
    import flet_charts as fch

    return fch.ChartAxisLabel(value=value, label=ft.Text(text, size=12))


def line_chart(points: list[Any]) -> ft.Control:
    import flet_charts as fch

    spots = [
        fch.LineChartDataPoint(i, round(p.rate * 100, 1), tooltip=f"{p.period} {rate_text(p.rate)}")
        for i, p in enumerate(points)
        if p.rate is not None
    ]
    return fch.LineChart(
        data_series=[
            fch.LineChartData(
                points=spots, color=ft.Colors.TEAL, stroke_width=3, curved=False, point=True
            )
        ],
        min_x=0,
        max_x=max(len(points) - 1, 1),
        min_y=0,
        max_y=100,
        left_axis=fch.ChartAxis(
            labels=[_axis_label(v, f"{v}%") for v in (0, 50, 100)], label_size=44
        ),
        bottom_axis=fch.ChartAxis(
            labels=[
                _axis_label(i, f"{int(p.period[5:])}月")
                for i, p in enumerate(points)
                if i % 2 == 0 or i == len(points) - 1
            ],
            label_size=28,
        ),
        horizontal_grid_lines=fch.ChartGridLines(interval=25, color=ft.Colors.OUTLINE_VARIANT),
        height=CHART_HEIGHT,
        expand=True,
    )


def bar_chart(lines: list[AreaLine]) -> ft.Control:
    import flet_charts as fch

    groups = [
        fch.BarChartGroup(
            x=i,
            rods=[
                fch.BarChartRod(
                    from_y=0,
                    to_y=round((line.rate or 0) * 100, 1),
                    width=22,
                    color=rate_colour(line.rate),
                    border_radius=4,
                    tooltip=f"{line.name} {rate_text(line.rate)}",
                )
            ],
        )
        for i, line in enumerate(lines)
    ]
    return fch.BarChart(
        groups=groups,
        min_y=0,
        max_y=100,
        left_axis=fch.ChartAxis(
            labels=[_axis_label(v, f"{v}%") for v in (0, 50, 100)], label_size=44
        ),
        bottom_axis=fch.ChartAxis(
            labels=[_axis_label(i, line.name[:4]) for i, line in enumerate(lines)],
            label_size=28,
        ),
        horizontal_grid_lines=fch.ChartGridLines(interval=25, color=ft.Colors.OUTLINE_VARIANT),
        height=CHART_HEIGHT,
        expand=True,
    )
