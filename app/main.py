"""The field app's entry point (Flet).

`python -m app.main` runs it: as a window on a desktop build, in the browser otherwise.
`run_web(data_dir, port)` serves it to a browser on this machine only (127.0.0.1), fully
offline (CanvasKit and fonts come from the flet-web wheel, not a CDN); `doorstep demo`
uses it. The data directory holds one encrypted sandbox per worker.

The keystore (app.store.keystore): on a phone or tablet the app reads flet-secure-storage
before the start screen shows and hands it to the shell; elsewhere the shell takes the
`keystore` option (the demo's development keystore) or the OS keyring where there is one.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft

from app.assets import ASSETS_DIR
from app.store.keystore import KeystoreUnavailable
from app.ui.secure_storage import SecureStorageKeystore, has_secure_storage
from app.ui.shell import Shell

log = logging.getLogger("doorstep.app")

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DATA_DIR_ENV = "DOORSTEP_DATA_DIR"


class NotLoopback(ValueError):
    """The browser app serves the person at this machine only."""


def default_data_dir() -> Path:
    """DOORSTEP_DATA_DIR, else the app's storage on Android/iOS builds, else ~/.local/share."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    if os.environ.get("FLET_APP_STORAGE_DATA"):
        return Path(os.environ["FLET_APP_STORAGE_DATA"]) / "doorstep"
    return Path.home() / ".local" / "share" / "doorstep"


def make_main(data_dir: Path, **shell_options: Any) -> Callable[[ft.Page], None]:
    """The Flet `main` for one data directory: each page (tab, window) gets its own shell."""

    async def start_with_secure_storage(page: ft.Page) -> None:
        try:
            keystore: Any = await SecureStorageKeystore.open(page)
        except KeystoreUnavailable:
            log.warning("secure storage unavailable; accounts that need it cannot unlock")
            keystore = None
        Shell(page, data_dir, keystore=keystore, **shell_options).start()

    def main(page: ft.Page) -> None:
        if "keystore" not in shell_options and has_secure_storage(page):
            page.run_task(start_with_secure_storage, page)
            return
        Shell(page, data_dir, **shell_options).start()

    return main


def run_web(
    data_dir: Path,
    port: int,
    host: str = "127.0.0.1",
    *,
    open_browser: bool = False,
    **shell_options: Any,
) -> None:
    """Serve the app to a browser on this machine; blocks until interrupted."""
    if host not in LOOPBACK:
        raise NotLoopback(f"浏览器模式只在本机地址上提供服务，不能监听 {host}。")
    data_dir.mkdir(parents=True, exist_ok=True)
    if not open_browser:
        # Serve without starting a browser (tests, `doorstep demo` prints the URL).
        os.environ["FLET_FORCE_WEB_SERVER"] = "true"
    ft.run(
        make_main(data_dir, **shell_options),
        view=ft.AppView.WEB_BROWSER,
        host=host,
        port=port,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
    )


def run_app(data_dir: Path) -> None:
    """The desktop or mobile app (a `flet build` bundle runs this)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ft.run(make_main(data_dir), assets_dir=str(ASSETS_DIR))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.main", description="入户走访 field app")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--web", action="store_true", help="serve to a browser on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8550)
    parser.add_argument("--open", action="store_true", help="open the browser (with --web)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    data_dir = args.data_dir or default_data_dir()
    if args.web:
        run_web(data_dir, args.port, open_browser=args.open)
    else:
        run_app(data_dir)


if __name__ == "__main__":
    main()
