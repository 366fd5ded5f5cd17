"""The bureau's annotations (批注) of the computed indicators of the target list.

Indicators the app computes from data (探访关爱率, 服务项目在册困难群众覆盖率, the project
library's counts, 微心愿化解数量, …) cannot be typed over; a supervisor or admin may still
say something about one for a year — a caveat, a source, a correction under way. The
latest note is shown beside the figure (console, exports), never in its place; every note
is kept with who wrote it and when, and the writing is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from app.assets import load_target_list
from app.domain.indicators import Source
from sync.server.context import ServerContext
from sync.server.errors import BadRequest
from sync.server.services import audit
from sync.server.tables import IndicatorNote

NOTE_MAX = 500  # characters: a caveat or a source, not a report
HISTORY_SHOWN = 100
WRITER_MAX = 100
CURRENT_READ_MAX = 10_000  # a year's notes read for the latest of each indicator


class NoteRefused(BadRequest):
    """An annotation that cannot be taken; the message says why in one sentence."""

    code = "invalid_indicator_note"


@dataclass(frozen=True)
class Annotation:
    """One note on an indicator for a year, with who wrote it (an actor, and their name as
    it was then) and when."""

    code: str
    year: int
    note: str
    written_by: str
    writer: str
    written_at: datetime


def annotate(
    ctx: ServerContext, year: int, code: str, note: str, *, actor: str, writer: str
) -> Annotation:
    """Add a note to a computed indicator of `year`; NoteRefused for a year or indicator the
    target list does not compute, an empty note or one over `NOTE_MAX` characters."""
    targets = load_target_list()
    if year not in targets.years:
        raise NoteRefused(f"目标清单没有 {year} 年的目标值。")
    spec = next((s for s in targets.indicators if s.code == code), None)
    if spec is None or spec.source != Source.MEASURED:
        raise NoteRefused("只能为系统统计的指标添加批注（填报的指标请在填报时写佐证说明）。")
    text = note.strip()
    if not text:
        raise NoteRefused("请填写批注内容。")
    if len(text) > NOTE_MAX:
        raise NoteRefused(f"批注不能超过 {NOTE_MAX} 个字（现有 {len(text)} 个字）。")
    row = IndicatorNote(
        code=code,
        year=year,
        note=text,
        written_by=actor,
        writer=writer[:WRITER_MAX],
        written_at=datetime.now(UTC),
    )
    with ctx.db.small_write() as s:
        s.add(row)
        audit.record(s, "indicator_annotated", actor=actor, year=year, code=code)
    return _annotation(row)


def _annotation(row: IndicatorNote) -> Annotation:
    return Annotation(row.code, row.year, row.note, row.written_by, row.writer, row.written_at)


def history(session: Session, year: int, limit: int = HISTORY_SHOWN) -> list[Annotation]:
    """The year's notes, newest first."""
    rows = session.exec(
        select(IndicatorNote)
        .where(col(IndicatorNote.year) == year)
        .order_by(col(IndicatorNote.id).desc())
        .limit(limit)
    )
    return [_annotation(r) for r in rows]


def current(session: Session, year: int) -> dict[str, Annotation]:
    """The latest note of each annotated indicator of the year, by indicator code."""
    latest: dict[str, Annotation] = {}
    rows = session.exec(
        select(IndicatorNote)
        .where(col(IndicatorNote.year) == year)
        .order_by(col(IndicatorNote.id).desc())
        .limit(CURRENT_READ_MAX)
    )
    for row in rows:
        latest.setdefault(row.code, _annotation(row))
    return latest


def note_texts(session: Session, year: int) -> dict[str, str]:
    """The latest note of each annotated indicator as an export shows it: the note, who
    wrote it and the day (UTC), by indicator code."""
    return {
        code: f"{a.note}（{a.writer}，{a.written_at:%Y-%m-%d}）"
        for code, a in current(session, year).items()
    }


@dataclass(frozen=True)
class YearNotes:
    """A year's notes as the console's indicators page shows them."""

    current: dict[str, Annotation]
    history: list[Annotation]


def year_notes(ctx: ServerContext, year: int) -> YearNotes:
    """The latest note of each indicator of `year`, and the year's notes, newest first."""
    with ctx.db.reading() as s:
        return YearNotes(current(s, year), history(s, year))
