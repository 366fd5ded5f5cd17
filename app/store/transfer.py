"""Export and import of records as JSON Lines (the device's and the server's exchange format).

Format, version 1: UTF-8 text, one JSON object per line, one record per line. Each object
has ``"type"`` (household, person, visit, need, consent, wish, referral) and ``"id"`` (the
record's UUID), and then the record's fields as the domain models name them, dates as
ISO 8601 strings and codes as their stable values (DOMAIN.md). Lines come parents first
(households, persons, visits, needs, consents, wishes, referrals). Blank lines are ignored.

Exports are masked unless asked for in full (app.reports.masking): names (张*明), ID
numbers (330702********1234), birth dates, phones and addresses masked, free text
blanked, no GPS, and every line marked ``"masked":true`` right after its id. Such a file
is for reading; import refuses it, and any line that looks masked, in one sentence.

Import takes the same format: a new id is a new local record, a known id an edit; both
are queued for sync like edits made in the app. The whole file is checked first; if any
line is invalid nothing is imported and every bad line is reported with its number.
Export files are new, 0600 and whole (app.reports.files.new_file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app.domain.errors import DoorstepError
from app.domain.records import BOOKKEEPING, DEVICE, RECORD_TYPES, IllegalChange, Record, Writer
from app.reports.files import new_file
from app.reports.masking import looks_masked, mask_record
from app.store.errors import IntegrityError, StoreError
from app.store.records import TYPE_ORDER
from app.store.store import Store

FORMAT_VERSION = 1
MAX_LINE_BYTES = 1_000_000
# JSON leaves these raw, but editors and str.splitlines() break lines at them.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def record_line(record: Record, *, mask: bool = False) -> str:
    """One record as a line of the format (without the newline), masked if asked."""
    data = record.model_dump(mode="json")
    body = {"type": record.type_name, "id": data.pop("id"), **data}
    if mask:
        body = mask_record(body)
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_LINE_BREAKS)


@dataclass
class ExportReport:
    written: int = 0
    damaged: list[IntegrityError] = field(default_factory=list)


def export_records(
    store: Store,
    out: Path,
    *,
    mask: bool = True,
    skip_damaged: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write every record to the new file `out`, masked unless `mask=False`; a damaged
    record fails the export unless skipped. The file is 0600 and appears only complete."""
    report = ExportReport()
    with new_file(out) as fh:
        for type_name in TYPE_ORDER:
            records = store.load_all(
                RECORD_TYPES[type_name], skip_damaged=skip_damaged, damaged=report.damaged
            )
            for record in records:
                fh.write((record_line(record, mask=mask) + "\n").encode("utf-8"))
            report.written += len(records)
            if progress:
                progress(len(records))
    with store.unit_of_work() as uow:
        uow.logs.log_access("export_masked" if mask else "export")
        uow.commit()
    return report


class LineError(DoorstepError):
    """A line of the file that cannot be imported: its number (`line`) and the `problem`."""

    default_code = "import.line"

    def __init__(self, line: int, problem: DoorstepError) -> None:
        super().__init__("import.line", line=line, problem=problem)
        self.line = line
        self.problem = problem


class MaskedLine(LineError):
    """A line of a masked export (its marker, or masked values no real record holds)."""


class ImportFailed(StoreError):
    """The file has invalid lines (`errors`); nothing was imported."""

    default_code = "import.failed"

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("import.failed", count=len(errors))


class MaskedImport(StoreError):
    """The file is (or holds lines of) a masked export: importing it would overwrite real
    values with masked ones, so nothing is imported."""

    default_code = "import.masked"

    def __init__(self, path: Path, lines: list[int]) -> None:
        self.lines = lines
        super().__init__("import.masked", file=path.name, first=lines[0], count=len(lines))


