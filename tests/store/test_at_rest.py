"""The sandbox at rest: file modes, no name in keys.json, the keystore's counter, passphrases.

Issue 9, items 13 and 14: whoever copies the data directory (or edits keys.json) must get
no name, no free lock-out reset and no 6-digit space to search offline.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.codes import RegisterStatus
from app.domain.records import Household
from app.store.errors import LockedOut, SandboxError, TryLater, WrongPin
from app.store.keystore import DevelopmentKeystore, KeystoreUnavailable
from app.store.sandbox import LOCKOUT_AFTER, Sandbox, find_sandbox, list_sandboxes, open_store
from tests.conftest import FAST_SCRYPT_N, TEST_PIN
from tests.said import refused

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v1"
NAME = "欧阳晓芳"
PASSPHRASE = "jinhua2026wucheng"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The commonest umask, under which a plain open() makes files world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def spellings(name: str) -> list[bytes]:
    """The name as bytes in every form a JSON file could hold it."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in name)
    return [
        name.encode("utf-8"),
        name.encode("utf-16-le"),
        name.encode("gb18030"),
        escaped.encode(),
        escaped.upper().replace("\\U", "\\u").encode(),
    ]


def lock_out(sandbox: Sandbox, clock: FakeClock) -> None:
    """Ten wrong PINs, waiting out the ladder between them."""
    for _ in range(LOCKOUT_AFTER):
        try:
            sandbox.unlock("000000")
        except TryLater as wait:
            clock.now += wait.seconds
            with pytest.raises((WrongPin, LockedOut)):
                sandbox.unlock("000000")
        except WrongPin:
            pass
    with pytest.raises(LockedOut):
        sandbox.unlock(TEST_PIN)


# --- item 13: modes -------------------------------------------------------------------


