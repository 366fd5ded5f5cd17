"""Photos (visit photos, fulfilment photos, consent evidence), sealed, beside the records
that name them. A photo attached in a unit of work is kept only if the record naming it is
written in the same one (app/store/unit_of_work.py). Each is in one state of the photo
queue (`PhotoState`, moved by sync/photos.py)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Connection, func, insert, select, update

from app.domain.ids import new_id
from app.domain.records import MAX_PHOTO_BYTES
from app.store.errors import IntegrityError, NotFound, PhotoTooLarge
from app.store.tables import PhotoRow

PHOTOS = PhotoRow.__table__  # type: ignore[attr-defined]


class PhotoState(StrEnum):
    """Where a photo stands in the photo queue (as PowerSync's attachment queue)."""

    QUEUED_UP = "queued_up"  # taken here; the server does not hold it yet
    QUEUED_DOWN = "queued_down"  # named by a record here; its bytes are not here yet
    SYNCED = "synced"  # here and on the server
    ARCHIVED = "archived"  # no record here names it any more: neither sent nor asked for


class PhotoRepository:
    """Photos taken here (to upload) and photos named by records here (to download)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def attach(self, record_id: str, content: bytes, mime: str = "image/jpeg") -> str:
        """Keep a photo taken here for the record `record_id`; its new id. PhotoTooLarge
        when the server would refuse it (`MAX_PHOTO_BYTES`)."""
        if len(content) > MAX_PHOTO_BYTES:
            raise PhotoTooLarge(MAX_PHOTO_BYTES)
        photo_id = new_id()
        self._conn.execute(
            insert(PHOTOS).values(
                id=photo_id,
                record_id=record_id,
                mime=mime,
                content=content,
                state=PhotoState.QUEUED_UP,
            )
        )
        return photo_id

    def get(self, photo_id: str) -> tuple[bytes, str]:
        """The photo's bytes and type; NotFound also while it waits to be downloaded."""
        row = self._conn.execute(select(PHOTOS).where(PHOTOS.c.id == photo_id)).mappings().first()
        if row is None or row["content"] is None:
            raise NotFound("photo", photo_id)
        if not isinstance(row["content"], bytes):
            raise IntegrityError("photo", photo_id, "content")
        return row["content"], row["mime"]

    def to_upload(self) -> list[tuple[str, str]]:
        """(photo id, record id) of the photos taken here that the server does not hold."""
        rows = self._conn.execute(
            select(PHOTOS.c.id, PHOTOS.c.record_id)
            .where(PHOTOS.c.state == PhotoState.QUEUED_UP)
            .order_by(PHOTOS.c.id)
        )
        return [(r[0], r[1]) for r in rows]

    def mark_uploaded(self, photo_id: str) -> None:
        """The server holds this photo now (it answered 200)."""
        self._conn.execute(
            update(PHOTOS)
            .where(PHOTOS.c.id == photo_id, PHOTOS.c.state == PhotoState.QUEUED_UP)
            .values(state=PhotoState.SYNCED)
        )

    def to_download(self, limit: int) -> list[str]:
        """Ids of photos that records here name and the device lacks (a few, in any order,
        so that one the server cannot give does not hold back the others)."""
        rows = self._conn.execute(
            select(PHOTOS.c.id)
            .where(PHOTOS.c.state == PhotoState.QUEUED_DOWN)
            .order_by(func.random())
            .limit(limit)
        )
        return [r[0] for r in rows]

    def put_downloaded(self, photo_id: str, content: bytes, mime: str) -> bool:
        """Fill in a photo waiting for download; False if it is no longer wanted (evicted
        or archived)."""
        done = self._conn.execute(
            update(PHOTOS)
            .where(PHOTOS.c.id == photo_id, PHOTOS.c.state == PhotoState.QUEUED_DOWN)
            .values(content=content, mime=mime, state=PhotoState.SYNCED)
        ).rowcount
        return bool(done)

    def counts(self) -> dict[str, int]:
        """Photos waiting to go up (taken here) and to come down (named by records here)."""
        rows = self._conn.execute(
            select(PHOTOS.c.state, func.count())
            .where(PHOTOS.c.state.in_((PhotoState.QUEUED_UP, PhotoState.QUEUED_DOWN)))
            .group_by(PHOTOS.c.state)
        )
        counts = {str(state): int(n) for state, n in rows}
        return {
            "upload": counts.get(PhotoState.QUEUED_UP, 0),
            "download": counts.get(PhotoState.QUEUED_DOWN, 0),
        }

    def archive(self, photo_ids: Iterable[str]) -> int:
        """Photos no record names any more leave the queue (kept, sealed, not counted)."""
        ids = list(photo_ids)
        done = 0
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            done += (
                self._conn.execute(
                    update(PHOTOS)
                    .where(PHOTOS.c.id.in_(chunk), PHOTOS.c.state != PhotoState.ARCHIVED)
                    .values(state=PhotoState.ARCHIVED)
                ).rowcount
                or 0
            )
        return done
