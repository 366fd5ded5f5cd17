"""Photos (照片): devices upload the photos and drawn signatures of their records and
download those of the records in their scope (`sync.protocol`, "Photos").

An upload is idempotent on the photo id: the same bytes again change nothing, other
bytes under a stored id are refused. A photo is only taken for a record the server
holds in the caller's scope that names it, from the device that named it, and only shown to a caller whose scope holds that record
now; anything else is answered as if the photo did not exist. Every read is audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.domain.areas import in_scope
from app.domain.ids import is_record_id
from app.domain.records import MAX_PHOTO_BYTES, PHOTO_FIELDS
from sync import merge
from sync.protocol import PHOTO_MAGIC, PhotoReceipt, photo_type
from sync.server.auth import Caller
from sync.server.context import ServerContext
from sync.server.errors import (
    BadRequest,
    Conflict,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)
from sync.server.services import audit
from sync.server.tables import Photo, RecordRow

NOT_SYNCED = "照片所属的记录尚未同步到服务器或不在您的负责范围内，将在下次同步时重试。"


class HashMismatch(BadRequest):
    code, message = "hash_mismatch", "照片内容与其校验值（SHA-256）不符，请重新上传。"


class RecordNotSynced(Conflict):
    code, message = "record_not_synced", NOT_SYNCED


class PhotoExists(Conflict):
    code, message = "photo_exists", "此照片编号已有不同的内容。"


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo as a device downloads it."""

    id: str
    record_id: str
    mime: str
    sha256: str
    content: bytes


def store(
    ctx: ServerContext,
    caller: Caller,
    photo_id: str,
    *,
    record_id: str,
    mime: str,
    sha256: str,
    content: bytes,
) -> PhotoReceipt:
    """Keep an uploaded photo once; the same photo sent again is answered the same way."""
    if not is_record_id(photo_id) or not is_record_id(record_id):
        raise BadRequest("照片或记录编号不是有效的 UUID。")
    if len(content) > MAX_PHOTO_BYTES:
        raise TooLarge(f"照片过大（不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB）。")
    mime = mime.split(";", 1)[0].strip().lower()
    if mime not in PHOTO_MAGIC or photo_type(content) != mime:
        raise UnsupportedMediaType("只接受 JPEG 或 PNG 照片，且内容须与其类型一致。")
    digest = hashlib.sha256(content).hexdigest()
    if sha256.strip().lower() != digest:
        raise HashMismatch()
    receipt = PhotoReceipt(id=photo_id, record_id=record_id, sha256=digest, size=len(content))
    with ctx.db.small_write() as s:
        record = s.execute(
            select(col(RecordRow.area_code), col(RecordRow.data), col(RecordRow.stamps)).where(
                col(RecordRow.id) == record_id
            )
        ).first()
        if (
            record is None
            or not in_scope(record[0], caller.areas)
            or not _named_by(json.loads(record[1]), record[2] or {}, photo_id, caller.device_id)
        ):
            raise RecordNotSynced()
        if _same_as_stored(s, receipt):
            return receipt.model_copy(update={"duplicate": True})
        s.add(
            Photo(
                id=photo_id,
                record_id=record_id,
                area_code=record[0],
                mime=mime,
                sha256=digest,
                size=len(content),
                content=content,
                created_at=datetime.now(UTC),
                uploaded_by=caller.device_id,
            )
        )
        try:
            s.flush()
        except IntegrityError:
            s.rollback()  # the same id arrived twice at once: the other request stored it
        else:
            return receipt
    with ctx.db.reading() as s:
        if _same_as_stored(s, receipt):
            return receipt.model_copy(update={"duplicate": True})
    raise PhotoExists()


def _named_by(data: dict[str, Any], stamps: merge.Stamps, photo_id: str, device_id: str) -> bool:
    """Whether the record names the photo (`PHOTO_FIELDS`) in a field this device wrote:
    a photo is taken only from the device that named it, so another device of the scope,
    having pulled the record before the photo came, cannot put other bytes under its id
    (nor store photos no record names)."""
    for name in PHOTO_FIELDS:
        if data.get(name) == photo_id:
            stamp = stamps.get(name) or stamps.get(merge.WHOLE_RECORD) or ["", 0, ""]
            if stamp[2] == device_id:
                return True
    return False


def _same_as_stored(s: Session, receipt: PhotoReceipt) -> bool:
    """Whether this photo is stored already; PhotoExists if the id holds something else."""
    stored = s.execute(
        select(col(Photo.record_id), col(Photo.sha256)).where(col(Photo.id) == receipt.id)
    ).first()
    if stored is None:
        return False
    if (stored[0], stored[1]) != (receipt.record_id, receipt.sha256):
        raise PhotoExists()
    return True


def fetch(ctx: ServerContext, caller: Caller, photo_id: str) -> PhotoFile:
    """A photo whose record lies in the caller's scope now, logged as a read of personal data."""
    if not is_record_id(photo_id):
        raise NotFound()
    with ctx.db.reading() as s:
        row = s.execute(
            select(
                col(Photo.record_id),
                col(Photo.mime),
                col(Photo.sha256),
                col(Photo.content),
                col(RecordRow.area_code),
            )
            .join(RecordRow, col(RecordRow.id) == col(Photo.record_id))
            .where(col(Photo.id) == photo_id)
        ).first()
    if row is None or not in_scope(row[4], caller.areas):
        raise NotFound()
    with ctx.db.small_write() as s:
        audit.record(
            s,
            "photo_read",
            actor=caller.worker_id,
            device_id=caller.device_id,
            photo_id=photo_id,
            record_id=row[0],
        )
    return PhotoFile(photo_id, row[0], row[1], row[2], bytes(row[3]))
