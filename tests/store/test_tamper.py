"""A flipped byte in one stored value fails that record, names it, and spares the rest."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.domain.records import Household, Person
from app.store.errors import IntegrityError
from app.store.store import Store
from app.store.transfer import export_records
from tests.said import refused, said
from tests.store.helpers import household_with_members


def _flip(db: Path, table: str, column: str, record_id: str, offset: int = -5) -> None:
    conn = sqlite3.connect(db)
    (blob,) = conn.execute(f"SELECT {column} FROM {table} WHERE id = ?", (record_id,)).fetchone()
    data = bytearray(blob)
    data[offset] ^= 0x01
    conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (bytes(data), record_id))
    conn.commit()
    conn.close()


def _fill(store: Store) -> list[Person]:
    persons: list[Person] = []
    for i in range(3):
        household, members = household_with_members(2, seq=i)
        store.add_many([household, *members])
        persons.extend(members)
    return persons


@pytest.mark.parametrize("column", ["name", "id_number", "details"])
@pytest.mark.parametrize("offset", [0, 3, 10, -1])
def test_flipped_byte_fails_that_record_only(store: Store, column: str, offset: int) -> None:
    persons = _fill(store)
    victim = persons[2]
    _flip(store.path, "persons", column, victim.id, offset)

    with pytest.raises(IntegrityError) as excinfo:
        store.get(Person, victim.id)
    assert victim.id in said(excinfo.value)
    assert excinfo.value.column == column

    for person in persons:
        if person.id != victim.id:
            assert store.get(Person, person.id).name == person.name

    with refused(IntegrityError, victim.id):
        store.load_all(Person)
    damaged: list[IntegrityError] = []
    rest = store.load_all(Person, skip_damaged=True, damaged=damaged)
    assert {p.id for p in rest} == {p.id for p in persons} - {victim.id}
    assert [d.record_id for d in damaged] == [victim.id]


def test_value_moved_to_another_row_or_column_fails(store: Store) -> None:
    persons = _fill(store)
    a, b = persons[0], persons[1]
    conn = sqlite3.connect(store.path)
    (name_a,) = conn.execute("SELECT name FROM persons WHERE id = ?", (a.id,)).fetchone()
    conn.execute("UPDATE persons SET name = ? WHERE id = ?", (name_a, b.id))
    conn.execute("UPDATE households SET address = ? WHERE id = ?", (name_a, a.household_id))
    conn.commit()
    conn.close()

    with refused(IntegrityError, b.id):
        store.get(Person, b.id)
    with refused(IntegrityError, a.household_id):
        store.get(Household, a.household_id)
    assert store.get(Person, a.id).name == a.name


def test_export_fails_naming_the_damaged_record_and_skip_damaged_exports_the_rest(
    store: Store, tmp_path: Path
) -> None:
    persons = _fill(store)
    victim = persons[4]
    _flip(store.path, "persons", "details", victim.id)
    out = tmp_path / "out.jsonl"

    with refused(IntegrityError, victim.id):
        export_records(store, out)
    assert not out.exists(), "a failed export leaves no partial file behind"

    report = export_records(store, out, skip_damaged=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 + len(persons) - 1
    assert victim.id not in out.read_text(encoding="utf-8")
    assert [d.record_id for d in report.damaged] == [victim.id]


def test_cli_export_names_damaged_record(tmp_path: Path, doorstep: list[str], cli_env) -> None:
    data_dir = tmp_path / "dev"
    run = lambda *args: subprocess.run(  # noqa: E731
        [*doorstep, *args], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert run("device", "init", "--data-dir", str(data_dir), "--worker", "王网格").returncode == 0
    household, members = household_with_members(2)
    from app.store.transfer import record_line

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(record_line(r) for r in [household, *members]), encoding="utf-8")
    assert run("device", "import", "--data-dir", str(data_dir), str(src)).returncode == 0
    db = next((data_dir / "sandboxes").iterdir()) / "store.db"
    _flip(db, "persons", "name", members[1].id)

    out = tmp_path / "out.jsonl"
    failed = run("device", "export", "--data-dir", str(data_dir), "--out", str(out))
    assert failed.returncode != 0
    assert members[1].id in failed.stderr
    assert "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1

    skipped = run(
        "device", "export", "--data-dir", str(data_dir), "--out", str(out), "--skip-damaged"
    )
    assert skipped.returncode == 0, skipped.stderr
    assert members[1].id in skipped.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
