"""Households: a household's records for its screen, reporting a new one (主动发现), looking
people up by ID number, and showing an ID number in full (logged)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.records import ConsentEvent, Household, Need, Person, Visit, Wish
from app.domain.shares import CountyShare
from app.store.errors import StoreError
from app.store.store import Store

REVEAL_ACTION = "reveal_id_number"  # the access log's action for an ID number shown in full


@dataclass(frozen=True)
class HouseholdRecords:
    """Everything stored about one household, unsorted."""

    household: Household
    members: list[Person]
    visits: list[Visit]
    needs: list[Need]
    wishes: list[Wish]
    consents: list[ConsentEvent]


class Households:
    """The households of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, household_id: str) -> Household:
        """The household; NotFound if it is not stored."""
        with self._store.unit_of_work() as uow:
            return uow.records.get(Household, household_id)

    def members(self, household_id: str) -> list[Person]:
        """Every person of the household, those who left included."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Person, household_id=household_id)

    def records(self, household_id: str) -> HouseholdRecords:
        """The household with its members, visits, needs, wishes and consents."""
        with self._store.unit_of_work() as uow:
            r = uow.records
            return HouseholdRecords(
                household=r.get(Household, household_id),
                members=r.load_all(Person, household_id=household_id),
                visits=r.load_all(Visit, household_id=household_id),
                needs=r.load_all(Need, household_id=household_id),
                wishes=r.load_all(Wish, household_id=household_id),
                consents=r.load_all(ConsentEvent, household_id=household_id),
            )

    def county_shares(
        self, household_id: str, limit: int | None = None, offset: int = 0
    ) -> list[CountyShare]:
        """The county's share log of the household (charities' views and exports of its
        members' data) as the syncs brought it, newest first: `limit` entries from
        `offset`, or all of them."""
        with self._store.unit_of_work() as uow:
            return uow.county_shares.for_household(household_id, limit, offset)

    def county_share_count(self, household_id: str) -> int:
        """How many entries the household's share log holds."""
        with self._store.unit_of_work() as uow:
            return uow.county_shares.count(household_id)

    def report(self, household: Household, head: Person) -> tuple[Household, Person]:
        """A household found in the field (主动发现) and its head, written together (or
        neither). It is `reported`: only the county's roster, or a coordinator's confirmation
        (`app.services.discoveries`), puts a household on the register — the store refuses
        any other (`Household.check_create`, again by the server at push)."""
        with self._store.unit_of_work() as uow:
            saved_household, saved_head = uow.records.add_many([household, head])
            uow.commit()
        assert isinstance(saved_household, Household) and isinstance(saved_head, Person)
        return saved_household, saved_head

    def with_id_number(self, id_number: str) -> list[Person]:
        """The persons stored with this (normalised) ID number; unreadable ones are left out."""
        found = []
        with self._store.unit_of_work() as uow:
            for person_id in uow.records.with_blind_index("id_number", id_number):
                try:
                    found.append(uow.records.get(Person, person_id))
                except StoreError:
                    continue
        return found

    def reveal_id_number(self, person_id: str) -> None:
        """Log that this worker is shown the person's ID number in full (before showing it)."""
        with self._store.unit_of_work() as uow:
            uow.logs.log_access(REVEAL_ACTION, person_id)
            uow.commit()
