"""Crash safety: SIGKILL in the middle of a large import keeps all of it or none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from app.store.sandbox import Sandbox, open_store
from app.store.transfer import record_line
from tests.conftest import TEST_PIN
from tests.store.helpers import household_with_members, visit_for

HOUSEHOLDS = 3000  # 3,000 households, 9,000 persons, 6,000 visits: 18,000 lines


@pytest.fixture(scope="module")
def big_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("import") / "big.jsonl"
    lines = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(HOUSEHOLDS):
            household, members = household_with_members(3, seq=i)
            visits = [visit_for(household), visit_for(household)]
            for record in (household, *members, *visits):
                fh.write(record_line(record) + "\n")
                lines += 1
    return path, lines


def _counts(data_dir: Path) -> tuple[int, int]:
    sandbox = Sandbox(next((data_dir / "sandboxes").iterdir()))
    store = open_store(sandbox, sandbox.unlock(TEST_PIN))
    try:
        records = sum(store.counts().values())
        queued = store.outbox_counts()["pending"]
        store.load_all  # noqa: B018 - reading back must work too
        return records, queued
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_wal_bytes", [1, 2_000_000, 8_000_000])
def test_sigkill_mid_import_keeps_all_or_nothing(
    tmp_path: Path,
    big_import: tuple[Path, int],
    doorstep: list[str],
    cli_env: dict[str, str],
    kill_after_wal_bytes: int,
) -> None:
    path, lines = big_import
    data_dir = tmp_path / "device"
    init = subprocess.run(
        [*doorstep, "device", "init", "--data-dir", str(data_dir), "--worker", "王网格"],
        env=cli_env,
        capture_output=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    wal = next((data_dir / "sandboxes").iterdir()) / "store.db-wal"

    proc = subprocess.Popen(
        [*doorstep, "device", "import", "--data-dir", str(data_dir), str(path)],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if wal.stat().st_size >= kill_after_wal_bytes:
                break
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    assert proc.poll() is None, "the import must still be running when it is killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    records, queued = _counts(data_dir)
    assert records in (0, lines), f"partial import: {records} of {lines}"
    assert queued == records, "the outbox matches the records exactly"
    if kill_after_wal_bytes == 1:
        assert records == 0, "killed before commit: nothing"

    # The interrupted import can simply be run again.
    again = subprocess.run(
        [*doorstep, "device", "import", "--data-dir", str(data_dir), str(path)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert _counts(data_dir) == (lines, lines)
