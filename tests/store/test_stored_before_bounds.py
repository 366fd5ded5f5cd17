"""A record stored before the input bounds (an over-long note, an emoji in a name) still
reads, lists and exports, and its other fields can be edited; a new over-long value or a
new emoji name is still refused before it is queued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from app.domain.records import NOTE_MAX_CHARS, Household, Person, Record, Visit
from app.store.errors import IllegalEdit
from app.store.records import mapping_for
from app.store.store import Store
from app.store.transfer import ImportFailed, export_records, import_records
from tests.said import refused, said
from tests.store.helpers import household_with_members, visit_for

OLD_NOTE = "老人独居，" * 612  # 3,060 characters, as a tester wrote before the bound
OLD_NAME = "陈秀英🌸"


def _write_as_an_old_version(store: Store, record: Record, **old: str) -> None:
    """Seal `old` values into `record`'s row through the store's own row mapping, without
    validation, as a version without the bounds would have written them."""
    mapping = mapping_for(record.type_name)
    row = mapping.to_row(record.model_copy(update=old), store.codec)
    with store.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(update(mapping.table).where(mapping.table.c.id == record.id).values(**row))
        uow.commit()


@pytest.fixture
def old_records(store: Store) -> tuple[Household, Person, Visit]:
    household, (person, *_) = household_with_members(2)
    visit = visit_for(household)
    store.add_many([household, person, visit])
    _write_as_an_old_version(store, household, notes=OLD_NOTE)
    _write_as_an_old_version(store, person, name=OLD_NAME, health_note=OLD_NOTE)
    _write_as_an_old_version(store, visit, observations=OLD_NOTE, companions=[OLD_NAME])  # type: ignore[arg-type]
    return household, person, visit


def test_a_record_stored_before_the_bounds_reads_and_lists(
    store: Store, old_records: tuple[Household, Person, Visit]
) -> None:
    household, person, visit = old_records
    assert len(OLD_NOTE) == 3060
    assert store.get(Household, household.id).notes == OLD_NOTE
    assert store.get(Person, person.id).name == OLD_NAME
    assert store.get(Visit, visit.id).companions == [OLD_NAME]
    damaged: list[object] = []
    listed = store.load_all(Person, skip_damaged=True, damaged=damaged)  # type: ignore[arg-type]
    assert damaged == []
    assert OLD_NAME in {p.name for p in listed}
    assert [v.observations for v in store.load_all(Visit)] == [OLD_NOTE]


def test_a_record_stored_before_the_bounds_exports(
    store: Store, old_records: tuple[Household, Person, Visit], tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    export_records(store, out, mask=False)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line.get("notes") for line in lines if line["type"] == "household"} == {OLD_NOTE}
    assert OLD_NAME in {line.get("name") for line in lines if line["type"] == "person"}


def test_its_other_fields_can_be_edited_but_a_new_over_long_value_is_refused(
    store: Store, old_records: tuple[Household, Person, Visit]
) -> None:
    household, person, _ = old_records
    stored = store.get(Household, household.id)
    edited = store.update(stored.model_copy(update={"phone": "13900001111"}))
    assert (edited.phone, edited.notes) == ("13900001111", OLD_NOTE)
    queued = store.pending()[-1]
    assert (queued.kind, queued.payload) == ("update", {"fields": {"phone": "13900001111"}})

    member = store.get(Person, person.id)
    assert store.update(member.model_copy(update={"relation": "配偶"})).name == OLD_NAME

    too_long = "新" * (NOTE_MAX_CHARS + 1)
    with refused(IllegalEdit, f"notes.*最多 {NOTE_MAX_CHARS} 个字"):
        store.update(edited.model_copy(update={"notes": too_long}))
    with refused(IllegalEdit, "姓名不能包含表情符号"):
        store.update(member.model_copy(update={"name": "王建国🌸"}))
    assert store.get(Household, household.id).notes == OLD_NOTE


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_lines(path: Path, lines: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")


def test_its_export_imports_again_and_edits_but_a_new_over_long_record_is_refused(
    store: Store, old_records: tuple[Household, Person, Visit], tmp_path: Path
) -> None:
    household, _, _ = old_records
    out = tmp_path / "export.jsonl"
    export_records(store, out, mask=False)
    report = import_records(store, out)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)

    lines = _lines(out)
    for line in lines:
        if line["type"] == "household":
            line["phone"] = "13900002222"
    _write_lines(out, lines)
    assert import_records(store, out).updated == 1
    stored = store.get(Household, household.id)
    assert (stored.phone, stored.notes) == ("13900002222", OLD_NOTE)

    fresh, _ = household_with_members(0, seq=5)
    new_line = {"type": "household", **fresh.model_dump(mode="json"), "notes": OLD_NOTE}
    _write_lines(out, [new_line])
    with pytest.raises(ImportFailed) as excinfo:
        import_records(store, out)
    [error] = excinfo.value.errors
    assert error.line == 1 and "notes" in said(error)
    assert not store.exists("household", fresh.id)
