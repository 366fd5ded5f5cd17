"""The platform keystore: a few small secrets kept outside the data directory.

A sandbox's key-encryption key mixes the PIN with a 256-bit secret held here, and the
wrong-PIN counter lives here too, so neither a copied data directory nor an edited or
restored ``keys.json`` helps anyone guess the PIN offline or undo a lock-out. What each
keystore protects against (the README's security section says the same):

- ``secure-storage`` — flet-secure-storage on Android (the Android Keystore; the iOS
  Keychain): the secret never leaves the tablet's keystore, so the data directory alone
  (a backup, a copied SD card, a rooted file browser without the app's keystore) gives
  nothing to guess against. It is a Flet service and exists only while the app's UI runs:
  `app.ui.secure_storage` hands it to the store.
- ``keyring`` — the desktop's OS keyring (Windows Credential Locker, macOS Keychain, the
  Secret Service of a Linux desktop) through the `keyring` package: it keeps the secret
  from whoever copies the data directory, not from someone logged in as the same OS user.
  A headless Linux has no keyring daemon and so no keystore.
- ``development`` — a directory of plain files named by DOORSTEP_DEV_KEYSTORE, for the
  demo and the tests only: it protects nothing from whoever can read that directory. It
  is used only when that variable names it, never by default.

With no keystore (the browser build, a headless machine) the data directory is all there
is, so the sandbox asks for a longer passphrase instead of a PIN (`app.store.sandbox`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from app.store.errors import SandboxError

SECURE_STORAGE = "secure-storage"
KEYRING = "keyring"
DEVELOPMENT = "development"
DEV_KEYSTORE_ENV = "DOORSTEP_DEV_KEYSTORE"
SERVICE = "doorstep"
# The device-level key that seals worker names in keys.json (the start screen's list).
NAMES_ENTRY = "doorstep.names"


class KeystoreUnavailable(SandboxError):
    """The keystore a sandbox needs cannot be reached in this process."""

    default_code = "keystore.unavailable"


class Keystore(Protocol):
    """Named string values kept outside the data directory; `kind` is a stable code."""

    kind: str

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def remove(self, name: str) -> None: ...


def secret_entry(sandbox_id: str) -> str:
    """The entry holding the sandbox's 256-bit KEK secret (base64)."""
    return f"doorstep.{sandbox_id}.secret"


def attempts_entry(sandbox_id: str) -> str:
    """The entry holding the sandbox's wrong-PIN counter (JSON)."""
    return f"doorstep.{sandbox_id}.attempts"


class KeyringKeystore:
    """The OS keyring through the `keyring` package (service ``doorstep``)."""

    kind = KEYRING

    def __init__(self) -> None:
        import keyring

        self._backend = keyring.get_keyring()

    @classmethod
    def available(cls) -> KeyringKeystore | None:
        """The OS keyring, or None where there is none (headless Linux, the fail backend)."""
        try:
            import keyring
            from keyring.backends import chainer, fail, null

            backend = keyring.get_keyring()
        except Exception:  # no package, a broken backend, no D-Bus: no keyring here
            return None
        if isinstance(backend, fail.Keyring | null.Keyring):
            return None
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return None
        if backend.priority < 1:  # keyring's mark for plain-file backends (keyrings.alt)
            return None
        return cls()

    def get(self, name: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE, name)
        except Exception as exc:
            raise KeystoreUnavailable("keystore.read") from exc

    def put(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(SERVICE, name, value)
        except Exception as exc:
            raise KeystoreUnavailable("keystore.write") from exc

    def remove(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            self._backend.delete_password(SERVICE, name)


class DevelopmentKeystore:
    """DEVELOPMENT ONLY: one plain file per entry in a directory outside the data dir.

    For `doorstep demo` and the tests, which need a PIN on a machine with no keystore.
    Anyone who can read the directory has the secrets: never use it for real data.
    """

    kind = DEVELOPMENT

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_env(cls) -> DevelopmentKeystore | None:
        """The development keystore DOORSTEP_DEV_KEYSTORE names, if it names one."""
        path = os.environ.get(DEV_KEYSTORE_ENV, "").strip()
        return cls(Path(path)) if path else None

    def _path(self, name: str) -> Path:
        if not name.replace(".", "").replace("-", "").isalnum():
            raise ValueError(f"bad keystore entry name {name!r}")
        return self.directory / name

    def get(self, name: str) -> str | None:
        try:
            return self._path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def put(self, name: str, value: str) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self._path(name)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
        os.replace(tmp, target)

    def remove(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


def default_keystore() -> Keystore | None:
    """The keystore for a new sandbox in this process: the development one when
    DOORSTEP_DEV_KEYSTORE names it, else the OS keyring when there is one, else none."""
    return DevelopmentKeystore.from_env() or KeyringKeystore.available()


def keystore_for(kind: str) -> Keystore | None:
    """The keystore of `kind` if this process can reach it without the UI."""
    if kind == DEVELOPMENT:
        return DevelopmentKeystore.from_env()
    if kind == KEYRING:
        return KeyringKeystore.available()
    return None  # secure storage lives in the UI, which passes it in
