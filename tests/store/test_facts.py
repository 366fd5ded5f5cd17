"""The visit-facts snapshot (app/store/facts.py) always answers what the rows hold.

Each test compares `Store.visit_facts()` with the facts read row by row from the visits
table, after the kinds of change a device sees: new visits, rows rewritten and deleted by a
pull, more changes than the snapshot takes before it is rewritten, another process opening
the store, a damaged row, a damaged or foreign snapshot, a rewrite that fails half-way.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import text

from app.domain.codes import PersonFlag, RegisterStatus
from app.domain.coverage import VisitFact
from app.domain.ids import new_id
from app.domain.records import Household, Person, Visit
from app.domain.summaries import HouseholdSummary
from app.store import facts
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store
from tests.conftest import TEST_PIN
from tests.store.helpers import household_with_members, visit_for


def truth(store: Store) -> tuple[dict[str, VisitFact], set[str]]:
    """The facts as the rows hold them, one decryption per row (the slow way)."""
    found: dict[str, VisitFact] = {}
    damaged: set[str] = set()
    for row in store.iter_rows("visit", facts.VISITS.columns):
        fact = facts.VISITS.of_row(row)
        if fact is None:
            damaged.add(row["id"])
        else:
            found[row["id"]] = fact
    return found, damaged


def served(store: Store) -> tuple[dict[str, VisitFact], set[str]]:
    damaged: list[str] = []
    got = store.visit_facts(damaged=damaged)
    assert len({f.id for f in got}) == len(got), "a visit twice"
    return {f.id: f for f in got}, set(damaged)


def touched(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT count(*) FROM touched WHERE type = 'visit'"
        return int(conn.execute(query).fetchone()[0])


def snapshot_bytes(db: Path) -> bytes | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT content FROM snapshots WHERE name = ?", (facts.VISITS.snapshot_name,)
        ).fetchone()
    return None if row is None else bytes(row[0])


def households(store: Store, n: int) -> list[Household]:
    out = []
    for i in range(n):
        household, members = household_with_members(1, seq=i)
        store.add_many([household, *members])
        out.append(household)
    return out


def visits(households: list[Household], per: int, start: datetime) -> list[Visit]:
    return [
        visit_for(h, start + timedelta(days=d, minutes=i)) for i, h in enumerate(households)
        for d in range(per)
    ]  # fmt: skip


def test_facts_follow_inserts_updates_and_deletes(store: Store) -> None:
    homes = households(store, 4)
    store.add_many(visits(homes, 3, datetime(2026, 9, 1, 9)))
    assert served(store) == truth(store)
    assert touched(store.path) == 0, "the first read writes the snapshot"

    store.add(visit_for(homes[0], datetime(2026, 11, 2, 10)))
    assert served(store) == truth(store), "a new row is found by its rowid"
    assert touched(store.path) == 0, "inserts are not noted: no trigger per inserted row"

    # A pull rewrites one visit's row and an eviction deletes another's.
    first, second = sorted(truth(store)[0])[:2]
    with store.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(text("UPDATE visits SET mode = 'phone' WHERE id = :id"), {"id": first})
        conn.execute(text("DELETE FROM visits WHERE id = :id"), {"id": second})
        uow.commit()
    now, _ = served(store)
    assert now == truth(store)[0]
    assert now[first].mode == "phone" and second not in now


def test_many_changes_rewrite_the_snapshot(store: Store) -> None:
    homes = households(store, 10)
    store.add_many(visits(homes, 2, datetime(2026, 6, 1, 9)))
    served(store)
    before = snapshot_bytes(store.path)
    store.add_many(visits(homes, facts.REFRESH_AFTER // 10 + 1, datetime(2026, 7, 1, 9)))
    assert served(store) == truth(store)
    assert touched(store.path) == 0
    assert snapshot_bytes(store.path) != before


def test_another_process_reads_the_snapshot_and_the_changes_since(
    new_sandbox, tmp_path: Path
) -> None:
    sandbox, key = new_sandbox()
    store = open_store(sandbox, key)
    homes = households(store, 3)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    served(store)
    store.add(visit_for(homes[1], datetime(2026, 11, 5, 9)))
    store.close()

    again = open_store(Sandbox(sandbox.path), sandbox.unlock(TEST_PIN))
    assert served(again) == truth(again)
    assert len(served(again)[0]) == 7
    again.close()


def test_a_damaged_visit_is_named_not_served(store: Store) -> None:
    homes = households(store, 2)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    victim = sorted(truth(store)[0])[0]
    with sqlite3.connect(store.path) as conn:
        (blob,) = conn.execute("SELECT details FROM visits WHERE id = ?", (victim,)).fetchone()
        data = bytearray(blob)
        data[-3] ^= 0x01
        conn.execute("UPDATE visits SET details = ? WHERE id = ?", (bytes(data), victim))
    now, damaged = served(store)
    assert damaged == {victim} and victim not in now and len(now) == 3


@pytest.mark.parametrize("how", ["flip", "foreign", "missing"])
def test_a_damaged_or_foreign_snapshot_is_rebuilt_from_the_rows(store: Store, how: str) -> None:
    homes = households(store, 3)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    expected = served(store)
    store.close()
    with sqlite3.connect(store.path) as conn:
        if how == "flip":
            for name, blob in conn.execute("SELECT name, content FROM snapshots").fetchall():
                data = bytearray(blob)
                data[20] ^= 0x40
                conn.execute("UPDATE snapshots SET content = ? WHERE name = ?", (bytes(data), name))
        elif how == "foreign":  # a sealed value moved from another table and column
            (blob,) = conn.execute("SELECT details FROM visits LIMIT 1").fetchone()
            conn.execute("UPDATE snapshots SET content = ?", (blob,))
        else:
            conn.execute("DELETE FROM snapshots")
    sandbox = Sandbox(store.path.parent)
    again = open_store(sandbox, sandbox.unlock(TEST_PIN))
    assert served(again) == expected == truth(again)
    again.close()


def test_a_rewrite_that_fails_half_way_leaves_the_old_snapshot(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = households(store, 10)
    store.add_many(visits(homes, 2, datetime(2026, 6, 1, 9)))
    served(store)
    before = snapshot_bytes(store.path)
    store.add_many(visits(homes, facts.REFRESH_AFTER // 10 + 1, datetime(2026, 7, 1, 9)))
    pending = touched(store.path)

    def fail(self: facts.Summaries[VisitFact]) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(facts.Summaries, "to_json", fail)
    with pytest.raises(OSError):
        store.visit_facts()
    assert snapshot_bytes(store.path) == before and touched(store.path) == pending
    monkeypatch.undo()
    assert served(store) == truth(store)


def test_no_visit_date_reaches_the_disk_in_the_clear(store: Store) -> None:
    homes = households(store, 3)
    written = visits(homes, 2, datetime(2026, 10, 1, 9, 17))
    store.add_many(written)
    served(store)
    raw = b"".join(p.read_bytes() for p in store.path.parent.rglob("*") if p.is_file())
    assert raw, "nothing to scan"
    for visit in written:
        assert visit.visited_at.isoformat().encode() not in raw


@pytest.mark.parametrize("kind", list(facts.KINDS.values()), ids=list(facts.KINDS))
def test_every_kind_follows_edits_and_deletions(store: Store, kind: facts.Kind[object]) -> None:
    homes = households(store, 5)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))

    def rows() -> dict[str, object]:
        found = (kind.of_row(r) for r in store.iter_rows(kind.type_name, kind.columns))
        return {getattr(item, "id"): item for item in found}  # noqa: B009

    def got() -> dict[str, object]:
        return {getattr(item, "id"): item for item in store.summaries(kind)}  # noqa: B009

    assert got() == rows()
    edited = homes[0].model_copy(update={"address": "岩头村9组99号"})
    store.update(edited)
    person = store.load_all(Person, household_id=homes[1].id)[0]
    store.update(person.model_copy(update={"name": "改名后", "flags": [PersonFlag.DISABLED_CARE]}))
    with store.unit_of_work() as uow:  # an eviction by the pull
        conn = uow.connection
        for table in ("households", "persons", "visits"):
            column = "id" if table == "households" else "household_id"
            conn.execute(text(f"DELETE FROM {table} WHERE {column} = :h"), {"h": homes[2].id})
        uow.commit()
    assert got() == rows()
    assert homes[2].id not in got() and len(got()) == len(rows())
    if kind is facts.HOUSEHOLDS:
        assert cast(HouseholdSummary, got()[homes[0].id]).address == "岩头村9组99号"


def test_summaries_hold_what_the_records_hold(store: Store) -> None:
    household, members = household_with_members(2, seq=3)
    household = household.model_copy(
        update={"register_status": RegisterStatus.REGISTERED, "registered_on": date(2024, 5, 1)}
    )
    store.add_many([household], queue=False)  # the roster's, as a sync brought it
    store.add_many(members)
    store.settle_summaries()

    for reopened in (False, True):  # built from the rows, then from the sealed snapshot
        if reopened:
            store._snapshots.clear()
        assert store.summaries(facts.HOUSEHOLDS) == [household.summary()]
        assert sorted(store.summaries(facts.PERSONS)) == sorted(m.summary() for m in members)


def test_a_summary_cannot_be_written_back(store: Store) -> None:
    """A summary carries no phone, notes or ID number: written back as a household or a
    member it would blank them, so the store refuses it (and the type checker flags it)."""
    household, members = household_with_members(1)
    store.add_many([household, *members])
    queued = len(store.pending())
    summary = store.summaries(facts.HOUSEHOLDS)[0]
    member = store.summaries(facts.PERSONS)[0]
    assert not hasattr(summary, "phone") and not hasattr(member, "id_number")

    with pytest.raises(TypeError, match="HouseholdSummary is not a record"):
        store.update(summary)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="MemberSummary is not a record"):
        store.add_many([member._replace(id=new_id())])  # type: ignore[list-item]

    assert len(store.pending()) == queued
    assert store.get(Household, household.id).phone == household.phone


def test_a_reused_rowid_is_caught_by_the_count(store: Store) -> None:
    """SQLite gives a new row the largest rowid plus one: after the last row is deleted, the
    next insert reuses its rowid, which is not above what the snapshot covers."""
    homes = households(store, 2)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    served(store)
    with store.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(text("DELETE FROM visits WHERE rowid = (SELECT max(rowid) FROM visits)"))
        uow.commit()
    store.add(visit_for(homes[1], datetime(2026, 11, 3, 9)))
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT max(rowid) FROM visits").fetchone()[0] == 4  # reused
    assert served(store) == truth(store)
    assert len(served(store)[0]) == 4


def test_a_replaced_row_takes_a_new_rowid_and_is_found(store: Store) -> None:
    """The pull writes with INSERT OR REPLACE: no trigger fires, the new row is found."""
    homes = households(store, 2)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    served(store)
    first = sorted(truth(store)[0])[0]
    with store.unit_of_work() as uow:
        conn = uow.connection
        columns = "id, area_code, created_hlc, updated_hlc, author_worker_id, device_id, "
        columns += "server_seq, household_id, kind, mode, outcome, details"
        conn.execute(
            text(
                f"INSERT OR REPLACE INTO visits ({columns}) SELECT id, area_code, created_hlc, "
                "updated_hlc, author_worker_id, device_id, server_seq, household_id, kind, "
                "'video', outcome, details FROM visits WHERE id = :id"
            ),
            {"id": first},
        )
        uow.commit()
    assert touched(store.path) == 0
    now, _ = served(store)
    assert now == truth(store)[0] and now[first].mode == "video"


def test_settling_writes_every_snapshot_as_the_rows_are(store: Store) -> None:
    homes = households(store, 3)
    store.add_many(visits(homes, 2, datetime(2026, 10, 1, 9)))
    served(store)
    store.add(visit_for(homes[0], datetime(2026, 11, 9, 9)))  # a few: not yet written
    store.update(homes[1].model_copy(update={"address": "岩头村8组1号"}))
    before = snapshot_bytes(store.path)
    store.settle_summaries()
    assert snapshot_bytes(store.path) != before
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM touched").fetchone()[0] == 0
        names = {r[0] for r in conn.execute("SELECT name FROM snapshots")}
    assert names == {k.snapshot_name for k in facts.KINDS.values()}
    store._snapshots.clear()  # as a new unlock: everything comes from the snapshots
    assert served(store) == truth(store)
