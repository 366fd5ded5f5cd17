"""The roster's summaries give exactly the visit statuses the full records give."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

from app.demo.generator import generate
from app.domain.policy import visit_status
from app.domain.records import Household, Person, Visit
from app.store.sandbox import Sandbox, open_store
from app.ui.viewmodels.workspace import Roster, Workspace


def test_roster_statuses_match_the_full_records(tmp_path: Path) -> None:
    today = date(2026, 5, 20)
    data = generate(300, seed=3, today=today, scope=["330702"])
    sandbox, key = Sandbox.create(tmp_path, "核对员", "135790", scrypt_n=2**10)
    store = open_store(sandbox, key)
    store.set_meta("scope", "330702")
    store.add_many(data.records(), queue=False)
    ws = Workspace(sandbox, store, clock=lambda: datetime(2026, 5, 20, 9))
    try:
        assert len(ws.roster.households) == 300
        kept = sum(len(v) for v in ws.roster.visits.values())
        assert kept < len(data.visits)
        urgencies = set()
        for household in store.load_all(Household):
            members = store.load_all(Person, household_id=household.id)
            visits = store.load_all(Visit, household_id=household.id)
            full = visit_status(ws.policy, household, members, visits, today)
            assert ws.status(household.id) == full, household.id
            if full is not None:
                urgencies.add(full.urgency)
        assert len(urgencies) >= 3  # the data exercises several kinds of status
    finally:
        ws.lock()


def test_damaged_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    data = generate(20, seed=5, today=date(2026, 5, 20), scope=["330702"])
    sandbox, key = Sandbox.create(tmp_path, "核对员", "135790", scrypt_n=2**10)
    store = open_store(sandbox, key)
    store.add_many(data.records(), queue=False)
    victim = data.households[3].id
    with sqlite3.connect(store.path) as conn:
        (blob,) = conn.execute("SELECT details FROM households WHERE id = ?", (victim,)).fetchone()
        flipped = bytes(blob[:-2]) + bytes([blob[-2] ^ 1]) + bytes(blob[-1:])
        conn.execute("UPDATE households SET details = ? WHERE id = ?", (flipped, victim))
    try:
        roster = Roster.load(store, ())
        assert roster.damaged == [victim]
        assert victim not in roster.households and len(roster.households) == 19
    finally:
        store.close()
