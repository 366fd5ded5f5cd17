"""Saving a visit (or survey) with its photo, the needs it found and the wish it heard."""

from __future__ import annotations

from app.domain.records import Record, Visit, Wish
from app.services.photos import Photo, with_photo
from app.store.store import Store


class Visits:
    """Visits of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(
        self, visit: Visit, records: list[Record], photo: Photo | None, draft_form: str
    ) -> Visit:
        """Write the visit naming its photo, with `records` (needs, a wish), and drop the
        form's draft: all in one unit of work, so a failure or a crash keeps none of it
        (never a photo that no record names)."""
        with self._store.unit_of_work() as uow:
            visit = with_photo(uow, visit, "photo_id", photo)
            saved = uow.records.add_many([visit, *records])
            uow.drafts.discard(draft_form, visit.household_id)
            uow.commit()
        saved_visit = saved[0]
        assert isinstance(saved_visit, Visit)
        return saved_visit

    def wishes(self, household_id: str) -> list[Wish]:
        """The household's wishes (to warn of one still open)."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Wish, household_id=household_id)
