"""Shared fixtures: sandboxes with a cheap scrypt cost, and the services tests need.

A test that needs PostgreSQL or Chromium fails under CI (CI=true) when the service is
missing, and is skipped with the reason elsewhere, so a laptop without them still runs
the rest of the suite and says what it left out.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.keystore import DEV_KEYSTORE_ENV
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store

TEST_PIN = "123456"
FAST_SCRYPT_N = 2**10
POSTGRES_ADMIN_URL = os.environ.get(
    "DOORSTEP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def missing_service(reason: str) -> None:
    """Fail under CI, skip elsewhere: a missing service is never silently passed over."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def development_keystore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tests' keystore: a development keystore outside every data dir, for the whole
    session (CLI and app subprocesses inherit it); the OS keyring is never touched."""
    directory = tmp_path_factory.mktemp("development-keystore")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DEV_KEYSTORE_ENV, str(directory))
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        yield directory


@pytest.fixture
def no_keystore(monkeypatch: pytest.MonkeyPatch) -> None:
    """This test runs as on a machine with no keystore at all (the browser build, a headless
    Linux): new sandboxes need a passphrase."""
    monkeypatch.delenv(DEV_KEYSTORE_ENV)


@pytest.fixture
def new_sandbox(tmp_path: Path):
    """Factory: a fresh sandbox and its data key, with a cheap scrypt cost for speed."""

    def make(worker: str = "测试员", pin: str = TEST_PIN, data_dir: Path | None = None):
        return Sandbox.create(data_dir or tmp_path / "device", worker, pin, scrypt_n=FAST_SCRYPT_N)

    return make


@pytest.fixture
def store(new_sandbox) -> Iterator[Store]:
    sandbox, key = new_sandbox()
    s = open_store(sandbox, key)
    yield s
    s.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    try:
        import sqlalchemy as sa

        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"doorstep_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any driver or connection error means: no PostgreSQL here
        missing_service(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({exc})")
        return
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing_service("Debian's chromium is not installed (apt-get install chromium)")
        raise AssertionError("unreachable")
    return path


@pytest.fixture(scope="session")
def doorstep() -> list[str]:
    """The installed console command."""
    import sys

    found = shutil.which("doorstep") or str(Path(sys.executable).parent / "doorstep")
    return [found]


@pytest.fixture
def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env[DEV_KEYSTORE_ENV] = os.environ[DEV_KEYSTORE_ENV]
    env["DOORSTEP_PIN"] = TEST_PIN
    return env
