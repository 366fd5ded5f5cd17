"""The `doorstep device` commands, run as an operator runs them: the real console script.

Each test runs the installed `doorstep` in a subprocess with the PIN in DOORSTEP_PIN, a
temporary data directory and no terminal on stdin. Every failure must be a non-zero exit
with one line per problem on stderr and never a traceback; a wrong PIN exits with 3.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from app.domain.codes import (
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    PersonFlag,
    RegisterStatus,
    Team,
)
from app.domain.identity import make_id_number, mask_id_number
from app.domain.ids import new_id
from app.domain.records import (
    BOOKKEEPING,
    ConsentEvent,
    Household,
    Need,
    Person,
    Record,
    Referral,
    Visit,
    Wish,
)
from app.store.errors import WrongPin
from app.store.keystore import DEV_KEYSTORE_ENV, DevelopmentKeystore
from app.store.sandbox import Sandbox, list_sandboxes, open_store
from app.store.transfer import record_line

DOORSTEP = shutil.which("doorstep") or str(Path(sys.executable).parent / "doorstep")
PIN = "246810"
NEW_PIN = "135799"
TYPES = ("household", "person", "visit", "need", "consent", "wish", "referral")
VILLAGE = "330702102201"


def run(
    *args: str | Path, pin: str | None = PIN, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env[DEV_KEYSTORE_ENV] = os.environ[DEV_KEYSTORE_ENV]
    if pin is not None:
        env["DOORSTEP_PIN"] = pin
    env.update(env_extra)
    return subprocess.run(
        [DOORSTEP, *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def failed(result: subprocess.CompletedProcess[str], code: int | None = None) -> list[str]:
    """The stderr lines of a failure: non-zero exit, no traceback, no catch-all message."""
    assert result.returncode != 0, result.stdout
    if code is not None:
        assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert "意外错误" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.strip() for line in lines), result.stderr
    return lines


def one_sentence(result: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    lines = failed(result, code)
    assert len(lines) == 1, lines
    return lines[0]


def status(data_dir: Path) -> dict[str, int]:
    """Counts per record type and `pending` from `doorstep device status`."""
    counts: dict[str, int] = {}
    for line in ok(run("device", "status", "--data-dir", data_dir)).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in TYPES:
            counts[parts[0]] = int(parts[1])
        if line.startswith("待同步："):
            counts["pending"] = int(line.removeprefix("待同步：").split("　")[0])
    assert set(counts) == {*TYPES, "pending"}, counts
    return counts


EMPTY = {**dict.fromkeys(TYPES, 0), "pending": 0}


@pytest.fixture(scope="session")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sandbox per session with a cheap scrypt cost; tests work on copies of it.

    `device init` itself (at the real cost) has its own tests below. Its keystore is its own
    (`device` copies both: a copy of the data directory alone would share the wrong-PIN
    counter with every other copy, as a restored backup does on one device)."""
    root = tmp_path_factory.mktemp("template")
    keystore = DevelopmentKeystore(root / "keystore")
    sandbox, key = Sandbox.create(root / "device", "王芳", PIN, keystore=keystore, scrypt_n=2**10)
    open_store(sandbox, key).close()
    return root


