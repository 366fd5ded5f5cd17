"""Summaries kept ready: what the Today list, the household list and the reports read of
every household, member and visit, so that opening 5,000 households does not mean
80,000 decryptions and pydantic validations each time.

Every row is sealed on its own (app/store/records.py). Reading all of them costs 15–40 µs
a record; a snapshot keeps the summaries of one record type in one sealed value (the
`snapshots` table, AES-GCM like any other personal value) with the highest rowid it covers.
Rows inserted since have higher rowids (SQLite gives a new row the largest rowid plus one,
also when INSERT OR REPLACE replaces a row); SQLite triggers note the id of every row
changed or deleted since in `touched`, in the same transaction as the change. Reading the
summaries is then: open the snapshot (once per unlock), re-read the few rows inserted or
touched since, and check the count against the table's (a rowid reused after the last row
was deleted would otherwise hide a row; a mismatch rebuilds). When those rows pile up past
`REFRESH_AFTER`, the snapshot is rewritten and its touched ids cleared, in one transaction.

The rows stay the truth: a snapshot that is missing, damaged or of another format is
rebuilt from them, and a damaged row is reported by id, never put in a snapshot.

Summaries are not records: households and members are `HouseholdSummary` and
`MemberSummary` (app/domain/summaries.py), visits `VisitFact`s, built from values that
were validated when their rows were written, with only what lists, search and the visit
rules read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, delete, func, insert, literal_column, select

from app.domain.codes import Category, PersonFlag, RegisterStatus, VisitOutcome
from app.domain.coverage import VisitFact, visit_mode
from app.domain.summaries import HouseholdSummary, MemberSummary
from app.memory import collector_paused
from app.store.columns import Damaged
from app.store.records import ROW_KEY, mapping_for
from app.store.tables import SnapshotRow, TouchedRow

SNAPSHOTS = SnapshotRow.__table__  # type: ignore[attr-defined]
TOUCHED = TouchedRow.__table__  # type: ignore[attr-defined]
FORMAT = 2  # 2: households carry the monitored categories' days and the income
REFRESH_AFTER = 500  # touched rows read on top of a snapshot before it is rewritten
CHUNK = 500  # ids per IN (...) list
ROWID = "_rowid"  # the row's SQLite rowid, as read with it

T = TypeVar("T")


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


_CATEGORIES = {c.value: c for c in Category}
_FLAGS = {f.value: f for f in PersonFlag}
_STATUSES = {s.value: s for s in RegisterStatus}
_OUTCOMES = {o.value: o for o in VisitOutcome}


# --- the three kinds of summary ------------------------------------------------------------


@dataclass(frozen=True)
class Kind(Generic[T]):
    """How one record type is summarised: from a decrypted row, and to and from JSON."""

    type_name: str
    columns: tuple[str, ...]
    of_row: Callable[[dict[str, Any]], T | None]  # None: the row is damaged
    to_list: Callable[[T], list[Any]]
    from_list: Callable[[list[Any]], T]

    @property
    def snapshot_name(self) -> str:
        return f"{self.type_name}_summaries"


def _sealed_ok(row: dict[str, Any], *names: str) -> bool:
    details = row["details"]
    if not isinstance(details, dict) or details.get(ROW_KEY) != row["id"]:
        return False
    return not any(isinstance(row[n], Damaged) for n in names)


def _household_of_row(row: dict[str, Any]) -> HouseholdSummary | None:
    if not _sealed_ok(row, "address"):
        return None
    details = row["details"]
    return _household(
        [
            row["id"],
            row["area_code"],
            row["address"] or "",
            details.get("categories", []),
            row["register_status"],
            details.get("registered_on"),
            details.get("left_on"),
            details.get("exited_on"),
            details.get("rejected_on"),
            details.get("temporary_aid_on"),
            details.get("annual_income_yuan"),
        ]
    )


def _household(item: list[Any]) -> HouseholdSummary:
    hid, area, address, categories, status, registered_on, left_on, *more = item
    exited, rejected, temporary, income = more
    return HouseholdSummary(
        hid,
        area,
        address,
        tuple([_CATEGORIES[c] for c in categories]),
        _STATUSES[status],
        _day(registered_on),
        _day(left_on),
        _day(exited),
        _day(rejected),
        _day(temporary),
        income if isinstance(income, int) else None,
    )


def _household_list(h: HouseholdSummary) -> list[Any]:
    return [
        h.id,
        h.area_code,
        h.address,
        [c.value for c in h.categories],
        h.register_status.value,
        _iso(h.registered_on),
        _iso(h.left_on),
        _iso(h.exited_on),
        _iso(h.rejected_on),
        _iso(h.temporary_aid_on),
        h.annual_income_yuan,
    ]


def _person_of_row(row: dict[str, Any]) -> MemberSummary | None:
    if not _sealed_ok(row, "name"):
        return None
    d = row["details"]
    return _person(
        [
            row["id"],
            row["area_code"],
            row["household_id"],
            row["name"] or "",
            d.get("relation", "户主"),
            d.get("birth_date"),
            d.get("gender"),
            d.get("flags", []),
            d.get("major_event_date"),
            d.get("major_event_recorded_on"),
            bool(d.get("lives_alone", False)),
            d.get("left_on"),
        ]
    )


def _person(item: list[Any]) -> MemberSummary:
    (pid, area, hid, name, relation, birth, gender, flags, event, recorded, alone, left) = item
    return MemberSummary(
        pid,
        area,
        hid,
        name,
        relation,
        _day(birth),
        gender,
        tuple([_FLAGS[f] for f in flags]),
        _day(event),
        _day(recorded),
        alone,
        _day(left),
    )


def _person_list(p: MemberSummary) -> list[Any]:
    return [
        p.id,
        p.area_code,
        p.household_id,
        p.name,
        p.relation,
        _iso(p.birth_date),
        p.gender,
        [f.value for f in p.flags],
        _iso(p.major_event_date),
        _iso(p.major_event_recorded_on),
        p.lives_alone,
        _iso(p.left_on),
    ]


def _visit_of_row(row: dict[str, Any]) -> VisitFact | None:
    if not _sealed_ok(row):
        return None
    details = row["details"]
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


def _visit(item: list[Any]) -> VisitFact:
    hid, at, mode, contact, worker, team, vid, amends, outcome = item
    return VisitFact(
        hid,
        datetime.fromisoformat(at),
        visit_mode(mode),
        contact,
        worker,
        team,
        vid,
        amends,
        _OUTCOMES.get(outcome),
    )


def _visit_list(f: VisitFact) -> list[Any]:
    return [
        f.household_id,
        f.visited_at.isoformat(),
        f.mode.value,
        f.is_contact,
        f.worker_id,
        f.team,
        f.id,
        f.amends_visit_id,
        f.outcome.value if f.outcome is not None else None,
    ]


HOUSEHOLDS: Kind[HouseholdSummary] = Kind(
    "household",
    ("id", "area_code", "register_status", "address", "details"),
    _household_of_row,
    _household_list,
    _household,
)
PERSONS: Kind[MemberSummary] = Kind(
    "person",
    ("id", "area_code", "household_id", "name", "details"),
    _person_of_row,
    _person_list,
    _person,
)
VISITS: Kind[VisitFact] = Kind(
    "visit",
    ("id", "household_id", "mode", "outcome", "details"),
    _visit_of_row,
    _visit_list,
    _visit,
)
KINDS: dict[str, Kind[Any]] = {k.type_name: k for k in (HOUSEHOLDS, PERSONS, VISITS)}


# --- snapshots -------------------------------------------------------------------------------


@dataclass
class Summaries(Generic[T]):
    """Summaries of one record type by id, and the ids of rows that failed to open."""

    kind: Kind[T]
    items: dict[str, T] = field(default_factory=dict)
    damaged: set[str] = field(default_factory=set)
    upto: int = 0  # the highest rowid read

    def copy(self) -> Summaries[T]:
        return Summaries(self.kind, dict(self.items), set(self.damaged), self.upto)

    def __len__(self) -> int:
        return len(self.items) + len(self.damaged)

    def apply(self, touched: Iterable[str], rows: Iterable[dict[str, Any]]) -> None:
        """Forget the touched ids, then take what their rows hold now (deleted: nothing)."""
        for record_id in touched:
            self.items.pop(record_id, None)
            self.damaged.discard(record_id)
        for row in rows:
            self.upto = max(self.upto, row[ROWID])
            item = self.kind.of_row(row)
            if item is None:
                self.damaged.add(row["id"])
            else:
                self.items[row["id"]] = item

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "name": self.kind.snapshot_name,
                "items": [self.kind.to_list(item) for item in self.items.values()],
                "damaged": sorted(self.damaged),
                "upto": self.upto,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, kind: Kind[T], text: str) -> Summaries[T] | None:
        """The snapshot's summaries, or None when it is not one this code wrote."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("name") != kind.snapshot_name:
                return None
            items = [kind.from_list(item) for item in data["items"]]
            by_id = {cast(Any, i).id: i for i in items}
            return cls(kind, by_id, set(data["damaged"]), int(data["upto"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def _rows(
    conn: Connection, kind: Kind[Any], *, ids: list[str] | None = None, after: int = 0
) -> Iterator[dict[str, Any]]:
    """Rows with their sealed columns decrypted and their rowid: those of `ids`, or all
    with a rowid above `after`."""
    mapping = mapping_for(kind.type_name)
    c = mapping.table.c
    rowid: Any = literal_column("rowid")
    query = select(rowid.label(ROWID), *(c[name] for name in kind.columns))
    sealed = [name for name in mapping.sealed if name in kind.columns]

    def opened(rows: Any) -> Iterator[dict[str, Any]]:
        for row in rows:
            out = dict(row)
            for name in sealed:
                out[name] = mapping.open_sealed(row, name)
            yield out

    if ids is None:
        yield from opened(conn.execute(query.where(rowid > after)).mappings())
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield from opened(conn.execute(query.where(c.id.in_(chunk))).mappings())


def _count(conn: Connection, kind: Kind[Any]) -> int:
    table = mapping_for(kind.type_name).table
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def read_snapshot(conn: Connection, kind: Kind[T]) -> Summaries[T] | None:
    name = kind.snapshot_name
    value = conn.execute(select(SNAPSHOTS.c.content).where(SNAPSHOTS.c.name == name)).scalar()
    return Summaries.from_json(kind, value) if isinstance(value, str) else None


def touched_ids(conn: Connection, kind: Kind[Any]) -> list[str]:
    query = select(TOUCHED.c.id).where(TOUCHED.c.type == kind.type_name)
    return [r[0] for r in conn.execute(query)]


def write_snapshot(conn: Connection, summaries: Summaries[Any]) -> None:
    """Replace the snapshot and clear its touched ids, in `conn`'s transaction."""
    kind = summaries.kind
    conn.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.name == kind.snapshot_name))
    conn.execute(insert(SNAPSHOTS).values(name=kind.snapshot_name, content=summaries.to_json()))
    conn.execute(delete(TOUCHED).where(TOUCHED.c.type == kind.type_name))


def current(
    conn: Connection, kind: Kind[T], base: Summaries[T] | None, *, settle: bool = False
) -> tuple[Summaries[T], Summaries[T]]:
    """(the summaries as the rows hold them now, the snapshot as stored after this call).

    `base` is the snapshot as last read or written by this process (None: read it).
    `conn` must be in a write transaction: the snapshot may be rewritten.
    """
    with collector_paused():
        return _current(conn, kind, base, settle)


def _current(
    conn: Connection, kind: Kind[T], base: Summaries[T] | None, settle: bool
) -> tuple[Summaries[T], Summaries[T]]:
    if base is None:
        base = read_snapshot(conn, kind)
    if base is not None:
        touched = touched_ids(conn, kind)
        inserted = list(_rows(conn, kind, after=base.upto))
        if not touched and not inserted:
            return base, base
        now = base.copy()
        now.apply(touched, _rows(conn, kind, ids=touched))
        now.apply((), inserted)
        if len(now) == _count(conn, kind):
            if len(touched) + len(inserted) <= (0 if settle else REFRESH_AFTER):
                return now, base
            write_snapshot(conn, now)
            return now, now
    rebuilt = Summaries(kind)
    rebuilt.apply((), _rows(conn, kind))
    write_snapshot(conn, rebuilt)
    return rebuilt, rebuilt
