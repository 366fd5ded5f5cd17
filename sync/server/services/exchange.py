"""Bulk data in and out of the server: JSON Lines export (the device export's format,
`app.store.transfer`) and the demo data set."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.domain.records import RECORD_TYPES, Record
from app.reports.files import new_file
from app.store.records import TYPE_ORDER
from app.store.transfer import record_line
from sync import merge
from sync.server.context import ServerContext, set_meta
from sync.server.errors import BadRequest
from sync.server.services import admin, audit
from sync.server.services.feed import Feed
from sync.server.tables import Area, RecordRow, Worker


def export_jsonl(ctx: ServerContext, out: Path, *, mask: bool = True, actor: str = "cli") -> int:
    """Every record, parents first, one JSON object per line, masked unless `mask=False`;
    `out` is a new 0600 file that appears complete (app.reports.files.new_file)."""
    written = 0
    with ctx.db.reading() as s, new_file(out) as fh:
        for type_name in TYPE_ORDER:
            rows = s.execute(
                select(col(RecordRow.data))
                .where(col(RecordRow.type) == type_name)
                .order_by(col(RecordRow.seq))
            ).scalars()
            model = RECORD_TYPES[type_name]
            for data in rows:
                line = record_line(model.from_stored(data), mask=mask)
                fh.write((line + "\n").encode("utf-8"))
                written += 1
    with ctx.db.small_write() as s:
        audit.record(s, "export", actor=actor, file=out.name, records=written, masked=mask)
    return written


@dataclass(frozen=True)
class DemoLoad:
    workers: list[tuple[str, str, str]]  # (id, name, areas)
    records: int


def load_records(ctx: ServerContext, records: Iterable[Record], *, actor: str = "cli") -> int:
    """Insert records as server changes, parents first; ids already stored are skipped."""
    with ctx.db.writing() as s:
        existing = set(s.execute(select(col(RecordRow.id))).scalars())
        feed = Feed(s)

        def rows() -> Iterator[tuple[str, dict[str, Any], merge.Stamps]]:
            for record in records:
                if record.id in existing:
                    continue
                data = record.model_dump(mode="json")
                hlc = data.get("updated_hlc") or ctx.clock.now()
                data["created_hlc"] = data.get("created_hlc") or hlc
                data["updated_hlc"] = hlc
                existing.add(record.id)
                yield record.type_name, data, {merge.WHOLE_RECORD: [hlc, 0, "server"]}

        written = feed.insert_many(rows())
        feed.close()
        audit.record(s, "records_loaded", actor=actor, records=written)
        set_meta(s, "hlc", ctx.clock.last)
    return written


def load_demo(
    ctx: ServerContext,
    households: int,
    *,
    seed: int = 1,
    today: date | None = None,
    scope: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    charities: Sequence[Any] = (),
) -> DemoLoad:
    """Generate the demo county (app.demo) and load its areas, workers and records;
    referrals to a charity go to `charities` (app.demo.charities.Charity, registered here)."""
    from app.demo.generator import InvalidDemoRequest, generate

    try:
        demo: Any = generate(
            households,
            seed=seed,
            today=today or date.today(),
            scope=scope,
            charities=charities,
        )
    except InvalidDemoRequest as exc:
        raise BadRequest(f"{exc}。".replace("。。", "。")) from None
    with ctx.db.small_write() as s:
        for code, name in demo.areas.items():
            if s.get(Area, code) is None:
                s.add(Area(code=code, name=name))
    workers = []
    for w in demo.workers:
        with ctx.db.reading() as s:
            exists = s.get(Worker, w.id) is not None
        if not exists:
            admin.create_worker(
                ctx, w.name, str(w.role), str(w.team), list(w.areas), worker_id=w.id
            )
        workers.append((w.id, w.name, ",".join(w.areas)))
    if progress:
        progress(f"{len(workers)} workers")
    written = load_records(ctx, list(demo.records()))
    return DemoLoad(workers, written)
