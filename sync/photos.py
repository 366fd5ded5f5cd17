"""The photo queue: photos travel beside the records, not in the outbox (照片同步).

A photo on the device is in one state of the queue (`PhotoState`, as PowerSync's
attachment queue): queued up (taken here, its bytes sealed in the store, the server has not
said 200), queued down (a record here names it and the device lacks its bytes), synced
(held here and on the server) or archived (no record here names it any more: its record
was refused and dropped, or names another photo now; it is neither sent nor asked for, and
goes back in the queue if a record names it again).

`PhotoQueue.upload` PUTs each queued-up photo after the push (so its record is on the
server) and marks it synced only after the server's receipt, so a lost answer costs one
harmless PUT more, never a lost or doubled photo. `PhotoQueue.download` GETs a bounded
number of queued-down photos after the pull. A photo the server refuses stays queued
and the next one goes on; a lost network leaves the rest for the next sync.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx

from app.domain.records import MAX_PHOTO_BYTES
from app.store.errors import IntegrityError, NotFound
from app.store.store import Store
from sync import replica
from sync.errors import MalformedAnswer, RequestRefused, ServerFailed, ServerUnreachable
from sync.protocol import (
    HEADER_CONTENT_SHA256,
    MAX_PHOTO_BYTES_PER_SYNC,
    MAX_PHOTOS_PER_SYNC,
    PhotoReceipt,
    photo_type,
)
from sync.transport import raise_for, read_answer, send

# A lost network or a failing server ends this sync's photo work (the rest waits).
_STOP = (ServerUnreachable, ServerFailed, MalformedAnswer)


class PhotoQueue:
    """Moves the photos of one store; `moved` is called after each photo that travelled."""

    def __init__(self, store: Store, moved: Callable[[], None] | None = None) -> None:
        self.store = store
        self._moved = moved or (lambda: None)
        self.uploaded = 0
        self.downloaded = 0

    def waiting(self) -> int:
        """Photos still queued up or down."""
        counts = self.store.photo_counts()
        return counts["upload"] + counts["download"]

    def archive_unnamed(self) -> int:
        """Archive the photos no record here names any more; how many."""
        with self.store.unit_of_work() as uow:
            archived = uow.photos.archive(uow.replication.unnamed_photos())
            uow.commit()
        return archived

    def upload(self, client: httpx.Client) -> None:
        """PUT each queued-up photo the server would take; one it refuses stays queued."""
        self.archive_unnamed()
        for photo_id, record_id in self.store.photos_to_upload():
            try:
                content, _ = self.store.get_photo(photo_id)
            except (NotFound, IntegrityError):
                continue
            mime = photo_type(content)
            if mime is None or len(content) > MAX_PHOTO_BYTES:
                continue  # the server would refuse it: it stays counted as waiting
            headers = {HEADER_CONTENT_SHA256: hashlib.sha256(content).hexdigest()}
            target = f"/v1/photos/{photo_id}?record_id={record_id}"
            try:
                response = send(client, "PUT", target, content, content_type=mime, headers=headers)
                read_answer(response, PhotoReceipt)
            except RequestRefused:
                continue
            except _STOP:
                return
            with self.store.unit_of_work() as uow:
                uow.photos.mark_uploaded(photo_id)
                uow.commit()
            self.uploaded += 1
            self._moved()

    def download(self, client: httpx.Client) -> None:
        """GET queued-down photos, at most `MAX_PHOTOS_PER_SYNC` requests and about
        `MAX_PHOTO_BYTES_PER_SYNC` bytes; one the server cannot give yet (not uploaded), or
        that arrives damaged, is asked for at a later sync."""
        replica.want_referenced_photos(self.store)
        self.archive_unnamed()
        received = 0
        for photo_id in self.store.photos_to_download(MAX_PHOTOS_PER_SYNC):
            if received >= MAX_PHOTO_BYTES_PER_SYNC:
                return
            try:
                response = send(
                    client, "GET", f"/v1/photos/{photo_id}", headers={"Accept-Encoding": "identity"}
                )
                if response.status_code != 200:
                    raise_for(response)
            except RequestRefused:
                continue
            except _STOP:
                return
            photo = _photo(response)
            if photo is None:
                continue
            content, mime = photo
            received += len(content)
            with self.store.unit_of_work() as uow:
                kept = uow.photos.put_downloaded(photo_id, content, mime)
                uow.commit()
            if kept:  # False: no record wants it any more (evicted meanwhile)
                self.downloaded += 1
                self._moved()


def _photo(response: httpx.Response) -> tuple[bytes, str] | None:
    """The photo's bytes and type, if they arrived whole and are a photo."""
    content = response.content
    expected = response.headers.get(HEADER_CONTENT_SHA256, "")
    if hashlib.sha256(content).hexdigest() != expected.lower():
        return None
    mime = photo_type(content)
    if mime is None:
        return None
    return content, mime
