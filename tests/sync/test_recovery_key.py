"""The county's recovery private key moved offline: `doorstep server recovery-key --out
FILE --remove`, enrolment afterwards, and a locked-out device recovered with the file."""

from __future__ import annotations

import base64
import contextlib
import os
import stat
import subprocess

import pytest
from typer.testing import CliRunner

from app.domain.records import Household
from app.store.errors import LockedOut, TryLater, WrongPin
from app.store.sandbox import LOCKOUT_AFTER, Sandbox
from app.store.store import Store
from sync.server.cli import server_app
from sync.server.context import get_meta
from sync.server.services import admin, audit
from tests.sync.conftest import PIN, VILLAGE_A
from tests.sync.records import household

NEW_PIN = "135790"
runner = CliRunner()


def server_cli(ctx, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(server_app, [*args, "--db", ctx.settings.database_url])


def lock_out(sandbox: Sandbox) -> None:
    """Ten wrong PINs (the waits between them passed on a test clock) lock it for good."""
    now = [1_800_000_000.0]
    clocked = Sandbox(sandbox.path, clock=lambda: now[0])
    with pytest.raises(LockedOut):
        for _ in range(LOCKOUT_AFTER):
            try:
                clocked.unlock("000000")
            except TryLater as wait:
                now[0] += wait.seconds
                with contextlib.suppress(WrongPin):
                    clocked.unlock("000000")
            except WrongPin:
                pass
    with pytest.raises(LockedOut):
        Sandbox(sandbox.path).unlock(PIN)


def test_the_key_moves_offline_and_still_recovers_a_locked_out_device(
    ctx, make_device, tmp_path, doorstep, cli_env
):
    device = make_device()
    h = device.store.add(household(VILLAGE_A, "岩头村5号"))
    device.store.close()
    public = admin.recovery_public_key(ctx)
    private = admin.recovery_private_key(ctx)

    taken = tmp_path / "taken.key"
    taken.write_text("keep me\n")
    refused = server_cli(ctx, "recovery-key", "--out", str(taken), "--remove")
    assert refused.exit_code == 1 and "已存在" in refused.stderr
    assert taken.read_text() == "keep me\n"
    alone = server_cli(ctx, "recovery-key", "--remove")
    assert alone.exit_code == 1 and "--out" in alone.stderr
    with ctx.db.reading() as s:
        assert get_meta(s, "recovery_private_key")  # nothing was removed so far

    key_file = tmp_path / "offline" / "county-recovery.key"
    key_file.parent.mkdir()
    moved = server_cli(ctx, "recovery-key", "--out", str(key_file), "--remove")
    assert moved.exit_code == 0, moved.output
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert base64.b64decode(key_file.read_text().strip()) == private
    with ctx.db.reading() as s:
        assert get_meta(s, "recovery_private_key") is None
        assert get_meta(s, "recovery_public_key") == base64.b64encode(public).decode()
        [removed] = audit.entries(s, "recovery_key_removed")
        assert removed.detail["file"] == str(key_file)

    gone = server_cli(ctx, "recovery-key")
    assert gone.exit_code == 1 and "Traceback" not in gone.output
    [sentence] = gone.stderr.strip().splitlines()
    assert "离线保存" in sentence
    again = server_cli(ctx, "recovery-key", "--out", str(tmp_path / "again.key"))
    assert again.exit_code == 1 and "离线保存" in again.stderr
    assert not (tmp_path / "again.key").exists()

    # Enrolment keeps working: a new device escrows its key to the same public key.
    later = make_device()
    assert base64.b64decode(later.sandbox.info.escrow["public_key"]) == public

    lock_out(device.sandbox)
    data_dir = device.sandbox.path.parent.parent
    env = {**cli_env, "DOORSTEP_NEW_PIN": NEW_PIN}
    recovered = subprocess.run(
        [*doorstep, "device", "recover", "--data-dir", str(data_dir), "--recovery-key",
         str(key_file)],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert recovered.returncode == 0, recovered.stderr
    sandbox = Sandbox(device.sandbox.path)
    key = sandbox.unlock(NEW_PIN)
    store = Store(sandbox.db_path, key, device_id=sandbox.info.device_id)
    try:
        assert store.get(Household, h.id).address == "岩头村5号"
    finally:
        store.close()


def test_writing_the_key_without_remove_keeps_it_on_the_server(ctx, tmp_path):
    out = tmp_path / "copy.key"
    result = server_cli(ctx, "recovery-key", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert base64.b64decode(out.read_text()) == admin.recovery_private_key(ctx)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    printed = server_cli(ctx, "recovery-key")
    assert printed.exit_code == 0 and printed.stdout.strip() == out.read_text().strip()
