"""Start screen (开始): choose the worker, unlock with the PIN pad, or enrol this device.

Several workers share one tablet: each has a sandbox of their own, listed by name (the
masked name where the device has no keystore, see `app.store.sandbox`). A new worker
enrols with the county server's address and a one-time code, and sets a PIN — or, on a
device with no keystore (the browser build, a headless machine), a passphrase of letters
and digits, typed on the keyboard instead of the PIN pad.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from app.domain.errors import DoorstepError
from app.domain.policy import VisitPolicy
from app.store.errors import SandboxError, StoreError, TryLater
from app.store.keystore import Keystore, default_keystore
from app.store.sandbox import (
    LOCKOUT_AFTER,
    MAX_PIN_LENGTH,
    MIN_PIN_LENGTH,
    Sandbox,
    list_sandboxes,
    open_store,
    validate_pin,
)
from app.ui.catalogue import text
from app.ui.viewmodels.device import DeviceSettings, check_server_url
from app.ui.viewmodels.errors import user_message

if TYPE_CHECKING:
    from app.ui.viewmodels.workspace import Workspace

QR_PREFIX = "doorstep:enroll?"  # what the enrolment QR code holds (sync.client.parse_code)
Enroll = Callable[[Path, str, str, str], Sandbox]


def default_enroll(keystore: Keystore | None) -> Enroll | None:
    """The sync client's `enroll` under this device's keystore, when this build has it."""
    try:
        from sync.enrolment import enroll
    except ImportError:
        return None
    return partial(enroll, keystore=keystore)


@dataclass(frozen=True)
class Account:
    sandbox_id: str
    worker_name: str
    passphrase: bool = False  # no keystore protects it: letters allowed, no PIN pad


class StartVM:
    """Accounts on this device, the PIN being typed, the enrolment form, and the message."""

    def __init__(
        self,
        data_dir: Path,
        settings: DeviceSettings,
        *,
        policy: VisitPolicy | None = None,
        enroll: Enroll | None = None,
        clock: Callable[[], datetime] = datetime.now,
        keystore: Keystore | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.policy = policy
        # The keystore this device offers (the UI's secure storage on Android, else the
        # OS keyring); None: there is none, and a new account needs a passphrase.
        self.keystore = keystore if keystore is not None else default_keystore()
        self.enroll_fn = enroll if enroll is not None else default_enroll(self.keystore)
        self.clock = clock
        self.accounts: list[Account] = []
        self.selected: str | None = None
        self.pin = ""
        self.message = ""
        self.enrolling = False
        self.server_url = settings.server_url
        self.code = ""
        self.new_pin = ""
        self.new_pin_again = ""
        self.errors: dict[str, str] = {}
        self.refresh()

    @property
    def lang(self) -> str:
        return self.settings.language

    def refresh(self) -> None:
        """Re-read the accounts; select the only one, or keep the current choice."""
        try:
            sandboxes = list_sandboxes(self.data_dir, self.keystore)
        except StoreError as exc:
            self.accounts, self.message = [], user_message(exc, self.lang)
            return
        self.accounts = [
            Account(s.info.sandbox_id, s.worker_name, s.uses_passphrase) for s in sandboxes
        ]
        ids = {a.sandbox_id for a in self.accounts}
        if self.selected not in ids:
            self.selected = self.accounts[0].sandbox_id if len(self.accounts) == 1 else None
        self.enrolling = not self.accounts

    @property
    def selected_name(self) -> str:
        return next((a.worker_name for a in self.accounts if a.sandbox_id == self.selected), "")

    @property
    def passphrase(self) -> bool:
        """The selected account opens with a passphrase typed on the keyboard."""
        return any(a.passphrase for a in self.accounts if a.sandbox_id == self.selected)

    @property
    def enrol_passphrase(self) -> bool:
        """A new account on this device needs a passphrase: there is no keystore."""
        return self.keystore is None

    def select(self, sandbox_id: str) -> None:
        self.selected, self.pin, self.message = sandbox_id, "", ""

    # --- the PIN pad -----------------------------------------------------------------

    def press(self, digit: str) -> None:
        if digit.isdigit() and len(digit) == 1 and len(self.pin) < MAX_PIN_LENGTH:
            self.pin += digit

    def backspace(self) -> None:
        self.pin = self.pin[:-1]

    def set_pin(self, value: str) -> None:
        """Typed on a keyboard: digits only (any character for a passphrase), bounded."""
        kept = value if self.passphrase else "".join(c for c in value if c.isdigit())
        self.pin = kept[:MAX_PIN_LENGTH]

    def _sandbox(self) -> Sandbox:
        assert self.selected is not None
        return Sandbox(
            self.data_dir / "sandboxes" / self.selected,
            self.keystore,
            clock=lambda: self.clock().timestamp(),
        )

    def wait_seconds(self) -> int:
        """Seconds before the selected worker may try a PIN again (0: now)."""
        if self.selected is None:
            return 0
        try:
            attempts = self._sandbox().attempts
        except StoreError:
            return 0
        return attempts.wait_seconds(self.clock().timestamp())

    def notice(self) -> str:
        """What the PIN pad says before the next try, read afresh each second: the wait
        counting down, or that one more wrong PIN locks the account out."""
        wait = self.wait_seconds()
        if wait > 0:
            return text("start.wait", self.lang, n=wait)
        if self.selected is None:
            return ""
        try:
            attempts = self._sandbox().attempts
        except StoreError:
            return ""
        if not attempts.locked_out and attempts.failed == LOCKOUT_AFTER - 1:
            return text("start.last_try", self.lang)
        return ""

    @property
    def pin_dots(self) -> str:
        return "●" * len(self.pin)

    def unlock(self) -> Workspace | None:
        """Open the selected sandbox with the PIN; on failure the message says why."""
        self.message = ""
        if self.selected is None:
            self.message = text("start.choose_worker", self.lang)
            return None
        if len(self.pin) < MIN_PIN_LENGTH:
            self.message = text("start.pin_short", self.lang, n=MIN_PIN_LENGTH)
            return None
        pin, self.pin = self.pin, ""
        try:
            sandbox = self._sandbox()
            store = open_store(sandbox, sandbox.unlock(pin))
        except TryLater:
            return None  # `notice()` counts the wait down
        except Exception as exc:  # every failure becomes a sentence on the screen
            self.message = user_message(exc, self.lang)
            return None
        from app.ui.viewmodels.workspace import Workspace

        try:
            return Workspace(
                sandbox,
                store,
                policy=self.policy,
                lock_minutes=self.settings.lock_minutes,
                clock=self.clock,
            )
        except Exception as exc:
            store.close()
            self.message = user_message(exc, self.lang)
            return None

    # --- enrolment -------------------------------------------------------------------

    def set_code(self, value: str) -> None:
        """The one-time code as typed, or the text of the enrolment QR code pasted
        (doorstep:enroll?code=…&server=…), whose server address fills an empty field."""
        self.code = value
        if value.strip().startswith(QR_PREFIX):
            query = parse_qs(value.strip()[len(QR_PREFIX) :])
            server = query.get("server", [""])[0]
            if server and not self.server_url.strip():
                self.server_url = server

    def read_code_image(self, image: bytes) -> str | None:
        """Fill the code (and an empty server address) from a photo or image file of the
        enrolment QR code: None when it did, else the sentence saying why not. Safe to
        run off the page's loop (it touches only this view-model's fields)."""
        from app.scanning import read_qr

        try:
            found = read_qr(image).strip()
        except DoorstepError as exc:
            return user_message(exc, self.lang)
        if not found.startswith(QR_PREFIX):
            return text("start.qr_not_enrolment", self.lang)
        self.errors.pop("code", None)
        self.set_code(found)
        return None

    def start_enrolling(self) -> None:
        self.enrolling, self.message, self.errors = True, "", {}

    def cancel_enrolling(self) -> None:
        if self.accounts:
            self.enrolling, self.message, self.errors = False, "", {}

    def enrol(self) -> Workspace | None:
        """Enrol this device for a worker with the county's one-time code, then unlock."""
        self.errors, self.message = {}, ""
        self.set_code(self.code)
        if not self.server_url.strip():
            self.errors["server_url"] = text("form.required", self.lang)
        else:
            try:
                self.server_url = check_server_url(self.server_url)
            except Exception as exc:
                self.errors["server_url"] = user_message(exc, self.lang)
        if not self.code.strip():
            self.errors["code"] = text("form.required", self.lang)
        try:
            validate_pin(self.new_pin, self.keystore)
        except SandboxError as exc:
            self.errors["new_pin"] = user_message(exc, self.lang)
        if self.new_pin != self.new_pin_again:
            self.errors["new_pin_again"] = text("start.pin_mismatch", self.lang)
        if self.errors:
            self.message = text("form.fix_fields", self.lang)
            return None
        if self.enroll_fn is None:
            self.message = text("sync.unavailable", self.lang)
            return None
        try:
            sandbox = self.enroll_fn(
                self.data_dir, self.server_url.strip(), self.code.strip(), self.new_pin
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        self.refresh()
        self.select(sandbox.info.sandbox_id)
        self.pin = self.new_pin
        self.new_pin = self.new_pin_again = self.code = ""
        return self.unlock()
