"""Photos (visit photos, fulfilment photos, consent evidence), sealed, beside the records
that name them. A photo attached in a unit of work is kept only if the record naming it is
written in the same one (app/store/unit_of_work.py)."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, text, update

from app.domain.ids import new_id
from app.domain.records import MAX_PHOTO_BYTES
from app.store.errors import IntegrityError, NotFound, PhotoTooLarge
from app.store.tables import PhotoRow

PHOTOS = PhotoRow.__table__  # type: ignore[attr-defined]
# A photo row with no content waits for its download (sync.client); the sealed column
# itself is never compared in SQL.
HAS_CONTENT = text("photos.content IS NOT NULL")
NO_CONTENT = text("photos.content IS NULL")


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
            insert(PHOTOS).values(id=photo_id, record_id=record_id, mime=mime, content=content)
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
            .where(PHOTOS.c.uploaded.is_(False), HAS_CONTENT)
            .order_by(PHOTOS.c.id)
        )
        return [(r[0], r[1]) for r in rows]

    def mark_uploaded(self, photo_id: str) -> None:
        self._conn.execute(update(PHOTOS).where(PHOTOS.c.id == photo_id).values(uploaded=True))

    def to_download(self, limit: int) -> list[str]:
        """Ids of photos that records here name and the device lacks (a few, in any order,
        so that one the server cannot give does not hold back the others)."""
        rows = self._conn.execute(
            select(PHOTOS.c.id).where(NO_CONTENT).order_by(func.random()).limit(limit)
        )
        return [r[0] for r in rows]

    def put_downloaded(self, photo_id: str, content: bytes, mime: str) -> bool:
        """Fill in a photo waiting for download; False if it is no longer wanted (evicted)."""
        done = self._conn.execute(
            update(PHOTOS)
            .where(PHOTOS.c.id == photo_id, NO_CONTENT)
            .values(content=content, mime=mime, uploaded=True)
        ).rowcount
        return bool(done)

    def counts(self) -> dict[str, int]:
        """Photos waiting to go up (taken here) and to come down (named by records here)."""
        up = self._conn.execute(
            select(func.count())
            .select_from(PHOTOS)
            .where(PHOTOS.c.uploaded.is_(False), HAS_CONTENT)
        ).scalar_one()
        down = self._conn.execute(
            select(func.count()).select_from(PHOTOS).where(NO_CONTENT)
        ).scalar_one()
        return {"upload": int(up), "download": int(down)}
