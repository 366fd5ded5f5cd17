"""flet-secure-storage as the keystore: the adapter over a stand-in for the Flet service.

The Android Keystore cannot run here, so `FakeSecureStorage` stands in for
`flet_secure_storage.SecureStorage` (the same async get_all/set/remove) and `LoopPage`
for the page (its event loop and `run_task`); the adapter and the sandbox are the real ones.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from app.store.errors import LockedOut, TryLater, WrongPin
from app.store.keystore import KeystoreUnavailable
from app.store.sandbox import LOCKOUT_AFTER, Sandbox, list_sandboxes, open_store
from app.ui.secure_storage import SecureStorageKeystore
from tests.conftest import FAST_SCRYPT_N, TEST_PIN
from tests.said import refused


class FakeSecureStorage:
    """The Android Keystore's place: values that live outside the data directory."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {"other.app": "untouched"}

    async def get_all(self) -> dict[str, str]:
        await asyncio.sleep(0)
        return dict(self.values)

    async def set(self, key: str, value: str) -> None:
        await asyncio.sleep(0)
        self.values[key] = value

    async def remove(self, key: str) -> None:
        await asyncio.sleep(0)
        self.values.pop(key, None)


class LoopPage:
    """A page's event loop in a thread, and `run_task` as Flet's page has it."""

    web = False

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run_task(self, handler: Callable[..., Awaitable[Any]], *args: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(handler(*args), self.loop)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


@pytest.fixture
def page() -> Iterator[LoopPage]:
    p = LoopPage()
    yield p
    p.close()


def open_keystore(page: LoopPage, storage: FakeSecureStorage) -> SecureStorageKeystore:
    return page.run_task(SecureStorageKeystore.open, page, storage).result(5)


def test_a_sandbox_under_secure_storage_needs_it_and_keeps_its_counter_there(
    tmp_path: Path, page: LoopPage
) -> None:
    storage = FakeSecureStorage()
    keystore = open_keystore(page, storage)
    created, key = Sandbox.create(
        tmp_path / "device", "王网格", TEST_PIN, keystore=keystore, scrypt_n=FAST_SCRYPT_N
    )
    open_store(created, key).close()
    assert created.info.keystore == "secure-storage"
    assert any(k.endswith(".secret") for k in storage.values), "written through to the service"

    # The app restarts: the adapter reads the service again; the PIN opens the sandbox.
    (listed,) = list_sandboxes(tmp_path / "device", open_keystore(page, storage))
    assert listed.worker_name == "王网格"
    open_store(listed, listed.unlock(TEST_PIN)).close()

    # Without the app's keystore (the data directory copied elsewhere) nothing opens.
    with pytest.raises(KeystoreUnavailable):
        Sandbox(created.path).unlock(TEST_PIN)
    assert Sandbox(created.path).worker_name == "王*格"

    # Ten wrong PINs lock it out; a restored keys.json does not help.
    backup = (created.path / "keys.json").read_bytes()
    now = [1_800_000_000.0]
    sandbox = Sandbox(created.path, open_keystore(page, storage), clock=lambda: now[0])
    for _ in range(LOCKOUT_AFTER):
        try:
            sandbox.unlock("000000")
        except TryLater as wait:
            now[0] += wait.seconds
            with pytest.raises((WrongPin, LockedOut)):
                sandbox.unlock("000000")
        except WrongPin:
            pass
    (created.path / "keys.json").write_bytes(backup)
    with pytest.raises(LockedOut):
        Sandbox(created.path, open_keystore(page, storage)).unlock(TEST_PIN)
    assert storage.values["other.app"] == "untouched"


def test_a_failing_service_is_one_sentence(page: LoopPage) -> None:
    class Broken(FakeSecureStorage):
        async def get_all(self) -> dict[str, str]:
            raise RuntimeError("KeyStoreException")

    with refused(KeystoreUnavailable, "安全存储"):
        open_keystore(page, Broken())
