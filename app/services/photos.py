"""A photo taken with a record (a visit photo, a fulfilment photo, consent evidence)."""

from __future__ import annotations

from typing import NamedTuple, TypeVar

from app.domain.records import Record
from app.store.unit_of_work import UnitOfWork

R = TypeVar("R", bound=Record)


class Photo(NamedTuple):
    """The bytes and type of a photo to keep with a record."""

    content: bytes
    mime: str = "image/jpeg"


def with_photo(uow: UnitOfWork, record: R, field: str, photo: Photo | None) -> R:
    """`record` naming `photo` in `field`, the photo attached in `uow` (kept only if the
    record is written in it too); `record` itself when there is no photo."""
    if photo is None:
        return record
    photo_id = uow.photos.attach(record.id, photo.content, photo.mime)
    return record.model_copy(update={field: photo_id})
