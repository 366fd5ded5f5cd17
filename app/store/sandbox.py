"""Worker sandboxes: one encrypted SQLite file per worker account on a device.

Layout: ``DATA_DIR/sandboxes/<sandbox id>/keys.json`` (the wrapped data key, the scrypt
salt and cost, the escrow) and ``store.db`` (with its -wal and -shm). Directories are
0700 and every file 0600, tightened again each time a sandbox is opened. keys.json holds
nothing personal and is replaced atomically (write, fsync, rename).

The key-encryption key comes from the PIN with scrypt, mixed with a secret from the
platform keystore (`app.store.keystore`) when there is one; the wrong-PIN counter lives in
that keystore too, so an edited or restored keys.json does not undo a lock-out. With no
keystore the data directory is all an attacker needs, so a new sandbox there takes a
passphrase, not a PIN (`validate_pin`).

Wrong PINs: the first 5 cost nothing but the try; from the 5th on each further try waits
30 s, then 60, 120, 240 s; the 10th locks the sandbox out, and only the county's escrowed
recovery key opens it again. The counter is raised before the PIN is checked, so killing
the app mid-check does not give a free try.

Names on a shared device: the start screen lists the accounts by worker name. keys.json
holds the masked name (王*芳) and, with a keystore, the full name sealed under a
device-level key held by that keystore: the list shows full names on the device, while a
copied data directory shows masks only. Without a keystore the list shows the masks —
what a worker expects of a name on a shared screen, and enough to tell a few colleagues
apart (the list is in enrolment order). The full name is also sealed inside the store,
and shown once the worker has unlocked.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.domain.ids import new_id
from app.reports.masking import mask_name
from app.store.crypto import (
    DataKey,
    DecryptionFailed,
    ScryptParams,
    open_sealed,
    seal_to,
    unwrap_key,
    wrap_key,
)
from app.store.errors import LockedOut, SandboxError, TryLater, WrongPin
from app.store.keystore import (
    NAMES_ENTRY,
    DevelopmentKeystore,
    Keystore,
    KeystoreUnavailable,
    attempts_entry,
    default_keystore,
    keystore_for,
    secret_entry,
)
from app.store.store import Store

log = logging.getLogger("doorstep.store")

KEYFILE_FORMAT = 2
FREE_TRIES = 5
LOCKOUT_AFTER = 10
FIRST_DELAY_S = 30
MIN_PIN_LENGTH = 6
MIN_PASSPHRASE_LENGTH = 10
MAX_PIN_LENGTH = 64
MAX_NAME_LENGTH = 100
SECRET_BYTES = 32
DIR_MODE = 0o700
FILE_MODE = 0o600
# Sealed secret in the store: the worker's full name (keys.json has at most a mask of it).
NAME_SECRET = "sandbox.worker_name"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


@dataclass
class Attempts:
    failed: int = 0
    last_failure_at: float | None = None
    locked_out: bool = False

    def wait_seconds(self, now: float) -> int:
        """Seconds until the next try is allowed (0 = now)."""
        if self.failed < FREE_TRIES or self.last_failure_at is None:
            return 0
        delay = FIRST_DELAY_S * 2 ** (self.failed - FREE_TRIES)
        # A clock that jumped backwards does not shorten the wait.
        elapsed = max(0.0, now - self.last_failure_at)
        return max(0, int(delay - elapsed + 0.999))


@dataclass
class KeyFile:
    """keys.json. `attempts` counts only where there is no keystore (`keystore` == "").

    `worker_name` is the clear name of a format-1 file, kept until the next unlock moves
    it into the store; a format-2 file never has one.
    """

    sandbox_id: str
    device_id: str
    salt: str
    n: int
    r: int
    p: int
    wrapped_key: str
    key_id: str
    label: str = ""
    sealed_name: str = ""
    keystore: str = ""
    worker_id: str = ""
    escrow: dict[str, str] | None = None
    attempts: Attempts = field(default_factory=Attempts)
    worker_name: str = ""
    format: int = KEYFILE_FORMAT

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            raw: dict[str, Any] = json.loads(text)
            if raw.get("format") == 1:
                raw = _from_format_1(raw)
            if raw.get("format") != KEYFILE_FORMAT:
                raise SandboxError("sandbox.keys_format")
            raw["attempts"] = Attempts(**raw.get("attempts", {}))
            return cls(**raw)
        except SandboxError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            raise SandboxError("sandbox.keys_damaged") from exc

    def to_json(self) -> str:
        data = asdict(self)
        if not self.worker_name:
            del data["worker_name"]
        if self.keystore:
            del data["attempts"]  # the keystore holds the counter
        return json.dumps(data, ensure_ascii=False, indent=1)

    @property
    def params(self) -> ScryptParams:
        return ScryptParams(_unb64(self.salt), self.n, self.r, self.p)


def _from_format_1(raw: dict[str, Any]) -> dict[str, Any]:
    """A format-1 keys.json (clear name, `uses_keystore`) as format 2, name still pending."""
    raw = dict(raw, format=KEYFILE_FORMAT)
    name = str(raw.get("worker_name", ""))
    raw["label"] = mask_name(name)
    raw["keystore"] = "secure-storage" if raw.pop("uses_keystore", False) else ""
    return raw


def _private_dir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, DIR_MODE)


def _tighten(path: Path) -> None:
    """Directory 0700, every file in it 0600 (the store's -wal, -shm, -journal too)."""
    if os.name != "posix":
        return
    try:
        os.chmod(path, DIR_MODE)
        for child in path.iterdir():
            if child.is_file() and not child.is_symlink():
                os.chmod(child, FILE_MODE)
    except OSError:  # not ours to change (another user's, a read-only copy): it still opens
        log.warning("could not tighten the file modes of sandbox %s", path.name)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        if os.name == "posix":
            os.fchmod(fh.fileno(), FILE_MODE)
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def validate_pin(pin: str, keystore: Keystore | None) -> None:
    """The rule for a new PIN of a sandbox protected by `keystore` (None: by nothing else).

    With a keystore an offline guess needs the device's keystore as well, and the counter
    there stops guessing on the device after ten tries: 6 digits are enough. Without one,
    keys.json alone lets anyone guess offline at scrypt's ≈0.1 s a try, so the whole 6-digit
    space falls in about a day on one core; a passphrase of at least 10 characters with
    letters and digits leaves at least 36¹⁰ ≈ 3.7·10¹⁵ candidates, ~10⁷ core-years.
    """
    if len(pin) > MAX_PIN_LENGTH:
        raise SandboxError("pin.too_long", max=MAX_PIN_LENGTH)
    if keystore is not None:
        if len(pin) < MIN_PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
            raise SandboxError("pin.digits", min=MIN_PIN_LENGTH)
        return
    has_letter = any(c.isalpha() for c in pin)
    has_digit = any(c.isdigit() for c in pin)
    if len(pin) < MIN_PASSPHRASE_LENGTH or not (has_letter and has_digit) or pin != pin.strip():
        raise SandboxError("pin.passphrase", min=MIN_PASSPHRASE_LENGTH)


class Sandbox:
    """A worker's sandbox directory; `unlock` turns the PIN into the data key.

    `keystore` is the platform keystore this process offers (None: the one of the kind
    the sandbox was created with, when reachable without the UI).
    """

    def __init__(
        self, path: Path, keystore: Keystore | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self._offered = keystore
        self._clock = clock
        if not (path / "keys.json").is_file():
            raise SandboxError("sandbox.not_a_sandbox", path=str(path))
        _tighten(path)
        self.reload()
        self._keystore: Keystore | None = None
        self._name = self.info.worker_name or self._unseal_name()

    def reload(self) -> None:
        """Read keys.json again."""
        # Undecodable bytes become U+FFFD, so a damaged file is reported as damaged.
        raw = (self.path / "keys.json").read_bytes()
        self.info = KeyFile.from_json(raw.decode("utf-8", "replace"))

    @property
    def db_path(self) -> Path:
        return self.path / "store.db"

    @property
    def worker_name(self) -> str:
        """The worker's name where this process can know it, else the masked label."""
        return self._name or self.info.label

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def uses_passphrase(self) -> bool:
        """No keystore protects this sandbox: its secret may be a passphrase, not digits."""
        return not self.info.keystore

    @property
    def keystore(self) -> Keystore | None:
        """The keystore this sandbox's key needs (None if it needs none or none is here)."""
        kind = self.info.keystore
        if not kind:
            return None
        if self._keystore is None:
            offered = self._offered
            self._keystore = (
                offered if offered is not None and offered.kind == kind else keystore_for(kind)
            )
        return self._keystore

    def _save(self) -> None:
        _write_atomic(self.path / "keys.json", self.info.to_json())

    def _require_keystore(self) -> Keystore | None:
        if not self.info.keystore:
            return None
        keystore = self.keystore
        if keystore is None:
            raise KeystoreUnavailable("keystore.unreachable", keystore=self.info.keystore)
        return keystore

    def _kek(self, pin: str, params: ScryptParams) -> bytes:
        keystore = self._require_keystore()
        if keystore is None:
            return params.derive(pin)
        secret = keystore.get(secret_entry(self.info.sandbox_id))
        if not secret:
            raise KeystoreUnavailable("keystore.no_secret", keystore=keystore.kind)
        return params.derive(pin, _unb64(secret))

    # --- the wrong-PIN counter: in the keystore when there is one ------------------------

    @property
    def attempts(self) -> Attempts:
        """The wrong-PIN counter as it stands (from the keystore when there is one)."""
        keystore = self._require_keystore()
        if keystore is None:
            return self.info.attempts
        raw = keystore.get(attempts_entry(self.info.sandbox_id))
        if not raw:
            return Attempts()
        try:
            return Attempts(**json.loads(raw))
        except (ValueError, TypeError) as exc:
            raise SandboxError("sandbox.attempts_damaged") from exc

    def _set_attempts(self, attempts: Attempts) -> None:
        keystore = self._require_keystore()
        if keystore is None:
            self.info.attempts = attempts
            self._save()
        else:
            keystore.put(attempts_entry(self.info.sandbox_id), json.dumps(asdict(attempts)))

    # --- names --------------------------------------------------------------------------

    def _unseal_name(self) -> str:
        if not self.info.sealed_name:
            return ""
        try:
            keystore = self.keystore
            names_key = keystore.get(NAMES_ENTRY) if keystore else None
            if not names_key:
                return ""
            raw = unwrap_key(_unb64(names_key), _unb64(self.info.sealed_name), self._name_context())
        except (SandboxError, DecryptionFailed, ValueError):
            return ""  # the masked label stands in
        return raw.decode("utf-8", "replace")

    def _name_context(self) -> bytes:
        return b"worker name|" + self.info.sandbox_id.encode()

    def _seal_name(self, keystore: Keystore, name: str) -> None:
        names_key = keystore.get(NAMES_ENTRY)
        if not names_key:
            names_key = _b64(os.urandom(SECRET_BYTES))
            keystore.put(NAMES_ENTRY, names_key)
        self.info.sealed_name = _b64(
            wrap_key(_unb64(names_key), name.encode("utf-8"), self._name_context())
        )

    def _name_into_store(self, key: DataKey, name: str) -> None:
        """The full name sealed in the store (a copy of the key: closing drops it)."""
        store = Store(
            self.db_path,
            DataKey(key.raw),
            device_id=self.info.device_id,
            worker_id=self.info.worker_id or self.info.sandbox_id,
        )
        try:
            with store.unit_of_work() as uow:
                uow.settings.set_secrets({NAME_SECRET: name})
                uow.commit()
        finally:
            store.close()
        _tighten(self.path)

    # --- create, unlock, change --------------------------------------------------------

    @classmethod
    def create(
        cls,
        data_dir: Path,
        worker_name: str,
        pin: str,
        *,
        keystore: Keystore | None = None,
        scrypt_n: int = 2**15,
        device_id: str | None = None,
        worker_id: str = "",
    ) -> tuple[Sandbox, DataKey]:
        """A new sandbox under `keystore` (None: this process's `default_keystore()`)."""
        keystore = keystore if keystore is not None else default_keystore()
        validate_pin(pin, keystore)
        name = worker_name.strip()
        if not name:
            raise SandboxError("sandbox.name_missing")
        if len(name) > MAX_NAME_LENGTH:
            raise SandboxError("sandbox.name_too_long", max=MAX_NAME_LENGTH)
        if isinstance(
            keystore, DevelopmentKeystore
        ) and keystore.directory.resolve().is_relative_to(data_dir.resolve()):
            raise SandboxError("sandbox.dev_keystore_inside")
        for existing in list_sandboxes(data_dir, keystore):
            same = existing.info.worker_id == worker_id if worker_id else existing._name == name
            if same:
                raise SandboxError("sandbox.exists", name=existing.worker_name)
        sandbox_id = new_id()
        _private_dir(data_dir / "sandboxes")
        path = data_dir / "sandboxes" / sandbox_id
        path.mkdir(mode=DIR_MODE)
        _tighten(path)
        # SQLite gives the -wal and -shm files the mode of the database file.
        os.close(os.open(path / "store.db", os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        key = DataKey.generate()
        params = ScryptParams(os.urandom(16), n=scrypt_n)
        info = KeyFile(
            sandbox_id=sandbox_id,
            device_id=device_id or new_id(),
            salt=_b64(params.salt),
            n=params.n,
            r=params.r,
            p=params.p,
            wrapped_key="",
            key_id=key.key_id.hex(),
            label=mask_name(name),
            keystore=keystore.kind if keystore is not None else "",
            worker_id=worker_id,
        )
        if keystore is not None:
            keystore.put(secret_entry(sandbox_id), _b64(os.urandom(SECRET_BYTES)))
            keystore.remove(attempts_entry(sandbox_id))
        _write_atomic(path / "keys.json", info.to_json())
        sandbox = cls(path, keystore)
        sandbox.info.wrapped_key = _b64(wrap_key(sandbox._kek(pin, params), key.raw, sandbox.aad))
        if keystore is not None:
            sandbox._seal_name(keystore, name)
        sandbox._save()
        sandbox._name = name
        sandbox._name_into_store(key, name)
        return sandbox, key

    @property
    def aad(self) -> bytes:
        return self.info.sandbox_id.encode()

    def unlock(self, pin: str) -> DataKey:
        self._require_keystore()
        attempts = self.attempts
        if attempts.locked_out:
            raise LockedOut()
        now = self._clock()
        if attempts.last_failure_at is not None and now < attempts.last_failure_at:
            attempts.last_failure_at = now
            self._set_attempts(attempts)
        wait = attempts.wait_seconds(now)
        if wait > 0:
            raise TryLater(wait)
        attempts.failed += 1
        attempts.last_failure_at = now
        self._set_attempts(attempts)
        try:
            raw = unwrap_key(
                self._kek(pin, self.info.params), _unb64(self.info.wrapped_key), self.aad
            )
        except DecryptionFailed:
            if attempts.failed >= LOCKOUT_AFTER:
                attempts.locked_out = True
                self._set_attempts(attempts)
                raise LockedOut() from None
            raise WrongPin(LOCKOUT_AFTER - attempts.failed) from None
        self._set_attempts(Attempts())
        key = DataKey(raw)
        self._upgrade(key, pin)
        return key

    def _upgrade(self, key: DataKey, pin: str) -> None:
        """A sandbox from before keystores moves its key under the keystore this process
        offers, if any: the PIN is at hand only now. (`open_store` moves its name.)"""
        if self.info.keystore:
            return
        try:
            keystore = self._offered if self._offered is not None else default_keystore()
            if keystore is not None:
                self._adopt(keystore, key, pin)
        except SandboxError:
            log.warning("could not move a sandbox's key under the platform keystore")

    def _adopt(self, keystore: Keystore, key: DataKey, pin: str) -> None:
        keystore.put(secret_entry(self.info.sandbox_id), _b64(os.urandom(SECRET_BYTES)))
        keystore.put(attempts_entry(self.info.sandbox_id), json.dumps(asdict(Attempts())))
        self.info.keystore = keystore.kind
        self._keystore = keystore
        params = ScryptParams(os.urandom(16), self.info.n, self.info.r, self.info.p)
        wrapped = wrap_key(self._kek(pin, params), key.raw, self.aad)
        self.info.salt, self.info.wrapped_key = _b64(params.salt), _b64(wrapped)
        self.info.attempts = Attempts()
        if self._name:
            self._seal_name(keystore, self._name)
        self._save()

    def check_new_pin(self, pin: str) -> None:
        """The rule for this sandbox's next PIN (a passphrase where no keystore protects it)."""
        validate_pin(pin, self._require_keystore())

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Re-wrap the data key under the new PIN; nothing is re-encrypted."""
        self.check_new_pin(new_pin)
        key = self.unlock(old_pin)
        self.check_new_pin(new_pin)  # unlocking may have moved the key under a keystore
        self._rewrap(key, new_pin)

    def _rewrap(self, key: DataKey, new_pin: str) -> None:
        params = ScryptParams(os.urandom(16), self.info.n, self.info.r, self.info.p)
        self.info.salt = _b64(params.salt)
        self.info.wrapped_key = _b64(wrap_key(self._kek(new_pin, params), key.raw, self.aad))
        self._save()
        self._set_attempts(Attempts())

    # --- escrow (the county's recovery key, received at enrolment) -------------------

    def escrow_to(self, key: DataKey, recovery_public_key: bytes) -> None:
        sealed = seal_to(recovery_public_key, key.raw, self.aad)
        self.info.escrow = {"public_key": _b64(recovery_public_key), "sealed_key": _b64(sealed)}
        self._save()

    def escrow_blob(self) -> str:
        """The sealed key a county admin opens with the recovery private key."""
        if not self.info.escrow:
            raise SandboxError("sandbox.no_escrow")
        return self.info.escrow["sealed_key"]

    def recover(self, recovery_private_key: bytes, new_pin: str) -> DataKey:
        """Reopen a locked-out or forgotten-PIN sandbox with the county's recovery key."""
        self.check_new_pin(new_pin)
        try:
            raw = open_sealed(recovery_private_key, _unb64(self.escrow_blob()), self.aad)
        except DecryptionFailed:
            raise SandboxError("sandbox.wrong_recovery_key") from None
        key = DataKey(raw)
        self._rewrap(key, new_pin)
        return key

    def wipe(self) -> None:
        """Delete the sandbox: key file first, so the data is unreadable even if deletion stops."""
        (self.path / "keys.json").unlink(missing_ok=True)
        try:
            keystore = self.keystore
            if keystore is not None:
                keystore.remove(secret_entry(self.info.sandbox_id))
                keystore.remove(attempts_entry(self.info.sandbox_id))
        except SandboxError:
            log.warning("could not remove a wiped sandbox's entries from the keystore")
        shutil.rmtree(self.path, ignore_errors=True)

    @classmethod
    def wipe_store(cls, store: Store) -> None:
        """A revoked device forgets this worker: lock `store`, then wipe the sandbox that
        holds it (a store kept outside any sandbox goes with its directory)."""
        path = store.path.parent
        store.close()
        if (path / "keys.json").is_file():
            cls(path).wipe()
        else:
            shutil.rmtree(path, ignore_errors=True)


def list_sandboxes(data_dir: Path, keystore: Keystore | None = None) -> list[Sandbox]:
    """The sandboxes on this device, in enrolment order (their ids are time-ordered)."""
    root = data_dir / "sandboxes"
    if not root.is_dir():
        return []
    _private_dir(root)
    return [Sandbox(p, keystore) for p in sorted(root.iterdir()) if (p / "keys.json").is_file()]


def find_sandbox(
    data_dir: Path, worker: str | None = None, keystore: Keystore | None = None
) -> Sandbox:
    """The one sandbox, or the one `worker` names: its name, masked name or sandbox id."""
    sandboxes = list_sandboxes(data_dir, keystore)
    if not sandboxes:
        raise SandboxError("sandbox.none", data_dir=str(data_dir))
    if worker is None:
        if len(sandboxes) > 1:
            names = "、".join(f"{s.worker_name}（{s.info.sandbox_id}）" for s in sandboxes)
            raise SandboxError("sandbox.several", names=names)
        return sandboxes[0]
    found = [s for s in sandboxes if worker in (s.worker_name, s.label, s.info.sandbox_id)]
    if len(found) > 1:
        ids = "、".join(s.info.sandbox_id for s in found)
        raise SandboxError("sandbox.ambiguous", worker=worker, ids=ids)
    if not found:
        raise SandboxError("sandbox.unknown_worker", worker=worker)
    return found[0]


def open_store(sandbox: Sandbox, key: DataKey) -> Store:
    """The unlocked store of a sandbox, writing as its device and worker."""
    store = Store(
        sandbox.db_path,
        key,
        device_id=sandbox.info.device_id,
        worker_id=sandbox.info.worker_id or sandbox.info.sandbox_id,
    )
    _tighten(sandbox.path)
    legacy = sandbox.info.worker_name
    if legacy:  # a format-1 keys.json: the name moves into the store, then out of keys.json
        with store.unit_of_work() as uow:
            uow.settings.set_secrets({NAME_SECRET: legacy})
            uow.commit()
        sandbox.reload()  # another Sandbox object may have upgraded the file meanwhile
        sandbox.info.worker_name = ""
        sandbox._save()
    sandbox._name = store.secret(NAME_SECRET) or sandbox._name
    return store