@pytest.fixture
def device(
    initialised: Path,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A copy of the template device: its data directory and (elsewhere) its keystore."""
    data_dir = tmp_path / "device"
    shutil.copytree(initialised / "device", data_dir)
    keystore = tmp_path_factory.mktemp("keystore") / "copy"
    shutil.copytree(initialised / "keystore", keystore)
    monkeypatch.setenv(DEV_KEYSTORE_ENV, str(keystore))
    return data_dir


def sample_records() -> list[Record]:
    """One household with everything that hangs off it, valid by construction: reported
    (主动发现), as a device creates and so imports one."""
    hh = Household(
        area_code=VILLAGE,
        register_status=RegisterStatus.REPORTED,
        address="岩头村3组18号",
        phone="0579-82345678",
        categories=[Category.TEKUN],
        notes="独居老人，腿脚不便",
    )
    old = Person(
        area_code=VILLAGE,
        household_id=hh.id,
        name="陈秀英",
        id_number=make_id_number("330702", date(1941, 9, 3), 142),
        phone="13905791234",
        flags=[PersonFlag.ELDERLY_ALONE],
        lives_alone=True,
        health_note="高血压",
    )
    grandson = Person(
        area_code=VILLAGE,
        household_id=hh.id,
        name="陈小明",
        id_number=make_id_number("330702", date(2014, 2, 11), 31),
        relation="孙子女",
    )
    visit = Visit(
        area_code=VILLAGE,
        household_id=hh.id,
        visited_at=datetime(2026, 3, 5, 10, 30),
        worker_id="w-001",
        team=Team.GRID_WORKER,
        observations="老人精神尚好，冰箱里缺菜",
    )
    need = Need(
        area_code=VILLAGE,
        household_id=hh.id,
        person_id=old.id,
        visit_id=visit.id,
        area=NeedArea.CARE,
        description="希望每周有人送菜",
        raised_on=date(2026, 3, 5),
    )
    consent = ConsentEvent(
        area_code=VILLAGE,
        household_id=hh.id,
        person_id=old.id,
        action=ConsentAction.GRANT,
        recipient="金华市慈善总会",
        purpose="charity_help",
        data_categories=[DataCategory.IDENTITY, DataCategory.NEEDS],
        method=ConsentMethod.VERBAL,
        witness="村委会 陈建国",
        occurred_at=datetime(2026, 3, 5, 10, 45),
        recorded_by="w-001",
    )
    wish = Wish(
        area_code=VILLAGE,
        household_id=hh.id,
        person_id=grandson.id,
        title="一套新华字典",
        value_yuan=60,
        collected_on=date(2026, 3, 5),
    )
    referral = Referral(
        area_code=VILLAGE,
        household_id=hh.id,
        person_id=old.id,
        recipient="金华市慈善总会",
        purpose="charity_help",
        data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 6),
    )
    return [hh, old, grandson, visit, need, consent, wish, referral]


def write_file(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(record_line(r) + "\n" for r in records), encoding="utf-8")
    return path


def contents(path: Path) -> dict[str, dict[str, Any]]:
    """Each exported record by id, without its bookkeeping."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        body = json.loads(line)
        out[body["id"]] = {k: v for k, v in body.items() if k not in BOOKKEEPING}
    return out


def expected(records: list[Record]) -> dict[str, dict[str, Any]]:
    return {r.id: {"type": r.type_name, **r.content()} for r in records}


# --- init and status --------------------------------------------------------------------


def test_init_creates_an_empty_sandbox(tmp_path: Path) -> None:
    out = ok(run("device", "init", "--data-dir", tmp_path, "--worker", "王芳"))
    assert "王芳" in out
    assert status(tmp_path) == EMPTY
    assert [s.worker_name for s in list_sandboxes(tmp_path)] == ["王芳"]


def test_init_refuses_a_short_pin(tmp_path: Path) -> None:
    message = one_sentence(run("device", "init", "--data-dir", tmp_path, "--worker", "x", pin="12"))
    assert "PIN" in message
    assert list_sandboxes(tmp_path) == []


def test_init_without_a_keystore_asks_for_a_passphrase(tmp_path: Path) -> None:
    """No keyring, no development keystore: a 6-digit PIN would fall to an offline search."""
    nothing = {DEV_KEYSTORE_ENV: ""}
    init = ("device", "init", "--data-dir", tmp_path, "--worker", "王芳")
    message = one_sentence(run(*init, **nothing))
    assert "口令" in message and "10" in message
    assert list_sandboxes(tmp_path) == []
    out = ok(run(*init, pin="wucheng2026ab", **nothing))
    assert "密钥库：无" in out
    assert status_line(run("device", "status", "--data-dir", tmp_path, pin="wucheng2026ab"))


def status_line(result: subprocess.CompletedProcess[str]) -> str:
    return ok(result).splitlines()[0]


def test_init_refuses_a_second_account_with_the_same_name(device: Path) -> None:
    message = one_sentence(run("device", "init", "--data-dir", device, "--worker", "王芳"))
    assert "王芳" in message


# --- import and export ------------------------------------------------------------------


def test_import_then_export_round_trips_every_record(device: Path, tmp_path: Path) -> None:
    records = sample_records()
    source = write_file(tmp_path / "in.jsonl", records)
    out = ok(run("device", "import", "--data-dir", device, source))
    assert "新增 8 条" in out
    counts = status(device)
    assert counts == {**dict.fromkeys(TYPES, 1), "person": 2, "pending": 8}

    exported = tmp_path / "out.jsonl"
    assert "8 条" in ok(run("device", "export", "--data-dir", device, "--out", exported, "--full"))
    assert contents(exported) == expected(records)
    first_line = json.loads(exported.read_text(encoding="utf-8").splitlines()[0])
    assert (first_line["type"], first_line["id"]) == ("household", records[0].id)

    # The same file again changes nothing and queues nothing.
    assert "未变 8 条" in ok(run("device", "import", "--data-dir", device, exported))
    assert status(device) == counts

    # Another device takes the export as new records.
    other = tmp_path / "other"
    ok(run("device", "init", "--data-dir", other, "--worker", "李明"))
    assert "新增 8 条" in ok(run("device", "import", "--data-dir", other, exported))
    again = tmp_path / "again.jsonl"
    ok(run("device", "export", "--data-dir", other, "--out", again, "--full"))
    assert contents(again) == expected(records)


def test_an_edited_line_is_one_update(device: Path, tmp_path: Path) -> None:
    records = sample_records()
    write_file(tmp_path / "in.jsonl", records)
    ok(run("device", "import", "--data-dir", device, tmp_path / "in.jsonl"))
    records[0] = records[0].model_copy(update={"address": "岩头村3组20号"})
    write_file(tmp_path / "edit.jsonl", records)
    out = ok(run("device", "import", "--data-dir", device, tmp_path / "edit.jsonl"))
    assert "修改 1 条" in out and "未变 7 条" in out
    assert status(device)["pending"] == 9


def test_export_is_masked_by_default_and_hides_names_id_numbers_birth_dates_phones_and_addresses(
    device: Path, tmp_path: Path
) -> None:
    records = sample_records()
    ok(run("device", "import", "--data-dir", device, write_file(tmp_path / "in.jsonl", records)))
    masked = tmp_path / "masked.jsonl"
    result = run("device", "export", "--data-dir", device, "--out", masked)
    assert "已遮蔽" in ok(result) and result.stderr == ""
    assert masked.stat().st_mode & 0o777 == 0o600
    text = masked.read_text(encoding="utf-8")
    hh, old, grandson = records[0], records[1], records[2]
    secrets = [
        old.name,
        grandson.name,
        old.id_number,
        grandson.id_number,
        old.phone,
        hh.phone,
        hh.address,
        hh.notes,
        old.health_note,
        "村委会 陈建国",
        "冰箱里缺菜",
        "1941",  # 陈秀英's birth year, and so her birth date
        "2014",
    ]
    for secret in secrets:
        assert secret and secret not in text, secret
    lines = [json.loads(line) for line in text.splitlines()]
    assert all(list(line)[:3] == ["type", "id", "masked"] and line["masked"] for line in lines)
    persons = [line for line in lines if line["type"] == "person"]
    assert {p["name"] for p in persons} == {"陈*英", "陈*明"}
    assert {p["birth_date"] for p in persons} == {"****-**-**"}
    # Area code and last four only, as every screen shows it (DOMAIN.md).
    assert {p["id_number"] for p in persons} == {
        mask_id_number(old.id_number or ""),
        mask_id_number(grandson.id_number or ""),
    }
    assert mask_id_number(old.id_number or "") == old.id_number[:6] + "*" * 8 + old.id_number[-4:]  # type: ignore[index]


def test_full_export_says_on_stderr_what_it_wrote(device: Path, tmp_path: Path) -> None:
    records = sample_records()
    ok(run("device", "import", "--data-dir", device, write_file(tmp_path / "in.jsonl", records)))
    out = tmp_path / "full.jsonl"
    result = run("device", "export", "--data-dir", device, "--out", out, "--full")
    assert "完整明文" in ok(result)
    assert str(out) in result.stderr and "未遮蔽" in result.stderr and "身份证号" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert out.stat().st_mode & 0o777 == 0o600
    assert contents(out) == expected(records)


def test_export_never_overwrites_a_file(device: Path, tmp_path: Path) -> None:
    target = tmp_path / "kept.jsonl"
    target.write_text("someone else's file\n", encoding="utf-8")
    for flags in ((), ("--full",)):
        message = one_sentence(
            run("device", "export", "--data-dir", device, "--out", target, *flags)
        )
        assert str(target) in message and "已存在" in message
    assert target.read_text(encoding="utf-8") == "someone else's file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["device", "kept.jsonl"]


def test_a_masked_export_is_refused_by_import_in_one_sentence(device: Path, tmp_path: Path) -> None:
    records = sample_records()
    ok(run("device", "import", "--data-dir", device, write_file(tmp_path / "in.jsonl", records)))
    masked = tmp_path / "masked.jsonl"
    ok(run("device", "export", "--data-dir", device, "--out", masked))
    before = status(device)
    message = one_sentence(run("device", "import", "--data-dir", device, masked))
    assert "遮蔽" in message and "未导入" in message and "--full" in message
    assert "第 1 行起共 8 行" in message
    # A masked line copied into a full file, its marker removed, is refused as well.
    full = tmp_path / "full.jsonl"
    ok(run("device", "export", "--data-dir", device, "--out", full, "--full"))
    lines = full.read_text(encoding="utf-8").splitlines()
    person = json.loads(masked.read_text(encoding="utf-8").splitlines()[1])
    del person["masked"]
    lines[1] = json.dumps(person, ensure_ascii=False)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = one_sentence(run("device", "import", "--data-dir", device, mixed))
    assert "遮蔽" in message and "第 2 行起共 1 行" in message
    assert status(device) == before
    assert contents(full) == expected(records)


def test_demo_data_fills_the_sandbox_without_queueing(device: Path, tmp_path: Path) -> None:
    out = ok(run("device", "demo-data", "--data-dir", device, "--households", "6", "--seed", "7"))
    assert "6 户" in out
    counts = status(device)
    assert counts["household"] == 6
    assert counts["person"] >= 6
    assert counts["pending"] == 0
    shown = ok(run("device", "status", "--data-dir", device))
    assert "照片：待上传 0 张　待下载 0 张" in shown  # demo data names no photo
    (db,) = device.glob("sandboxes/*/store.db")
    with sqlite3.connect(db) as conn:  # demo data settled the snapshots
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 3
    # Deterministic for a seed: a second device gets the same records.
    other = tmp_path / "other"
    ok(run("device", "init", "--data-dir", other, "--worker", "李明"))
    ok(run("device", "demo-data", "--data-dir", other, "--households", "6", "--seed", "7"))
    ok(run("device", "export", "--data-dir", device, "--out", tmp_path / "a.jsonl"))
    ok(run("device", "export", "--data-dir", other, "--out", tmp_path / "b.jsonl"))
    assert contents(tmp_path / "a.jsonl") == contents(tmp_path / "b.jsonl")


def test_import_with_bad_lines_reports_each_and_imports_nothing(
    device: Path, tmp_path: Path
) -> None:
    records = sample_records()
    hh, old = records[0], records[1]
    bad_person = json.loads(record_line(old))
    bad_person["id"] = new_id()
    bad_person["id_number"] = old.id_number[:17] + (  # type: ignore[index]
        "1" if old.id_number[17] != "1" else "2"  # type: ignore[index]
    )
    orphan_visit = json.loads(record_line(records[3]))
    orphan_visit["id"] = new_id()
    orphan_visit["household_id"] = new_id()
    lines = [
        record_line(hh),  # 1: good
        '{"type": "household", "id": ',  # 2: not JSON
        json.dumps({"type": "pet", "id": new_id()}),  # 3: unknown type
        json.dumps(bad_person, ensure_ascii=False),  # 4: ID number with a wrong check digit
        json.dumps(orphan_visit, ensure_ascii=False),  # 5: its household does not exist
        record_line(old),  # 6: good
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = failed(run("device", "import", "--data-dir", device, path))
    assert len(errors) == 5, errors
    for number, line in zip((2, 3, 4, 5), errors, strict=False):
        assert line.startswith(f"第 {number} 行"), line
    assert "JSON" in errors[0]
    assert "pet" in errors[1]
    assert "校验位" in errors[2]
    assert orphan_visit["household_id"] in errors[3]
    assert "4 行" in errors[4]
    assert status(device) == EMPTY


def test_import_of_a_missing_file(device: Path, tmp_path: Path) -> None:
    message = one_sentence(run("device", "import", "--data-dir", device, tmp_path / "nope.jsonl"))
    assert "nope.jsonl" in message


def test_export_into_a_missing_directory(device: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "out.jsonl"
    message = one_sentence(run("device", "export", "--data-dir", device, "--out", target))
    assert str(target) in message
    assert ".partial" not in message


# --- PINs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("export", "--out", "x.jsonl"),
        ("import", "in.jsonl"),
        ("change-pin",),
    ],
)
def test_wrong_pin_exits_3_with_one_sentence(
    device: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    write_file(tmp_path / "in.jsonl", sample_records()[:1])
    args = [str(tmp_path / a) if a.endswith(".jsonl") else a for a in command]
    message = one_sentence(
        run(
            "device",
            args[0],
            "--data-dir",
            device,
            *args[1:],
            pin="999999",
            DOORSTEP_NEW_PIN=NEW_PIN,
        ),
        code=3,
    )
    assert "PIN" in message and "9" in message
    assert not (tmp_path / "x.jsonl").exists()
    assert status(device) == EMPTY


def test_after_five_wrong_pins_the_next_try_must_wait(device: Path) -> None:
    for remaining in (9, 8, 7, 6, 5):
        message = one_sentence(run("device", "status", "--data-dir", device, pin="999999"), 3)
        assert str(remaining) in message
    # Even the right PIN waits now.
    message = one_sentence(run("device", "status", "--data-dir", device), code=3)
    assert "秒" in message


def test_lock_out_after_ten_wrong_pins_still_exits_3_with_a_sentence(device: Path) -> None:
    (sandbox,) = list_sandboxes(device)
    # Nine wrong tries, spread out over a clock that long ago waited out every delay.
    times = iter(time.time() - 1_000_000 + 10_000 * i for i in range(9))
    spaced = Sandbox(sandbox.path, clock=lambda: next(times))
    for _ in range(9):
        with pytest.raises(WrongPin):
            spaced.unlock("999999")
    message = one_sentence(run("device", "status", "--data-dir", device, pin="999999"), code=3)
    assert "锁定" in message
    message = one_sentence(run("device", "status", "--data-dir", device), code=3)
    assert "锁定" in message


def test_change_pin_then_only_the_new_pin_opens(device: Path) -> None:
    ok(run("device", "change-pin", "--data-dir", device, DOORSTEP_NEW_PIN=NEW_PIN))
    one_sentence(run("device", "status", "--data-dir", device), code=3)
    ok(run("device", "status", "--data-dir", device, pin=NEW_PIN))


def test_change_pin_refuses_a_short_new_pin_and_keeps_the_old(device: Path) -> None:
    message = one_sentence(run("device", "change-pin", "--data-dir", device, DOORSTEP_NEW_PIN="1"))
    assert "PIN" in message
    assert status(device) == EMPTY


def test_change_pin_without_a_new_pin_asks_for_it_by_name(device: Path) -> None:
    message = one_sentence(run("device", "change-pin", "--data-dir", device))
    assert "DOORSTEP_NEW_PIN" in message
    assert status(device) == EMPTY


@pytest.mark.parametrize(
    "command", [("status",), ("init", "--worker", "李明"), ("export", "--out", "x.jsonl")]
)
def test_no_pin_in_the_environment_and_no_terminal(device: Path, command: tuple[str, ...]) -> None:
    message = one_sentence(run("device", command[0], "--data-dir", device, *command[1:], pin=None))
    assert "DOORSTEP_PIN" in message


# --- sandboxes --------------------------------------------------------------------------


def test_a_data_dir_without_a_sandbox(tmp_path: Path) -> None:
    message = one_sentence(run("device", "status", "--data-dir", tmp_path / "empty"))
    assert "device init" in message


def test_two_sandboxes_need_worker(device: Path) -> None:
    ok(run("device", "init", "--data-dir", device, "--worker", "李明", pin=NEW_PIN))
    message = one_sentence(run("device", "status", "--data-dir", device))
    assert "王芳" in message and "李明" in message and "--worker" in message
    assert "李明" in ok(
        run("device", "status", "--data-dir", device, "--worker", "李明", pin=NEW_PIN)
    )
    one_sentence(run("device", "status", "--data-dir", device, "--worker", "赵六"))


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b'{"format": 1, "sandbox_id": "',
        b"\x88\xff\x00garbage\x9c",
        b"[1, 2, 3]",
        b'{"format": 1}',
        b'{"format": 99}',
    ],
)
def test_a_corrupted_key_file(device: Path, damage: bytes) -> None:
    (sandbox,) = list_sandboxes(device)
    (sandbox.path / "keys.json").write_bytes(damage)
    message = one_sentence(run("device", "status", "--data-dir", device))
    assert "密钥文件" in message


