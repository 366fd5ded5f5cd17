"""The app shell: one per browser tab or app window.

It owns the page (theme, bundled font, views), the navigation stack and the route table,
messages (snackbars), the idle lock, and the unlocked workspace. Screens never catch errors
themselves: every handler goes through `handler()`, which turns any error into a Chinese
message. Screens see the shell as a `Host` (app/ui/views/base.py) and navigate by route
name; only this module knows which screen a name opens.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import flet as ft

from app.ui import widgets as w
from app.ui.catalogue import text
from app.ui.viewmodels.device import DeviceSettings
from app.ui.viewmodels.errors import user_message
from app.ui.views.base import DESTINATIONS, WIDE, Host, Screen

if TYPE_CHECKING:
    from app.domain.policy import VisitPolicy
    from app.store.keystore import Keystore
    from app.ui.viewmodels.start import Enroll
    from app.ui.viewmodels.sync import SyncerFactory
    from app.ui.viewmodels.workspace import Workspace

log = logging.getLogger("doorstep.ui")
Fitted = TypeVar("Fitted", bound=ft.BaseControl)

IDLE_CHECK_S = 5.0
RARE_FONTS_AFTER_S = 1.0  # the first screen is drawn before the large fallback fonts load
DIALOG_GONE_S = 2.0  # the longest a change of screen waits for a closing dialog to go
REPORTS_DESTINATION = ("reports", ft.Icons.INSIGHTS_OUTLINED, ft.Icons.INSIGHTS, "nav.reports")


@dataclass(frozen=True)
class Route:
    """Where the screen of one route name lives; its module is imported on first use."""

    module: str
    screen: str

    def load(self) -> type[Screen]:
        screen: type[Screen] = getattr(importlib.import_module(self.module), self.screen)
        return screen


# The route table: every screen by name, with the parameters its constructor takes after
# the host. A screen's `key` is its name here.
ROUTES: dict[str, Route] = {
    "start": Route("app.ui.views.start", "StartScreen"),  # message
    "today": Route("app.ui.views.today", "TodayScreen"),
    "households": Route("app.ui.views.households", "HouseholdsScreen"),
    "household-new": Route("app.ui.views.households", "NewHouseholdScreen"),
    "discoveries": Route("app.ui.views.discoveries", "DiscoveriesScreen"),
    "campaigns": Route("app.ui.views.campaigns", "CampaignsScreen"),
    "campaign-new": Route("app.ui.views.campaigns", "CampaignFormScreen"),
    "campaign": Route("app.ui.views.campaigns", "CampaignScreen"),  # campaign_id
    "household": Route("app.ui.views.household", "HouseholdScreen"),  # household_id
    "household-edit": Route("app.ui.views.register", "HouseholdEditScreen"),  # household_id
    "visit-new": Route("app.ui.views.visit", "NewVisitScreen"),  # household_id, kind
    "consent": Route("app.ui.views.consent", "ConsentScreen"),  # household_id
    "referral": Route("app.ui.views.referral", "ReferralScreen"),  # household_id, need_id
    "needs": Route("app.ui.views.needs", "NeedsScreen"),
    "wishes": Route("app.ui.views.needs", "WishesScreen"),
    "reports": Route("app.ui.views.reports", "ReportsScreen"),
    "settings": Route("app.ui.views.settings", "SettingsScreen"),
    "sync-problems": Route("app.ui.views.sync", "SyncProblemsScreen"),
}

# Imported in the background while the start screen shows, so the app serves its first
# page sooner and the unlock does not wait for them either.
LATER = ("app.ui.viewmodels.workspace", *dict.fromkeys(r.module for r in ROUTES.values()))


def _preload() -> None:
    for name in LATER:
        importlib.import_module(name)


class Shell:
    """Navigation, messages, idle lock and the current workspace for one page."""

    def __init__(
        self,
        page: ft.Page,
        data_dir: Path,
        *,
        clock: Callable[[], datetime] = datetime.now,
        syncer: SyncerFactory | None = None,
        enroll: Enroll | None = None,
        policy: VisitPolicy | None = None,
        keystore: Keystore | None = None,
    ) -> None:
        self.page = page
        self.data_dir = data_dir
        self.clock = clock
        self.syncer = syncer
        self.enroll = enroll
        self.keystore = keystore  # None: the OS keyring where there is one (StartVM)
        self.policy = policy  # None: the county's policy file, read at unlock
        self.settings = DeviceSettings.load(data_dir)
        self.ws: Workspace | None = None
        self.sync_bar: Any = None
        self.stack: list[Screen] = []
        self._idle_task: Any = None
        self._theme_scale = 1.0  # the text size the page's theme was made for
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    # --- page setup -----------------------------------------------------------------

    def start(self) -> None:
        page = self.page
        page.title = self.t("app.title")
        page.fonts = {w.FONT: w.FONT_FILE}
        page.theme = w.theme()
        page.locale_configuration = w.locale(self.lang)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.on_view_pop = self.handler(self._on_view_pop)
        page.on_resize = self.handler(self._on_resize)
        page.on_keyboard_event = lambda _e: self.touch()
        page.on_close = lambda _e: self.close()
        self._wide = self.wide
        self.show_start()
        page.run_task(self._load_rare_fonts)
        threading.Thread(target=_preload, name="doorstep-preload", daemon=True).start()

    async def _load_rare_fonts(self) -> None:
        """Register the fallback fonts for 生僻字 once the first screen is up."""
        await asyncio.sleep(RARE_FONTS_AFTER_S)
        if not self.closed:
            self.page.fonts = {w.FONT: w.FONT_FILE, **w.RARE_FONTS}
            self.page.update()

    @property
    def lang(self) -> str:
        return self.settings.language

    def t(self, key: str, **values: Any) -> str:
        return text(key, self.lang, **values)

    @property
    def width(self) -> float:
        return float(self.page.width or 0)

    @property
    def wide(self) -> bool:
        return self.width >= WIDE

    def _on_resize(self, _e: Any) -> None:
        if self.wide != self._wide:
            self._wide = self.wide
            self.render()

    # --- navigation -----------------------------------------------------------------

    def render(self) -> None:
        """Rebuild the views of the stack (after navigation, a resize or a language change)."""
        self.page.locale_configuration = w.locale(self.lang)
        self.page.views.clear()
        for screen in self.stack:
            self.page.views.append(self.fit_text(screen.build_view()))
        self.page.update()

    def fit_text(self, control: Fitted) -> Fitted:
        """Apply the device's text size (大字, 适老化) to a view or dialog, and to the
        navigation's labels (the theme); `w.update` does the same for each part a screen
        updates."""
        if self.settings.large_text:
            w.set_text_scale(self.page, w.LARGE_TEXT)
        elif w.text_scale(self.page) is not None:
            w.set_text_scale(self.page, 1.0)  # back to normal: restore what was enlarged
        factor = w.text_scale(self.page)
        if factor is not None:
            w.enlarge(control, factor)
            if self._theme_scale != factor:
                self._theme_scale = factor
                self.page.theme = w.theme(factor)
        return control

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        """Show a dialog (or snackbar) with its text at the device's size."""
        self.page.show_dialog(self.fit_text(dialog))

    def pop_dialog(self, then: Callable[[], None] | None = None) -> None:
        """Close the dialog on top; `then` (a change of screen) runs once it is gone.

        Not Flet's `page.pop_dialog` alone, for two reasons. It closes the topmost open
        dialog even when that is a snackbar shown over a dialog, leaving the dialog up.
        And a screen opened in the same tap (继续填写 on the unsaved-forms offer opens the
        form) went above the dialog before Flutter took the dialog down: the dialog stayed
        under the form and came back, stale, when the form was saved and closed. So the
        screen changes only after Flutter reports the dialog dismissed (or after
        `DIALOG_GONE_S`, when that report never comes, and the dialog is then let go)."""
        stack = self.page._dialogs.controls  # Flet has no public handle on its dialog stack
        dialog = next(
            (d for d in reversed(stack) if d.open and not isinstance(d, ft.SnackBar)), None
        )
        if dialog is None:
            if then is not None:
                then()
            return
        dialog.open = False
        dialog.update()
        if then is not None:
            self.page.run_task(self._after_dialog, dialog, self.handler(then))

    async def _after_dialog(self, dialog: ft.DialogControl, then: Callable[[], None]) -> None:
        dialogs = self.page._dialogs
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DIALOG_GONE_S
        while dialog in dialogs.controls and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if self.closed:
            return  # the tab is gone
        if dialog in dialogs.controls and not dialog.open:
            dialogs.controls.remove(dialog)  # Flutter never said: let it go all the same
            dialogs.update()
        then()

    def screen(self, route: str, **params: Any) -> Screen:
        """A new screen for the route named `route` (see `ROUTES`), built with `params`."""
        host: Host = self
        return ROUTES[route].load()(host, **params)

    def open(self, route: str, **params: Any) -> None:
        """Open the screen named `route` over the current one."""
        self._push(self.screen(route, **params))

    def open_instead(self, route: str, **params: Any) -> None:
        """Open the screen named `route` in the current one's place (back skips it)."""
        screen = self.screen(route, **params)
        self.stack.pop()
        self._push(screen)

    def go_to(self, route: str) -> None:
        """Make the top-level screen named `route` the only one."""
        self._replace(self.screen(route))

    def reread(self) -> None:
        """The current screen re-reads its view-model and is redrawn (after a sync)."""
        if self.stack:
            self.stack[-1].on_show()
            self.stack[-1].refresh()

    def _replace(self, screen: Screen) -> None:
        self.stack = [screen]
        screen.on_show()
        self.render()

    def _push(self, screen: Screen) -> None:
        """Only the new view is built and sent; the ones below stay as they are."""
        in_step = self._views_match_stack()
        self.stack.append(screen)
        screen.on_show()
        if not in_step:
            self.render()
            return
        self.page.views.append(self.fit_text(screen.build_view()))
        self.page.update()

    def pop(self) -> None:
        """Back to the previous screen, which re-reads what may have changed (only its view
        is rebuilt: the screens below it are as they were)."""
        if len(self.stack) > 1:
            in_step = self._views_match_stack()
            self.stack.pop()
            top = self.stack[-1]
            top.on_show()
            if not in_step:
                self.render()
                return
            self.page.views.pop()
            # The view below stays; only its body is rebuilt from what on_show re-read
            # (parts with keys are matched to what the page shows: only changes are sent).
            top.body.controls = top.content()
            self.fit_text(self.page.views[-1])
            self.page.update()

    def _views_match_stack(self) -> bool:
        """Whether the page holds exactly the views of the stack (a resize or language
        change rebuilds everything, and `open_instead` drops a screen whose view stays)."""
        views = self.page.views
        return len(views) == len(self.stack) and all(
            v is s.view for v, s in zip(views, self.stack, strict=True)
        )

    def _on_view_pop(self, _e: Any) -> None:
        self.pop()

    def destinations(self) -> tuple[tuple[str, Any, Any, str], ...]:
        """The navigation's destinations: 统计 only for coordinators, supervisors, admins."""
        if self.ws is not None and self.ws.profile.is_coordinator:
            return (*DESTINATIONS[:-1], REPORTS_DESTINATION, DESTINATIONS[-1])
        return DESTINATIONS

    def show_start(self, message: str = "") -> None:
        """The start screen (unlock, enrol) as the only one, with `message` on it."""
        self.sync_bar = None
        self._replace(self.screen("start", message=message))

    # --- the workspace ----------------------------------------------------------------

    def unlocked(self, ws: Workspace) -> None:
        """A worker unlocked: open Today, build the name index in the background."""
        from app.ui.views.sync import SyncBar
        from app.ui.views.visit import offer_kept_visits

        self.ws = ws
        self.sync_bar = SyncBar(self)
        self.go_to("today")
        offer_kept_visits(self)
        self.background(asyncio.to_thread(self._warm_up, ws))
        self.background(self.sync_bar.check_online())
        if self._idle_task is None:
            self._idle_task = self.background(self._idle_watch())

    def background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine on the page's loop (handlers run there); errors are logged."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.snack(user_message(task.exception() or Exception(), self.lang), error=True)

    @staticmethod
    def _warm_up(ws: Workspace) -> None:
        try:
            ws.warm_up()
        except Exception as exc:  # a locked store or damaged rows: searching will say so
            log.info("search index not built in advance: %s", type(exc).__name__)

    def lock(self, message: str = "") -> None:
        """Lock now: forget the key and go back to the start screen."""
        if self.ws is not None:
            self.ws.lock()
            self.ws = None
        self.show_start(message)

    def close(self) -> None:
        """The tab or window is gone: lock, and stop watching for idleness."""
        self.closed = True
        if self.ws is not None:
            self.ws.lock()
            self.ws = None

    def touch(self) -> None:
        if self.ws is not None:
            self.ws.touch()

    async def _idle_watch(self) -> None:
        while not self.closed:
            await asyncio.sleep(IDLE_CHECK_S)
            ws = self.ws
            syncing = self.sync_bar is not None and self.sync_bar.vm.syncing
            if ws is not None and not syncing and ws.idle_expired():
                self.lock(self.t("start.locked_idle"))

    # --- messages and handlers --------------------------------------------------------

    def snack(self, message: str, *, error: bool = False, seconds: int | None = None) -> None:
        """A message at the bottom: 4 s, errors 6 s, or `seconds` for one worth reading
        twice (a file name to find again)."""
        if not message:
            return
        self.show_dialog(
            ft.SnackBar(
                content=ft.Text(message, size=17),
                bgcolor=ft.Colors.RED_700 if error else None,
                show_close_icon=True,
                duration=ft.Duration(seconds=seconds or (6 if error else 4)),
            )
        )

    def handler(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """An event handler that counts as activity and turns every error into a message.

        It passes on as many arguments as `fn` takes (Flet passes the event)."""
        sig = inspect.signature(fn).parameters.values()
        takes = 99 if any(p.kind == p.VAR_POSITIONAL for p in sig) else len(sig)

        if inspect.iscoroutinefunction(fn):

            async def run_async(*args: Any) -> None:
                self.touch()
                try:
                    await fn(*args[:takes])
                except Exception as exc:
                    self.snack(user_message(exc, self.lang), error=True)

            return run_async

        def run(*args: Any) -> None:
            self.touch()
            try:
                fn(*args[:takes])
            except Exception as exc:
                self.snack(user_message(exc, self.lang), error=True)

        return run
