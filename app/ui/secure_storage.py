"""flet-secure-storage as the store's keystore on Android (the Android Keystore) and iOS.

SecureStorage is a Flet service: it exists only while the app's UI runs, and its calls are
coroutines on the page's event loop. The store's `Keystore` is synchronous and is called
from worker threads (unlock and enrolment run off the loop), so this adapter reads every
doorstep entry once at start, answers `get` from memory, and writes through: a write from
a worker thread waits until the keystore has it (the wrong-PIN counter must be stored
before the PIN is checked); one from the loop itself is queued in order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from app.store.keystore import SECURE_STORAGE, KeystoreUnavailable

PREFIX = "doorstep."
TIMEOUT_S = 15.0
MOBILE = frozenset({ft.PagePlatform.ANDROID, ft.PagePlatform.ANDROID_TV, ft.PagePlatform.IOS})


def has_secure_storage(page: ft.Page) -> bool:
    """The app runs on a phone or tablet (not in a browser tab): the platform keystore is there."""
    return not page.web and page.platform in MOBILE


def new_storage() -> Any:
    """The service, configured never to erase its keys on a keystore fault (FLET-NOTES)."""
    import flet_secure_storage as fss

    return fss.SecureStorage(android_options=fss.AndroidOptions(reset_on_error=False))


class SecureStorageKeystore:
    """The `Keystore` over a SecureStorage service (or anything with its async methods)."""

    kind = SECURE_STORAGE

    def __init__(self, page: ft.Page, storage: Any, values: dict[str, str]) -> None:
        self._page = page
        self._storage = storage
        self._values = values

    @classmethod
    async def open(cls, page: ft.Page, storage: Any | None = None) -> SecureStorageKeystore:
        """Read the doorstep entries once; raises KeystoreUnavailable if the keystore fails."""
        storage = storage if storage is not None else new_storage()
        try:
            everything = await storage.get_all()
        except Exception as exc:
            raise KeystoreUnavailable("keystore.secure_storage_read") from exc
        values = {k: str(v) for k, v in (everything or {}).items() if k.startswith(PREFIX)}
        return cls(page, storage, values)

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def put(self, name: str, value: str) -> None:
        self._values[name] = value
        self._write(self._storage.set, name, value)

    def remove(self, name: str) -> None:
        self._values.pop(name, None)
        self._write(self._storage.remove, name)

    def _write(self, method: Any, *args: Any) -> None:
        async def call() -> None:
            await method(*args)

        future = self._page.run_task(call)
        try:
            on_loop = asyncio.get_running_loop() is self._page.loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            return  # the loop cannot wait for itself; the write is queued in order
        try:
            future.result(timeout=TIMEOUT_S)
        except Exception as exc:
            raise KeystoreUnavailable("keystore.secure_storage_write") from exc