# --- start-up: what each command loads --------------------------------------------------

# Runs the console entry point with the given arguments, then writes the names of the
# modules it loaded to the file named by DOORSTEP_TEST_MODULES. `blocked` modules are made
# unimportable first, as on an install without the `server` extra.
PROBE = """
import os, sys
for name in os.environ.get("DOORSTEP_TEST_BLOCKED", "").split():
    sys.modules[name] = None
from app.cli import main
try:
    main()
finally:
    with open(os.environ["DOORSTEP_TEST_MODULES"], "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
"""
SERVER_STACK = ("fastapi", "starlette", "uvicorn", "alembic", "sync.server.app")
STORE_STACK = ("sqlalchemy", "sqlmodel", "app.store.store", "sync.server.tables")


def loaded_by(
    tmp_path: Path, *args: str | Path, blocked: str = "", pin: str | None = None
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """What `doorstep ARGS` prints, and the modules (and their packages) it loaded."""
    listing = tmp_path / "modules.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env[DEV_KEYSTORE_ENV] = os.environ[DEV_KEYSTORE_ENV]
    env |= {"DOORSTEP_TEST_MODULES": str(listing), "DOORSTEP_TEST_BLOCKED": blocked}
    if pin is not None:
        env["DOORSTEP_PIN"] = pin
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result, set(listing.read_text().split())


def among(modules: set[str], stack: tuple[str, ...]) -> set[str]:
    return {m for m in modules if any(m == s or m.startswith(s + ".") for s in stack)}


@pytest.mark.parametrize(
    "args", [(), ("--help",), ("server", "--help"), ("server", "report", "--help")]
)
def test_help_loads_neither_the_server_nor_the_store(tmp_path: Path, args: tuple[str, ...]) -> None:
    result, modules = loaded_by(tmp_path, *args)
    assert "Usage" in result.stdout + result.stderr
    assert among(modules, SERVER_STACK + STORE_STACK) == set()


def test_server_help_lists_every_server_command(tmp_path: Path) -> None:
    listing, _modules = loaded_by(tmp_path, "--help")
    assert " server " in listing.stdout and "县级服务器" in listing.stdout, listing.stdout
    result, _modules = loaded_by(tmp_path, "server", "--help")
    for command in ("run", "add-worker", "enroll-code", "import-roster", "export", "report"):
        assert f" {command} " in result.stdout, result.stdout


def test_device_status_loads_the_store_but_not_the_server(device: Path, tmp_path: Path) -> None:
    result, modules = loaded_by(tmp_path, "device", "status", "--data-dir", device, pin=PIN)
    assert "王芳" in ok(result)
    assert "app.store.store" in modules
    assert among(modules, SERVER_STACK) == set()
    assert among(modules, ("openpyxl",)) == set()  # masking names does not load the Excel writer


def test_a_server_command_without_the_server_extra_says_what_to_install(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'county.db'}"
    result, _modules = loaded_by(
        tmp_path, "server", "revoke-device", "--device", "d-1", "--db", db, blocked="fastapi"
    )
    message = one_sentence(result, code=1)
    assert "fastapi" in message and "doorstep[server]" in message
