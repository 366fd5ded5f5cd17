"""Export and import of records as JSON Lines (the device's and the server's exchange format).

Format, version 1: UTF-8 text, one JSON object per line, one record per line. Each object
has ``"type"`` (household, person, visit, need, consent, wish, referral) and ``"id"`` (the
record's UUID), and then the record's fields as the domain models name them, dates as
ISO 8601 strings and codes as their stable values (DOMAIN.md). Lines come parents first
(households, persons, visits, needs, consents, wishes, referrals). Blank lines are ignored.

``--mask`` exports mask names (张*明), ID numbers (330702********1234), phones and
addresses, and blank out free text: such a file is for reading, not for import.

Import takes the same format: a new id is a new local record, a known id an edit; both
are queued for sync like edits made in the app. The whole file is checked first; if any
line is invalid nothing is imported and every bad line is reported with its number.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.domain import identity
from app.domain.records import BOOKKEEPING, RECORD_TYPES, Record, Wish
from app.domain.wishes import check_transition
from app.store.errors import IntegrityError, StoreError
from app.store.records import TYPE_ORDER, mapping_for
from app.store.store import Store

FORMAT_VERSION = 1
MAX_LINE_BYTES = 1_000_000
# JSON leaves these raw, but editors and str.splitlines() break lines at them.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}

_NAME_FIELDS = ("name", "guardian_name", "witness", "claimed_by")
_FREE_TEXT = (
    "notes",
    "observations",
    "health_note",
    "major_event_note",
    "description",
    "assessment_reason",
    "fulfilment_note",
    "closed_reason",
    "reject_reason",
    "cancel_reason",
    "note",
)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_record(data: dict[str, Any]) -> dict[str, Any]:
    """A copy with personal identifiers masked and free text blanked."""
    out = dict(data)
    for key in _NAME_FIELDS:
        if out.get(key):
            out[key] = mask_name(out[key])
    if out.get("id_number"):
        out["id_number"] = identity.mask_id_number(out["id_number"])
    if out.get("birth_date"):
        # The masked middle of an ID number is the birth date: keep only the year.
        out["birth_date"] = str(out["birth_date"])[:4] + "-**-**"
    if out.get("phone"):
        out["phone"] = identity.mask_phone(out["phone"])
    if out.get("address"):
        out["address"] = out["address"][:3] + "***"
    if out.get("companions"):
        out["companions"] = [mask_name(c) for c in out["companions"]]
    for key in _FREE_TEXT:
        if out.get(key):
            out[key] = "***"
    if out.get("gps"):
        out["gps"] = None
    return out


def record_line(record: Record, *, mask: bool = False) -> str:
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
    mask: bool = False,
    skip_damaged: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportReport:
    """Write every record to `out`; a damaged record fails the export unless skipped.

    The file appears only when complete (written beside it, then renamed).
    """
    report = ExportReport()
    tmp = out.with_name(out.name + ".partial")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for type_name in TYPE_ORDER:
                records = store.load_all(
                    RECORD_TYPES[type_name], skip_damaged=skip_damaged, damaged=report.damaged
                )
                for record in records:
                    fh.write(record_line(record, mask=mask) + "\n")
                report.written += len(records)
                if progress:
                    progress(len(records))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    store.log_access("export_masked" if mask else "export")
    return report


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


class ImportFailed(StoreError):
    """The file has invalid lines; nothing was imported."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__(f"导入文件有 {len(errors)} 行无效，未导入任何记录。")


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "；".join(parts)


def read_records(path: Path) -> Iterator[tuple[int, Record | LineError]]:
    """Parse and validate each line; yields (line number, record or error)."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if len(raw) > MAX_LINE_BYTES:
                yield number, LineError(number, "这一行超过 1 MB")
                continue
            try:
                text = raw.decode("utf-8").strip().lstrip("\ufeff")
            except UnicodeDecodeError:
                yield number, LineError(number, "不是 UTF-8 文本")
                continue
            if not text:
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, LineError(number, f"不是有效的 JSON（第 {exc.colno} 列）")
                continue
            if not isinstance(data, dict):
                yield number, LineError(number, "应为一个 JSON 对象")
                continue
            type_name = data.pop("type", None)
            if type_name not in RECORD_TYPES:
                yield number, LineError(number, f"未知的记录类型 {type_name!r}")
                continue
            if "id" not in data:
                yield number, LineError(number, "缺少 id")
                continue
            try:
                yield number, RECORD_TYPES[type_name].model_validate(data)
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
    """Import a JSON Lines file in one transaction, or raise ImportFailed naming every bad line."""
    errors: list[LineError] = []
    parsed: list[tuple[int, Record]] = []
    seen: dict[str, int] = {}
    for number, item in read_records(path):
        if isinstance(item, LineError):
            errors.append(item)
        elif item.id in seen:
            errors.append(LineError(number, f"记录 {item.id} 与第 {seen[item.id]} 行重复"))
        else:
            seen[item.id] = number
            parsed.append((number, item))

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
    for number, record in parsed:
        problem = _reference_problem(record, parents)
        if problem:
            errors.append(LineError(number, problem))
            continue
        if record.id not in stored[record.type_name]:
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
    created, updated = store.write(creates, updates, progress=progress)
    report.created, report.updated = len(created), len(updated)
    return report


def _edit_problem(current: Record, edited: Record) -> str | None:
    if mapping_for(current.type_name).insert_only:
        return f"{current.type_name} 记录保存后不可修改（{current.id}）"
    if isinstance(current, Wish) and isinstance(edited, Wish) and current.state != edited.state:
        check = check_transition(current.state, edited.state, on_server=False)
        if not check.ok:
            return check.reason
    return None


def _reference_problem(record: Record, parents: dict[str, set[str]]) -> str | None:
    household_id = getattr(record, "household_id", None)
    if household_id and household_id not in parents["household"]:
        return f"所属家庭 {household_id} 不存在"
    person_id = getattr(record, "person_id", None)
    if person_id and person_id not in parents["person"]:
        return f"所属人员 {person_id} 不存在"
    return None
