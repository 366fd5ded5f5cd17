"""Settings (设置): language, server address, lock time, PIN change, sign out, wipe device."""

from __future__ import annotations

from pathlib import Path

from app.store.sandbox import list_sandboxes
from app.ui.catalogue import LANGUAGES, label, text
from app.ui.viewmodels.device import LOCK_CHOICES, DeviceSettings, check_server_url
from app.ui.viewmodels.errors import UserError, user_message
from app.ui.viewmodels.workspace import Workspace


class SettingsVM:
    """Device settings and the signed-in worker's account actions."""

    def __init__(self, workspace: Workspace, settings: DeviceSettings, data_dir: Path) -> None:
        self.ws = workspace
        self.settings = settings
        self.data_dir = data_dir
        self.enrolled_url = workspace.sync.server_address()
        self.server_url = settings.server_url or self.enrolled_url
        self.old_pin = ""
        self.new_pin = ""
        self.new_pin_again = ""
        self.errors: dict[str, str] = {}
        self.message = ""

    @property
    def lang(self) -> str:
        return self.settings.language

    def who(self) -> str:
        p = self.ws.profile
        return f"{p.name} · {label(p.team, self.lang)} · {label(p.role, self.lang)}"

    def areas(self) -> str:
        """The areas I serve by name (安地镇、岩头村), as the county named them."""
        names = [self.ws.area_name(s) for s in self.ws.profile.scopes]
        return "、".join(names) or text("settings.no_areas", self.lang)

    def server_line(self) -> str:
        """Which server this device syncs with, and whether it is the enrolled one."""
        if not self.enrolled_url and not self.settings.server_url:
            return text("settings.server_none", self.lang)
        if self.settings.server_url and self.settings.server_url != self.enrolled_url:
            return text("settings.server_override", self.lang, url=self.settings.server_url)
        return text("settings.server_enrolled", self.lang, url=self.enrolled_url)

    def lock_choices(self) -> list[tuple[int, str]]:
        return [(m, text("settings.minutes", self.lang, n=m)) for m in LOCK_CHOICES]

    def set_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.settings.language = lang
            self.settings.save(self.data_dir)

    def set_large_text(self, on: bool) -> None:
        """大字（适老化）: every screen's text 1.25× larger on this device."""
        self.settings.large_text = on
        self.settings.save(self.data_dir)

    def set_lock_minutes(self, minutes: int) -> None:
        if minutes in LOCK_CHOICES:
            self.settings.lock_minutes = minutes
            self.ws.lock_minutes = minutes
            self.settings.save(self.data_dir)

    def save_server(self) -> bool:
        """Use another server address (the county moved it); empty = the enrolled one."""
        self.errors, self.message = {}, ""
        url = self.server_url.strip()
        try:
            checked = check_server_url(url) if url else ""
            # The enrolled address again is no override: a later change at the county's
            # enrolment record (re-enrolment) then takes effect.
            self.settings.server_url = "" if checked == self.enrolled_url else checked
            self.server_url = checked or self.enrolled_url
        except Exception as exc:
            self.errors["server_url"] = user_message(exc, self.lang)
            return False
        self.settings.save(self.data_dir)
        self.message = text("settings.saved", self.lang)
        return True

    def change_pin(self) -> bool:
        """Re-wrap the data key under the new PIN; nothing is re-encrypted."""
        self.errors, self.message = {}, ""
        try:
            self.ws.sandbox.check_new_pin(self.new_pin)
        except Exception as exc:
            self.errors["new_pin"] = user_message(exc, self.lang)
        if self.new_pin != self.new_pin_again:
            self.errors["new_pin_again"] = text("start.pin_mismatch", self.lang)
        if not self.old_pin:
            self.errors["old_pin"] = text("form.required", self.lang)
        if self.errors:
            return False
        try:
            self.ws.sandbox.change_pin(self.old_pin, self.new_pin)
        except Exception as exc:
            self.errors["old_pin"] = user_message(exc, self.lang)
            return False
        finally:
            self.old_pin = self.new_pin = self.new_pin_again = ""
        self.message = text("settings.pin_changed", self.lang)
        return True

    def sign_out(self) -> None:
        self.ws.lock()

    def wipe_device(self, pin: str) -> bool:
        """Delete every worker's data on this device, after the signed-in worker's PIN."""
        self.message = ""
        try:
            if not pin:
                raise UserError(text("settings.wipe_pin", self.lang))
            self.ws.sandbox.unlock(pin)
            self.ws.lock()
            # The signed-in worker's keystore, so the wiped accounts' secrets go too.
            for sandbox in list_sandboxes(self.data_dir, self.ws.sandbox.keystore):
                sandbox.wipe()
            (self.data_dir / "settings.json").unlink(missing_ok=True)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        return True
