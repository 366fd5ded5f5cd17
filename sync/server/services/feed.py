"""The change feed's write side: records get a server sequence when they change.

Used by pushes, roster imports, demo data, conflict reverts and server-only wish
transitions alike, always inside `Database.writing()` so sequences commit in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from sync import merge
from sync.server.db import current_seq
from sync.server.tables import BoardWish, Counter, Move, RecordRow


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Feed:
    """Hands out sequence numbers within one write transaction and writes records."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._start = current_seq(session)
        self.last = self._start
        self._known: dict[str, RecordRow | None] = {}
        self._inserted: list[str] | None = None  # ids inserted within `savepoint()`

    def next(self) -> int:
        self.last += 1
        return self.last

    def close(self) -> None:
        """Store the new head of the sequence (in the same transaction)."""
        if self.last != self._start:
            self.session.execute(
                update(Counter).where(col(Counter.name) == "seq").values(value=self.last)
            )

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One change in a SAVEPOINT: if anything in it raises (a database error too), that
        change alone is undone, with the sequence numbers it took; the transaction goes on."""
        self.session.flush()  # what came before is not this change's to fail
        last, self._inserted = self.last, []
        try:
            with self.session.begin_nested():
                yield
                self.session.flush()
        except BaseException:
            self.last = last
            self._known.update(dict.fromkeys(self._inserted))
            raise
        finally:
            self._inserted = None

    def preload(self, record_ids: Iterable[str]) -> None:
        """Read the rows a batch will touch in a few queries instead of one per mutation."""
        wanted = sorted({i for i in record_ids if i and i not in self._known})
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            self._known.update(dict.fromkeys(chunk))
            rows = self.session.exec(select(RecordRow).where(col(RecordRow.id).in_(chunk)))
            self._known.update({row.id: row for row in rows})

    def get(self, record_id: str) -> RecordRow | None:
        if record_id not in self._known:
            self._known[record_id] = self.session.get(RecordRow, record_id)
        return self._known[record_id]

    def insert(self, record_type: str, data: dict[str, Any], stamps: merge.Stamps) -> RecordRow:
        row = RecordRow(
            id=data["id"],
            type=record_type,
            area_code=data["area_code"],
            household_id=data.get("household_id") if record_type != "household" else data["id"],
            seq=self.next(),
            data=dumps(data),
            stamps=stamps,
        )
        self.session.add(row)
        self._known[row.id] = row
        if self._inserted is not None:
            self._inserted.append(row.id)
        return row

    def insert_many(self, items: Iterable[tuple[str, dict[str, Any], merge.Stamps]]) -> int:
        """Bulk insert of new records (demo data, benchmarks): Core inserts in chunks."""
        table = RecordRow.__table__  # type: ignore[attr-defined]
        batch: list[dict[str, Any]] = []
        count = 0
        for record_type, data, stamps in items:
            batch.append(
                {
                    "id": data["id"],
                    "type": record_type,
                    "area_code": data["area_code"],
                    "household_id": data["id"]
                    if record_type == "household"
                    else data.get("household_id"),
                    "seq": self.next(),
                    "data": dumps(data),
                    "stamps": stamps,
                }
            )
            if len(batch) == 5000:
                self.session.execute(insert(table), batch)
                count += len(batch)
                batch = []
        if batch:
            self.session.execute(insert(table), batch)
            count += len(batch)
        return count

    def replace(self, row: RecordRow, data: dict[str, Any], stamps: merge.Stamps) -> None:
        """New content for `row`; a household that changed area takes its records along."""
        old_area = row.area_code
        row.data = dumps(data)
        row.stamps = stamps
        row.seq = self.next()
        row.area_code = data["area_code"]
        self.session.add(row)
        if row.type == "wish":
            # A wish on the public board shows its state there (published, claimed, 圆梦).
            self.session.execute(
                update(BoardWish)
                .where(col(BoardWish.wish_id) == row.id)
                .values(state=str(data.get("state", "")))
            )
        if row.area_code != old_area:
            self.session.add(
                Move(seq=row.seq, record_type=row.type, record_id=row.id, from_area=old_area)
            )
            if row.type == "household":
                self._move_children(row.id, old_area, row.area_code)

    def repoint(self, row: RecordRow, data: dict[str, Any]) -> None:
        """`row` now hangs off another household (`data`'s household and area, set by the
        server when a 主动发现 household merges into a registered one): a new change, and a
        move for the devices of the area it left."""
        old_area = row.area_code
        row.data = dumps(data)
        row.household_id = data["household_id"]
        row.area_code = data["area_code"]
        row.seq = self.next()
        self.session.add(row)
        if row.area_code != old_area:
            self.session.add(
                Move(seq=row.seq, record_type=row.type, record_id=row.id, from_area=old_area)
            )

    def _move_children(self, household_id: str, old_area: str, new_area: str) -> None:
        self.session.flush()
        children = self.session.exec(
            select(RecordRow).where(
                RecordRow.household_id == household_id, RecordRow.type != "household"
            )
        )
        for child in children:
            data = json.loads(child.data)
            data["area_code"] = new_area
            child.data = dumps(data)
            child.area_code = new_area
            child.seq = self.next()
            self.session.add(child)
            self.session.add(
                Move(seq=child.seq, record_type=child.type, record_id=child.id, from_area=old_area)
            )
