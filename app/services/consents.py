"""Consents (知情同意): a household's consent events, and recording a grant (with its
evidence: a drawn signature or a photographed form) or a withdrawal."""

from __future__ import annotations

from app.domain.records import ConsentEvent
from app.services.photos import Photo, with_photo
from app.store.store import Store


class Consents:
    """Consent events of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def events(self, household_id: str) -> list[ConsentEvent]:
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(ConsentEvent, household_id=household_id)

    def record(self, event: ConsentEvent, evidence: Photo | None, draft_form: str) -> ConsentEvent:
        """Write the event naming its evidence and drop the form's draft: all in one unit of
        work, so a failure or a crash keeps none of it."""
        with self._store.unit_of_work() as uow:
            saved = uow.records.add(with_photo(uow, event, "evidence_photo_id", evidence))
            uow.drafts.discard(draft_form, event.household_id)
            uow.commit()
        return saved

    def evidence_on_device(self, events: list[ConsentEvent]) -> set[str]:
        """Ids of the events whose evidence has not been uploaded: only this device has it."""
        with self._store.unit_of_work() as uow:
            waiting = {record_id for _, record_id in uow.photos.to_upload()}
        return {e.id for e in events if e.evidence_photo_id and e.id in waiting}
