"""A wish between approval and 圆梦 on the device: asking for it to be published (the story
screened here as the server screens it again at push), where the request stands (待发布 until
the server has published it, or its refusal), the donor of a claimed wish, and the contact and
handover recorded while it is claimed. Each write is one unit of work, queued for sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.codes import NeedArea
from app.domain.errors import DoorstepError
from app.domain.records import Household, Person, Wish
from app.domain.wishes import (
    DonorContact,
    PersonalValues,
    publish_request,
    record_contact,
    record_handover,
)
from app.store.store import Store
from app.store.unit_of_work import UnitOfWork

REVEAL_DONOR_ACTION = "reveal_donor_phone"  # the access log's action for a donor's phone


@dataclass(frozen=True)
class Refusal:
    """Why the server refused to publish a wish (its coded reason, or its sentence from a
    server that sends none), and the story it was asked to publish."""

    reason: DoorstepError | None
    server_said: str
    story: str


@dataclass(frozen=True)
class WishDesk:
    """What the device knows about its wishes' way through the board."""

    pending: frozenset[str]  # wishes with a change not yet pushed (a publish: 待发布)
    refusals: dict[str, Refusal]  # wish id -> the server's last refusal of its publishing
    donors: dict[str, DonorContact]  # wish id -> its donor (coordinators only)


class Wishes:
    """Publishing and following up the wishes of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def desk(self) -> WishDesk:
        with self._store.unit_of_work() as uow:
            pending = uow.records.pending_ids("wish")
            refusals = {
                m.record_id: Refusal(
                    DoorstepError(m.reason_code, **m.reason_params) if m.reason_code else None,
                    m.reason or "",
                    str((m.payload.get("fields") or {}).get("story", "")),
                )
                for m in uow.records.dead_letters()
                if m.record_type == "wish" and m.payload.get("to") == "published"
            }
            return WishDesk(frozenset(pending), refusals, uow.donors.get())

    def personal_values(self, household_id: str) -> PersonalValues:
        """What identifies the household, which a public story may not contain."""
        with self._store.unit_of_work() as uow:
            return _personal_values(uow, household_id)

    def ask_to_publish(
        self,
        wish_id: str,
        *,
        need_area: NeedArea,
        story: str,
        publicity_consent: bool,
        on: date,
    ) -> Wish:
        """Queue the request to publish an approved wish; refused here (nothing queued)
        when the story names the household."""
        with self._store.unit_of_work() as uow:
            wish = uow.records.get(Wish, wish_id)
            asked = publish_request(
                wish,
                need_area=need_area,
                story=story,
                publicity_consent=publicity_consent,
                personal=_personal_values(uow, wish.household_id),
                on=on,
            )
            saved = uow.records.update(asked)
            uow.commit()
        return saved

    def reveal_donor_phone(self, wish_id: str) -> str:
        """The donor's phone in full, logged as shown to this worker ("" when none)."""
        with self._store.unit_of_work() as uow:
            donor = uow.donors.get().get(wish_id)
            if donor is None:
                return ""
            uow.logs.log_access(REVEAL_DONOR_ACTION, wish_id)
            uow.commit()
        return donor.phone

    def record_contact(self, wish_id: str, on: date) -> Wish:
        """The donor reached the household (the claim is then not released)."""
        with self._store.unit_of_work() as uow:
            saved = uow.records.update(record_contact(uow.records.get(Wish, wish_id), on))
            uow.commit()
        return saved

    def record_handover(self, wish_id: str, on: date, note: str = "") -> Wish:
        """The donor handed the gift over (交接)."""
        with self._store.unit_of_work() as uow:
            wish = uow.records.get(Wish, wish_id)
            saved = uow.records.update(record_handover(wish, on, note))
            uow.commit()
        return saved


def _personal_values(uow: UnitOfWork, household_id: str) -> PersonalValues:
    household = uow.records.get(Household, household_id)
    members = uow.records.load_all(Person, household_id=household_id, skip_damaged=True)
    village = uow.sync_state.area_names().get(household.area_code, "")
    return PersonalValues(
        names=tuple(p.name for p in members if len(p.name) >= 2),
        id_numbers=tuple(p.id_number or "" for p in members),
        phones=(household.phone, *(p.phone for p in members)),
        places=(household.address, village),
    )