def test_a_used_sandbox_is_0700_and_every_file_0600_wal_included(
    tmp_path: Path, umask_022: None
) -> None:
    data_dir = tmp_path / "device"
    sandbox, key = Sandbox.create(data_dir, NAME, TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    store = open_store(sandbox, key)
    store.add(
        Household(
            area_code="330702102201",
            address="岩头村1组1号",
            register_status=RegisterStatus.REPORTED,
        )
    )
    wal, shm = sandbox.path / "store.db-wal", sandbox.path / "store.db-shm"
    assert wal.exists() and shm.exists(), "the store is open in WAL mode"
    files = [p for p in sandbox.path.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"keys.json", "store.db", "store.db-wal", "store.db-shm"}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(sandbox.path) == 0o700 and mode(data_dir / "sandboxes") == 0o700
    store.close()


def test_an_old_sandbox_is_tightened_and_its_name_moves_on_open(
    tmp_path: Path, umask_022: None
) -> None:
    """The version-1 fixture: 0755/0644 and the worker's name in the clear in keys.json."""
    root = tmp_path / "device" / "sandboxes"
    target = root / "v1"
    shutil.copytree(FIXTURE, target)
    os.chmod(root, 0o755)
    os.chmod(target, 0o755)
    for path in target.iterdir():
        os.chmod(path, 0o644)
    keyfile = target / "keys.json"
    assert "旧版本".encode() in keyfile.read_bytes()

    (sandbox,) = list_sandboxes(tmp_path / "device")
    assert mode(root) == mode(target) == 0o700
    assert {p.name: mode(p) for p in target.iterdir()} == {
        "keys.json": 0o600,
        "store.db": 0o600,
    }

    store = open_store(sandbox, sandbox.unlock("123456"))
    store.close()
    assert not any(s in keyfile.read_bytes() for s in spellings("旧版本"))
    assert mode(keyfile) == 0o600
    again = Sandbox(target)
    assert again.worker_name == "旧版本", "sealed under the keystore's names key"
    store = open_store(again, again.unlock("123456"))
    assert store.secret("sandbox.worker_name") == "旧版本"
    store.close()


def test_an_old_sandbox_moves_under_the_keystore_at_its_next_unlock(tmp_path: Path) -> None:
    """Before keystores the PIN alone made the key; after one unlock it needs the keystore."""
    target = tmp_path / "device" / "sandboxes" / "v1"
    shutil.copytree(FIXTURE, target)
    keystore = DevelopmentKeystore(tmp_path / "keystore")
    open_store(Sandbox(target, keystore), Sandbox(target, keystore).unlock("123456")).close()
    assert Sandbox(target).info.keystore == "development"
    with pytest.raises(KeystoreUnavailable):
        Sandbox(target, DevelopmentKeystore(tmp_path / "elsewhere")).unlock("123456")
    store = open_store(Sandbox(target, keystore), Sandbox(target, keystore).unlock("123456"))
    assert len(store.load_all(Household)) == 1
    store.close()


# --- item 13: no name in keys.json ----------------------------------------------------


def test_keys_json_holds_no_name_with_a_keystore(tmp_path: Path) -> None:
    sandbox, key = Sandbox.create(tmp_path / "device", NAME, TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    open_store(sandbox, key).close()
    raw = (sandbox.path / "keys.json").read_bytes()
    assert not any(s in raw for s in spellings(NAME))
    assert not any(s in raw for s in spellings("晓芳"))
    (listed,) = list_sandboxes(tmp_path / "device")
    assert listed.worker_name == NAME, "the start screen still shows the full name"
    assert find_sandbox(tmp_path / "device", NAME).path == sandbox.path


def test_keys_json_holds_only_the_masked_name_without_a_keystore(
    tmp_path: Path, no_keystore: None
) -> None:
    sandbox, key = Sandbox.create(tmp_path / "device", NAME, PASSPHRASE, scrypt_n=FAST_SCRYPT_N)
    open_store(sandbox, key).close()
    raw = (sandbox.path / "keys.json").read_bytes()
    assert not any(s in raw for s in spellings(NAME))
    assert not any(s in raw for s in spellings("晓芳"))
    (listed,) = list_sandboxes(tmp_path / "device")
    assert listed.worker_name == "欧**芳"
    store = open_store(listed, listed.unlock(PASSPHRASE))
    assert listed.worker_name == NAME, "known again once unlocked"
    store.close()


# --- item 14: the counter in the keystore ---------------------------------------------


def test_a_lock_out_survives_an_edited_or_restored_keys_json(tmp_path: Path) -> None:
    clock = FakeClock()
    created, _ = Sandbox.create(tmp_path / "device", NAME, TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    keyfile = created.path / "keys.json"
    backup = keyfile.read_bytes()
    lock_out(Sandbox(created.path, clock=clock), clock)

    keyfile.write_bytes(backup)  # restored from before the first wrong PIN
    with pytest.raises(LockedOut):
        Sandbox(created.path, clock=clock).unlock(TEST_PIN)
    edited = backup.replace(b'"format": 2', b'"attempts": {"failed": 0}, "format": 2')
    keyfile.write_bytes(edited)
    with pytest.raises(LockedOut):
        Sandbox(created.path, clock=clock).unlock(TEST_PIN)


def test_the_wait_survives_a_restored_keys_json(tmp_path: Path) -> None:
    clock = FakeClock()
    created, _ = Sandbox.create(tmp_path / "device", NAME, TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    backup = (created.path / "keys.json").read_bytes()
    sandbox = Sandbox(created.path, clock=clock)
    for _ in range(5):
        with pytest.raises(WrongPin):
            sandbox.unlock("000000")
    (created.path / "keys.json").write_bytes(backup)
    with pytest.raises(TryLater):
        Sandbox(created.path, clock=clock).unlock(TEST_PIN)


def test_without_a_keystore_the_counter_is_only_as_safe_as_the_file(
    tmp_path: Path, no_keystore: None
) -> None:
    """Why a passphrase is required there: restoring keys.json does undo the counter."""
    clock = FakeClock()
    created, _ = Sandbox.create(tmp_path / "device", NAME, PASSPHRASE, scrypt_n=FAST_SCRYPT_N)
    backup = (created.path / "keys.json").read_bytes()
    lock_out(Sandbox(created.path, clock=clock), clock)
    (created.path / "keys.json").write_bytes(backup)
    Sandbox(created.path, clock=clock).unlock(PASSPHRASE)


# --- item 14: a passphrase where there is no keystore ---------------------------------


@pytest.mark.parametrize(
    "weak", ["123456", "12345678901234", "abcdefghijkl", "abc123", " jinhua2026 "]
)
def test_without_a_keystore_a_pin_is_refused(tmp_path: Path, no_keystore: None, weak: str) -> None:
    with refused(SandboxError, "口令"):
        Sandbox.create(tmp_path / "device", NAME, weak, scrypt_n=FAST_SCRYPT_N)
    assert list_sandboxes(tmp_path / "device") == []


def test_without_a_keystore_a_passphrase_opens_and_changes(
    tmp_path: Path, no_keystore: None
) -> None:
    sandbox, key = Sandbox.create(tmp_path / "device", NAME, PASSPHRASE, scrypt_n=FAST_SCRYPT_N)
    open_store(sandbox, key).close()
    assert sandbox.uses_passphrase and sandbox.info.keystore == ""
    with refused(SandboxError, "口令"):
        Sandbox(sandbox.path).change_pin(PASSPHRASE, "246810")
    Sandbox(sandbox.path).change_pin(PASSPHRASE, "wucheng2027anding")
    open_store(sandbox, Sandbox(sandbox.path).unlock("wucheng2027anding")).close()


def test_with_a_keystore_a_six_digit_pin_is_enough_and_letters_are_not(tmp_path: Path) -> None:
    sandbox, _ = Sandbox.create(tmp_path / "device", NAME, TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    assert not sandbox.uses_passphrase and sandbox.info.keystore == "development"
    with refused(SandboxError, "PIN"):
        Sandbox.create(tmp_path / "other", "李协理", PASSPHRASE, scrypt_n=FAST_SCRYPT_N)


def test_the_development_keystore_may_not_sit_in_the_data_dir(tmp_path: Path) -> None:
    inside = DevelopmentKeystore(tmp_path / "device" / "keystore")
    with refused(SandboxError, "开发用密钥库"):
        Sandbox.create(tmp_path / "device", NAME, TEST_PIN, keystore=inside)


def test_wiping_removes_the_keystore_entries(tmp_path: Path) -> None:
    keystore = DevelopmentKeystore(tmp_path / "keystore")
    sandbox, _ = Sandbox.create(
        tmp_path / "device", NAME, TEST_PIN, keystore=keystore, scrypt_n=FAST_SCRYPT_N
    )
    with pytest.raises(WrongPin):
        sandbox.unlock("000000")
    sandbox.wipe()
    assert not sandbox.path.exists()
    assert sorted(p.name for p in (tmp_path / "keystore").iterdir()) == ["doorstep.names"]
