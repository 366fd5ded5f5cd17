"""PIN: wrong PIN, change, lock and unlock, the wrong-PIN ladder, lock-out and recovery."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from app.domain.codes import RegisterStatus
from app.domain.records import Household
from app.store.crypto import generate_recovery_keypair
from app.store.errors import Locked, LockedOut, SandboxError, TryLater, WrongPin
from app.store.keystore import DevelopmentKeystore, KeystoreUnavailable, secret_entry
from app.store.sandbox import LOCKOUT_AFTER, Sandbox, open_store
from tests.conftest import FAST_SCRYPT_N, TEST_PIN
from tests.said import refused, said


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _reopen(sandbox: Sandbox, clock: FakeClock | None = None) -> Sandbox:
    """A new process opening the same sandbox (state comes from disk)."""
    return Sandbox(sandbox.path, clock=clock) if clock else Sandbox(sandbox.path)


def test_wrong_pin_is_refused_and_counts_down(new_sandbox) -> None:
    sandbox, _ = new_sandbox()
    with pytest.raises(WrongPin) as excinfo:
        sandbox.unlock("000000")
    assert excinfo.value.remaining == 9
    assert "PIN" in said(excinfo.value)
    assert _reopen(sandbox).attempts.failed == 1
    sandbox.unlock(TEST_PIN)
    assert _reopen(sandbox).attempts.failed == 0, "a right PIN resets the counter"


def test_change_pin_rewraps_without_reencrypting(new_sandbox) -> None:
    sandbox, key = new_sandbox()
    store = open_store(sandbox, key)
    household = store.add(
        Household(
            area_code="330702102201",
            address="岩头村1组1号",
            register_status=RegisterStatus.REPORTED,
        )
    )
    store.close()
    db_before = sandbox.db_path.read_bytes()

    sandbox.change_pin(TEST_PIN, "246810")
    assert sandbox.db_path.read_bytes() == db_before, "the data is not re-encrypted"
    with pytest.raises(WrongPin):
        _reopen(sandbox).unlock(TEST_PIN)
    reopened = open_store(sandbox, _reopen(sandbox).unlock("246810"))
    assert reopened.get(Household, household.id).address == "岩头村1组1号"
    reopened.close()


def test_change_pin_with_wrong_old_pin_changes_nothing(new_sandbox) -> None:
    sandbox, _ = new_sandbox()
    with pytest.raises(WrongPin):
        sandbox.change_pin("999999", "246810")
    _reopen(sandbox).unlock(TEST_PIN)


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "12 456"])
def test_weak_pins_are_refused(new_sandbox, bad: str) -> None:
    with pytest.raises(SandboxError):
        new_sandbox(pin=bad)


def test_lock_drops_the_key(new_sandbox) -> None:
    sandbox, key = new_sandbox()
    store = open_store(sandbox, key)
    store.add(
        Household(
            area_code="330702102201",
            address="岩头村1组1号",
            register_status=RegisterStatus.REPORTED,
        )
    )
    store.close()
    assert key.raw == b""
    with pytest.raises(Locked):
        store.load_all(Household)
    with pytest.raises(Locked):
        store.add(
            Household(
                area_code="330702102201",
                address="岩头村1组2号",
                register_status=RegisterStatus.REPORTED,
            )
        )
    again = open_store(sandbox, sandbox.unlock(TEST_PIN))
    assert len(again.load_all(Household)) == 1
    again.close()


def test_ladder_waits_longer_then_locks_out(tmp_path: Path) -> None:
    clock = FakeClock()
    created, _ = Sandbox.create(tmp_path, "王网格", TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    sandbox = Sandbox(created.path, clock=clock)

    for remaining in (9, 8, 7, 6, 5):  # five free tries
        with pytest.raises(WrongPin) as excinfo:
            sandbox.unlock("000000")
        assert excinfo.value.remaining == remaining

    waits = []
    for _ in range(4):  # tries 6..9: each waits longer than the one before
        with pytest.raises(TryLater) as wait:
            sandbox.unlock(TEST_PIN)
        waits.append(wait.value.seconds)
        clock.now += wait.value.seconds
        with pytest.raises(WrongPin):
            sandbox.unlock("000000")
    assert waits == sorted(waits) and len(set(waits)) == 4

    with pytest.raises(TryLater) as wait:
        sandbox.unlock(TEST_PIN)
    clock.now += wait.value.seconds
    with pytest.raises(LockedOut):  # the 10th wrong PIN
        sandbox.unlock("000000")
    clock.now += 10**7
    with pytest.raises(LockedOut):  # even the right PIN, however long after
        Sandbox(created.path, clock=clock).unlock(TEST_PIN)


def test_waiting_is_not_shortened_by_a_clock_set_back(tmp_path: Path) -> None:
    clock = FakeClock()
    created, _ = Sandbox.create(tmp_path, "王网格", TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    sandbox = Sandbox(created.path, clock=clock)
    for _ in range(5):
        with pytest.raises(WrongPin):
            sandbox.unlock("000000")
    clock.now = 0.0  # battery died: the tablet wakes up in 1970
    with pytest.raises(TryLater):
        sandbox.unlock(TEST_PIN)


def test_a_killed_check_still_counts(tmp_path: Path) -> None:
    """The counter is on disk before the PIN is checked."""
    created, _ = Sandbox.create(tmp_path, "王网格", TEST_PIN, scrypt_n=FAST_SCRYPT_N)

    class Boom(Exception):
        pass

    sandbox = Sandbox(created.path)

    def dying_kek(pin, params):
        raise Boom()

    sandbox._kek = dying_kek  # type: ignore[method-assign]
    with pytest.raises(Boom):
        sandbox.unlock("000000")
    assert _reopen(created).attempts.failed == 1


def _lock_out(sandbox: Sandbox, clock: FakeClock) -> None:
    """Ten wrong PINs, waiting out the ladder between them."""
    for _ in range(LOCKOUT_AFTER - 1):
        with pytest.raises((WrongPin, TryLater)) as excinfo:
            sandbox.unlock("000000")
        if isinstance(excinfo.value, TryLater):
            clock.now += excinfo.value.seconds
            with pytest.raises(WrongPin):
                sandbox.unlock("000000")
    with pytest.raises(TryLater) as wait:
        sandbox.unlock("000000")
    clock.now += wait.value.seconds
    with pytest.raises(LockedOut):
        sandbox.unlock("000000")


def test_escrow_recovers_a_locked_out_sandbox(tmp_path: Path) -> None:
    private, public = generate_recovery_keypair()
    clock = FakeClock()
    sandbox, key = Sandbox.create(tmp_path, "王网格", TEST_PIN, scrypt_n=FAST_SCRYPT_N)
    store = open_store(sandbox, key)
    household = store.add(
        Household(
            area_code="330702102201",
            address="岩头村1组1号",
            register_status=RegisterStatus.REPORTED,
        )
    )
    store.close()
    sandbox = _reopen(sandbox, clock)
    sandbox.escrow_to(sandbox.unlock(TEST_PIN), public)
    _lock_out(sandbox, clock)

    other_private, _ = generate_recovery_keypair()
    with pytest.raises(SandboxError):
        sandbox.recover(other_private, "135790")

    key = _reopen(sandbox).recover(private, "135790")
    store = open_store(sandbox, key)
    assert store.get(Household, household.id).address == "岩头村1组1号"
    store.close()
    open_store(sandbox, _reopen(sandbox).unlock("135790")).close()


def test_keystore_secret_is_needed_as_well_as_the_pin(tmp_path: Path) -> None:
    """The sandbox's KEK needs the keystore's secret: without the keystore it does not
    open (and that is no wrong PIN); with another secret the right PIN is wrong."""
    keystore = DevelopmentKeystore(tmp_path / "keystore")
    sandbox, _ = Sandbox.create(
        tmp_path / "device", "王网格", TEST_PIN, keystore=keystore, scrypt_n=FAST_SCRYPT_N
    )
    Sandbox(sandbox.path, keystore).unlock(TEST_PIN)
    elsewhere = DevelopmentKeystore(tmp_path / "another-machine")
    with pytest.raises(KeystoreUnavailable):
        Sandbox(sandbox.path, elsewhere).unlock(TEST_PIN)
    assert Sandbox(sandbox.path, keystore).attempts.failed == 0, "no keystore is no wrong PIN"
    keystore.put(secret_entry(sandbox.info.sandbox_id), base64.b64encode(bytes(32)).decode())
    with pytest.raises(WrongPin):
        Sandbox(sandbox.path, keystore).unlock(TEST_PIN)


def test_corrupt_key_file_is_one_clear_error(new_sandbox) -> None:
    sandbox, _ = new_sandbox()
    (sandbox.path / "keys.json").write_text("{not json", encoding="utf-8")
    with refused(SandboxError, "密钥文件"):
        Sandbox(sandbox.path)
