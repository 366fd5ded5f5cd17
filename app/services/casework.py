"""Following up needs and wishes (跟进): every need and wish in the store, and moving one on
(assessed, matched, fulfilled with a photo, cancelled…)."""

from __future__ import annotations

from typing import TypeVar

from app.domain.codes import NeedStatus
from app.domain.records import Need, Wish
from app.services.photos import Photo, with_photo
from app.store.store import Store

T = TypeVar("T", Need, Wish)


class Casework:
    """Needs and wishes of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def needs(self) -> list[Need]:
        """Every readable need (damaged ones are left out)."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Need, skip_damaged=True)

    def reasonable_needs(self) -> list[Need]:
        """The readable needs assessed reasonable and not acted on since (the warnings'
        need rule reads them): found by their plain status, so only they are opened."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Need, status=NeedStatus.REASONABLE, skip_damaged=True)

    def wishes(self) -> list[Wish]:
        """Every readable wish (damaged ones are left out)."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Wish, skip_damaged=True)

    def move(self, changed: T, photo: Photo | None = None, photo_field: str = "") -> T:
        """Write the need or wish as `changed` (queued for sync), naming `photo` in
        `photo_field` when there is one: photo and change together or neither."""
        with self._store.unit_of_work() as uow:
            saved = uow.records.update(with_photo(uow, changed, photo_field, photo))
            uow.commit()
        return saved
