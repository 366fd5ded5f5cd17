"""Worker sandboxes: one encrypted SQLite file per worker account on a device.

Layout: ``DATA_DIR/sandboxes/<sandbox id>/keys.json`` (the wrapped data key, the scrypt
salt and cost, the wrong-PIN counter, the escrow) and ``store.db``. keys.json holds no
personal data; it is replaced atomically (write, fsync, rename) so a crash never leaves
half a key file.

Wrong PINs: the first 5 cost nothing but the try; from the 5th on each further try waits
30 s, then 60, 120, 240 s; the 10th locks the sandbox out, and only the county's escrowed
recovery key opens it again. The counter is raised before the PIN is checked, so killing
the app mid-check does not give a free try.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.domain.ids import new_id
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
from app.store.store import Store

KEYFILE_FORMAT = 1
FREE_TRIES = 5
LOCKOUT_AFTER = 10
FIRST_DELAY_S = 30
MIN_PIN_LENGTH = 6


class Keystore(Protocol):
    """The platform keystore (Android Keystore through flet-secure-storage)."""

    def secret(self, name: str) -> bytes: ...


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
    sandbox_id: str
    worker_name: str
    device_id: str
    salt: str
    n: int
    r: int
    p: int
    wrapped_key: str
    key_id: str
    uses_keystore: bool = False
    worker_id: str = ""
    escrow: dict[str, str] | None = None
    attempts: Attempts = field(default_factory=Attempts)
    format: int = KEYFILE_FORMAT

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            raw: dict[str, Any] = json.loads(text)
            if raw.get("format") != KEYFILE_FORMAT:
                raise SandboxError("密钥文件格式不受支持。")
            raw["attempts"] = Attempts(**raw.get("attempts", {}))
            return cls(**raw)
        except SandboxError:
            raise
        except (ValueError, TypeError, AttributeError) as exc:
            raise SandboxError("密钥文件已损坏，无法读取。") from exc

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @property
    def params(self) -> ScryptParams:
        return ScryptParams(_unb64(self.salt), self.n, self.r, self.p)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
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


def validate_pin(pin: str) -> None:
    if len(pin) < MIN_PIN_LENGTH or not pin.isdigit():
        raise SandboxError(f"PIN 应为至少 {MIN_PIN_LENGTH} 位数字。")


class Sandbox:
    """A worker's sandbox directory; `unlock` turns the PIN into the data key."""

    def __init__(
        self, path: Path, keystore: Keystore | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.keystore = keystore
        self._clock = clock
        keyfile = path / "keys.json"
        if not keyfile.is_file():
            raise SandboxError(f"{path} 不是 Doorstep 账户目录（缺少 keys.json）。")
        # Undecodable bytes become U+FFFD, so a damaged file is reported as damaged.
        self.info = KeyFile.from_json(keyfile.read_bytes().decode("utf-8", "replace"))

    @property
    def db_path(self) -> Path:
        return self.path / "store.db"

    @property
    def worker_name(self) -> str:
        return self.info.worker_name

    def _save(self) -> None:
        _write_atomic(self.path / "keys.json", self.info.to_json())

    def _require_keystore(self) -> None:
        if self.info.uses_keystore and self.keystore is None:
            raise SandboxError("此账户的密钥保存在设备密钥库中，当前无法访问密钥库。")

    def _kek(self, pin: str, params: ScryptParams) -> bytes:
        self._require_keystore()
        extra = b""
        if self.info.uses_keystore and self.keystore is not None:
            extra = self.keystore.secret(f"doorstep-{self.info.sandbox_id}")
        return params.derive(pin, extra)

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
    ) -> tuple[Sandbox, DataKey]:
        validate_pin(pin)
        if not worker_name.strip():
            raise SandboxError("请填写工作人员姓名。")
        for existing in list_sandboxes(data_dir):
            if existing.worker_name == worker_name.strip():
                raise SandboxError(f"本设备上已有「{worker_name}」的账户。")
        sandbox_id = new_id()
        path = data_dir / "sandboxes" / sandbox_id
        path.mkdir(parents=True)
        key = DataKey.generate()
        params = ScryptParams(os.urandom(16), n=scrypt_n)
        info = KeyFile(
            sandbox_id=sandbox_id,
            worker_name=worker_name.strip(),
            device_id=device_id or new_id(),
            salt=_b64(params.salt),
            n=params.n,
            r=params.r,
            p=params.p,
            wrapped_key="",
            key_id=key.key_id.hex(),
            uses_keystore=keystore is not None,
        )
        _write_atomic(path / "keys.json", info.to_json())
        sandbox = cls(path, keystore)
        sandbox.info.wrapped_key = _b64(
            wrap_key(sandbox._kek(pin, params), key.raw, sandbox_id.encode())
        )
        sandbox._save()
        return sandbox, key

    def unlock(self, pin: str) -> DataKey:
        attempts = self.info.attempts
        if attempts.locked_out:
            raise LockedOut()
        self._require_keystore()
        now = self._clock()
        if attempts.last_failure_at is not None and now < attempts.last_failure_at:
            attempts.last_failure_at = now
            self._save()
        wait = attempts.wait_seconds(now)
        if wait > 0:
            raise TryLater(wait)
        attempts.failed += 1
        attempts.last_failure_at = now
        self._save()
        try:
            raw = unwrap_key(
                self._kek(pin, self.info.params),
                _unb64(self.info.wrapped_key),
                self.info.sandbox_id.encode(),
            )
        except DecryptionFailed:
            if attempts.failed >= LOCKOUT_AFTER:
                attempts.locked_out = True
                self._save()
                raise LockedOut() from None
            raise WrongPin(LOCKOUT_AFTER - attempts.failed) from None
        self.info.attempts = Attempts()
        self._save()
        return DataKey(raw)

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Re-wrap the data key under the new PIN; nothing is re-encrypted."""
        validate_pin(new_pin)
        key = self.unlock(old_pin)
        self._rewrap(key, new_pin)

    def _rewrap(self, key: DataKey, new_pin: str) -> None:
        params = ScryptParams(os.urandom(16), self.info.n, self.info.r, self.info.p)
        self.info.salt = _b64(params.salt)
        self.info.wrapped_key = _b64(
            wrap_key(self._kek(new_pin, params), key.raw, self.info.sandbox_id.encode())
        )
        self.info.attempts = Attempts()
        self._save()

    # --- escrow (the county's recovery key, received at enrolment) -------------------

    def escrow_to(self, key: DataKey, recovery_public_key: bytes) -> None:
        sealed = seal_to(recovery_public_key, key.raw, self.info.sandbox_id.encode())
        self.info.escrow = {"public_key": _b64(recovery_public_key), "sealed_key": _b64(sealed)}
        self._save()

    def escrow_blob(self) -> str:
        """The sealed key a county admin opens with the recovery private key."""
        if not self.info.escrow:
            raise SandboxError("此账户未登记县级托管密钥，无法恢复。")
        return self.info.escrow["sealed_key"]

    def recover(self, recovery_private_key: bytes, new_pin: str) -> DataKey:
        """Reopen a locked-out or forgotten-PIN sandbox with the county's recovery key."""
        validate_pin(new_pin)
        try:
            raw = open_sealed(
                recovery_private_key, _unb64(self.escrow_blob()), self.info.sandbox_id.encode()
            )
        except DecryptionFailed:
            raise SandboxError("恢复密钥与此账户不匹配。") from None
        key = DataKey(raw)
        self._rewrap(key, new_pin)
        return key

    def wipe(self) -> None:
        """Delete the sandbox: key file first, so the data is unreadable even if deletion stops."""
        (self.path / "keys.json").unlink(missing_ok=True)
        shutil.rmtree(self.path, ignore_errors=True)


