"""The visit-facts snapshot: what the Today list and the reports read of every visit, kept
ready so that a supervisor's 5,000 households do not mean 60,000 decryptions each time.

Every visit row is sealed on its own (app/store/records.py). Reading all of them to build
`VisitFact`s costs about 15 µs a visit; the snapshot keeps those facts in one sealed value
(`snapshots` table, AES-GCM like any other personal value), and SQLite triggers note the id
of every visit inserted, changed or deleted since in `visits_touched`, in the same
transaction as the change. Reading the facts is then: open the snapshot (once per unlock),
re-read the few touched rows, done. When the touched rows pile up past `REFRESH_AFTER`, the
snapshot is rewritten and the list cleared, in one transaction.

The rows stay the truth: a snapshot that is missing, damaged or of another format is
rebuilt from them, and a damaged visit row is reported by id, never put in the snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from app.domain.coverage import VisitFact
from app.store.records import ROW_KEY, mapping_for
from app.store.tables import SnapshotRow, VisitTouchedRow

SNAPSHOTS = SnapshotRow.__table__  # type: ignore[attr-defined]
TOUCHED = VisitTouchedRow.__table__  # type: ignore[attr-defined]
VISIT_FACTS = "visit_facts"
FORMAT = 1
REFRESH_AFTER = 500  # touched visits read on top of the snapshot before it is rewritten
CHUNK = 500  # ids per IN (...) list


@dataclass
class FactSet:
    """Visit facts by visit id, and the ids of visit rows that failed to open."""

    facts: dict[str, VisitFact] = field(default_factory=dict)
    damaged: set[str] = field(default_factory=set)

    def copy(self) -> FactSet:
        return FactSet(dict(self.facts), set(self.damaged))

    def apply(self, touched: Iterable[str], rows: Iterable[dict[str, Any]]) -> None:
        """Forget the touched ids, then take what their rows hold now (deleted: nothing)."""
        for visit_id in touched:
            self.facts.pop(visit_id, None)
            self.damaged.discard(visit_id)
        for row in rows:
            fact = fact_of(row)
            if fact is None:
                self.damaged.add(row["id"])
            else:
                self.facts[row["id"]] = fact

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "name": VISIT_FACTS,
                "facts": [
                    [
                        f.household_id,
                        f.visited_at.isoformat(),
                        f.mode.value,
                        f.is_contact,
                        f.worker_id,
                        f.team,
                        f.id,
                        f.amends_visit_id,
                    ]
                    for f in self.facts.values()
                ],
                "damaged": sorted(self.damaged),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> FactSet | None:
        """The snapshot's facts, or None when it is not one this code wrote."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("name") != VISIT_FACTS:
                return None
            parse = datetime.fromisoformat
            facts = {
                vid: VisitFact(hid, parse(at), VisitFact.mode_of(mode), contact, w, t, vid, amends)
                for hid, at, mode, contact, w, t, vid, amends in data["facts"]
            }
            return cls(facts, set(data["damaged"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def fact_of(row: dict[str, Any]) -> VisitFact | None:
    """The facts of a decrypted visit row (id, household_id, mode, outcome, details), or
    None when its sealed details fail to open or belong to another row."""
    details = row["details"]
    if not isinstance(details, dict) or details.get(ROW_KEY) != row["id"]:
        return None
    try:
        return VisitFact.of(
            row["household_id"],
            datetime.fromisoformat(details["visited_at"]),
            row["mode"],
            row["outcome"],
            details["worker_id"],
            details["team"],
            row["id"],
            details.get("amends_visit_id"),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _visit_rows(conn: Connection, ids: list[str] | None) -> Iterator[dict[str, Any]]:
    """Visit rows with their details decrypted: all of them, or those of `ids`."""
    table = mapping_for("visit").table
    c = table.c
    query = select(c.id, c.household_id, c.mode, c.outcome, c.details)
    if ids is None:
        yield from (dict(row) for row in conn.execute(query).mappings())
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield from (dict(row) for row in conn.execute(query.where(c.id.in_(chunk))).mappings())


def read_snapshot(conn: Connection) -> FactSet | None:
    value = conn.execute(
        select(SNAPSHOTS.c.content).where(SNAPSHOTS.c.name == VISIT_FACTS)
    ).scalar()
    return FactSet.from_json(value) if isinstance(value, str) else None


def touched_ids(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(TOUCHED.c.id))]


def write_snapshot(conn: Connection, facts: FactSet) -> None:
    """Replace the snapshot with `facts` and clear the touched list, in `conn`'s transaction."""
    conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.name == VISIT_FACTS))
    conn.execute(insert(SNAPSHOTS).values(name=VISIT_FACTS, content=facts.to_json()))
    conn.execute(delete(TOUCHED))


def current(conn: Connection, base: FactSet | None) -> tuple[FactSet, FactSet]:
    """(the facts as the rows hold them now, the snapshot as stored after this call).

    `base` is the snapshot as last read or written by this process (None: read it).
    `conn` must be in a write transaction when the snapshot may be rewritten.
    """
    if base is None:
        base = read_snapshot(conn)
    touched = touched_ids(conn)
    if base is None:
        rebuilt = FactSet()
        rebuilt.apply((), _visit_rows(conn, None))
        write_snapshot(conn, rebuilt)
        return rebuilt, rebuilt
    if not touched:
        return base, base
    now = base.copy()
    now.apply(touched, _visit_rows(conn, touched))
    if len(touched) > REFRESH_AFTER:
        write_snapshot(conn, now)
        return now, now
    return now, base
