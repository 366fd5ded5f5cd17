"""Saving a visit (or survey) with its photo, the needs it found, the wish it heard and,
for a household on a festival list (节日走访清单), what it delivered."""

from __future__ import annotations

from datetime import date

from app.domain.campaigns import CampaignError
from app.domain.records import CHINA_TIME, CampaignAssignment, Record, Visit, Wish, aware
from app.services.campaigns import Delivered
from app.services.photos import Photo, with_photo
from app.store.repositories.records import RecordRepository
from app.store.store import Store


class Visits:
    """Visits of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(
        self,
        visit: Visit,
        records: list[Record],
        photo: Photo | None,
        draft_form: str,
        delivered: Delivered | None = None,
    ) -> Visit:
        """Write the visit naming its photo, with `records` (needs, a wish), and drop the
        form's draft: all in one unit of work, so a failure or a crash keeps none of it
        (never a photo that no record names). A visit that reached someone of a household
        on a festival list records on its place there what was `delivered`."""
        with self._store.unit_of_work() as uow:
            visit = with_photo(uow, visit, "photo_id", photo)
            saved = uow.records.add_many([visit, *records])
            saved_visit = saved[0]
            assert isinstance(saved_visit, Visit)
            if delivered is not None and saved_visit.is_contact:
                _record_delivery(uow.records, saved_visit, delivered)
            uow.drafts.discard(draft_form, visit.household_id)
            uow.commit()
        return saved_visit

    def wishes(self, household_id: str) -> list[Wish]:
        """The household's wishes (to warn of one still open)."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Wish, household_id=household_id)


def _record_delivery(records: RecordRepository, visit: Visit, delivered: Delivered) -> None:
    place = records.get(CampaignAssignment, delivered.assignment_id)
    if place.household_id != visit.household_id:
        raise CampaignError("campaign.not_assigned")
    day: date = aware(visit.visited_at).astimezone(CHINA_TIME).date()
    records.update(
        place.model_copy(
            update={
                "visit_id": visit.id,
                "visited_on": day,
                "delivered": list(delivered.items),
                "delivered_value_yuan": delivered.value_yuan,
            }
        )
    )