def _reason(exc: ValidationError) -> DoorstepError:
    """The first three problems of a line pydantic refused, each naming its field."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        said = (
            cause
            if isinstance(cause, DoorstepError)
            else DoorstepError("check.other", detail=err["msg"].removeprefix("Value error, "))
        )
        parts.append(DoorstepError("import.field", where=where, problem=said) if where else said)
    return DoorstepError("import.problems", problems=parts)


def read_records(path: Path) -> Iterator[tuple[int, Record | LineError]]:
    """Parse and validate each line; yields (line number, record or error). The input
    bounds are the importer's: a line may repeat a record stored before them."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if len(raw) > MAX_LINE_BYTES:
                yield number, LineError(number, DoorstepError("import.too_long"))
                continue
            try:
                text = raw.decode("utf-8").strip().lstrip("\ufeff")
            except UnicodeDecodeError:
                yield number, LineError(number, DoorstepError("import.not_utf8"))
                continue
            if not text:
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, LineError(number, DoorstepError("import.not_json", column=exc.colno))
                continue
            if not isinstance(data, dict):
                yield number, LineError(number, DoorstepError("import.not_object"))
                continue
            if looks_masked(data):
                yield number, MaskedLine(number, DoorstepError("import.masked_line"))
                continue
            type_name = data.pop("type", None)
            if type_name not in RECORD_TYPES:
                yield (
                    number,
                    LineError(number, DoorstepError("import.unknown_type", type=type_name)),
                )
                continue
            if "id" not in data:
                yield number, LineError(number, DoorstepError("import.no_id"))
                continue
            try:
                yield number, RECORD_TYPES[type_name].from_stored(data)
            except ValidationError as exc:
                yield number, LineError(number, _reason(exc))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_records(
    store: Store, path: Path, *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import a JSON Lines file in one transaction, or raise ImportFailed naming every bad
    line (MaskedImport, one sentence, if any line comes from a masked export)."""
    errors: list[LineError] = []
    masked: list[int] = []
    parsed: list[tuple[int, Record]] = []
    seen: dict[str, int] = {}
    for number, item in read_records(path):
        if isinstance(item, MaskedLine):
            masked.append(number)
        elif isinstance(item, LineError):
            errors.append(item)
        elif item.id in seen:
            errors.append(
                LineError(number, DoorstepError("import.repeated", id=item.id, first=seen[item.id]))
            )
        else:
            seen[item.id] = number
            parsed.append((number, item))
    if masked:
        raise MaskedImport(path, masked)

    by_type: dict[str, list[str]] = {}
    for _, record in parsed:
        by_type.setdefault(record.type_name, []).append(record.id)
    stored = {name: store.existing_ids(name, ids) for name, ids in by_type.items()}
    in_file = {name: set(ids) for name, ids in by_type.items()}
    parents = {
        name: in_file.get(name, set())
        | store.existing_ids(name, {getattr(r, f"{name}_id", None) or "" for _, r in parsed})
        for name in ("household", "person")
    }
    creates: list[Record] = []
    updates: list[Record] = []
    report = ImportReport()
    writer = store.writer()
    for number, record in parsed:
        problem = _reference_problem(record, parents)
        if problem:
            errors.append(LineError(number, problem))
            continue
        if record.id not in stored[record.type_name]:
            problem = _create_problem(record, writer)
            if problem:
                errors.append(LineError(number, problem))
                continue
            fresh = record.model_copy(update={k: "" for k in BOOKKEEPING if k != "id"})
            creates.append(fresh)
            continue
        current = store.get(type(record), record.id)
        if current.content() == record.content():
            report.unchanged += 1
            continue
        problem = _edit_problem(current, record)
        if problem:
            errors.append(LineError(number, problem))
            continue
        updates.append(record)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.line))
    creates.sort(key=lambda r: TYPE_ORDER.index(r.type_name))
    with store.unit_of_work() as uow:
        created = uow.records.add_many(creates, progress=progress)
        updated = uow.records.update_many(updates, progress)
        uow.commit()
    report.created, report.updated = len(created), len(updated)
    return report


def _create_problem(record: Record, writer: Writer) -> DoorstepError | None:
    try:
        type(record).model_validate(record.model_dump())  # a new record: every bound
        record.check_create(writer)
    except ValidationError as exc:
        return _reason(exc)
    except IllegalChange as exc:
        return exc
    return None


def _edit_problem(current: Record, edited: Record) -> DoorstepError | None:
    before, after = current.content(), edited.content()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    try:
        type(current).edited(edited.model_dump(), changed)  # bounds on what it changes
        type(current).check_edit(before, changed, DEVICE)
    except ValidationError as exc:
        return DoorstepError("import.edit", problem=_reason(exc), id=current.id)
    except IllegalChange as exc:
        return DoorstepError("import.edit", problem=exc, id=current.id)
    return None


def _reference_problem(record: Record, parents: dict[str, set[str]]) -> DoorstepError | None:
    household_id = getattr(record, "household_id", None)
    if household_id and household_id not in parents["household"]:
        return DoorstepError("import.no_household", id=household_id)
    person_id = getattr(record, "person_id", None)
    if person_id and person_id not in parents["person"]:
        return DoorstepError("import.no_person", id=person_id)
    return None