def list_sandboxes(data_dir: Path, keystore: Keystore | None = None) -> list[Sandbox]:
    root = data_dir / "sandboxes"
    if not root.is_dir():
        return []
    return [Sandbox(p, keystore) for p in sorted(root.iterdir()) if (p / "keys.json").is_file()]


def find_sandbox(
    data_dir: Path, worker: str | None = None, keystore: Keystore | None = None
) -> Sandbox:
    sandboxes = list_sandboxes(data_dir, keystore)
    if not sandboxes:
        raise SandboxError(f"{data_dir} 中没有账户，请先运行 doorstep device init。")
    if worker is None:
        if len(sandboxes) > 1:
            names = "、".join(s.worker_name for s in sandboxes)
            raise SandboxError(f"本设备有多个账户（{names}），请用 --worker 指定。")
        return sandboxes[0]
    for s in sandboxes:
        if worker in (s.worker_name, s.info.sandbox_id):
            return s
    raise SandboxError(f"找不到工作人员「{worker}」的账户。")


def open_store(sandbox: Sandbox, key: DataKey) -> Store:
    """The unlocked store of a sandbox, writing as its device and worker."""
    return Store(
        sandbox.db_path,
        key,
        device_id=sandbox.info.device_id,
        worker_id=sandbox.info.worker_id or sandbox.info.sandbox_id,
    )
