"""主动发现 on the device: the coordinator's queue of reported households and the decision
on each (`app.domain.discovery`), written as an edit of the household that syncs.

Confirming looks the household's ID numbers up among the registered households on this
device: a match is written as a merge into it; the county server checks the match again
at push and re-points the household's records there (they arrive at the next sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain import discovery as rules
from app.domain.codes import DiscoveryReview, ReferralDirection, RegisterStatus
from app.domain.records import Household, Person, Referral, Writer, head_of
from app.store.errors import StoreError
from app.store.repositories.records import RecordRepository
from app.store.store import Store


@dataclass(frozen=True)
class Found:
    """A reported household awaiting a decision, as the queue shows it."""

    household: Household
    head: Person | None
    found_by: str  # the worker's or the charity's name ("" if not known here)
    by_charity: bool
    found_on: date | None
    match: str | None  # the registered household on this device its ID numbers point to


class Discoveries:
    """The 主动发现 queue of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def queue(self) -> list[Found]:
        """Reported households awaiting a decision, oldest report first."""
        staff = self._store.staff().names
        out: list[Found] = []
        with self._store.unit_of_work() as uow:
            records = uow.records
            charities = {o.id: o.name for o in uow.organisations.all()}
            for household in records.households_with_status(RegisterStatus.REPORTED):
                if not rules.is_pending(household):
                    continue
                members = records.load_all(Person, household_id=household.id)
                referrals = records.load_all(Referral, household_id=household.id)
                charity = next(
                    (r for r in referrals if r.direction == ReferralDirection.TO_CIVIL_AFFAIRS),
                    None,
                )
                by = household.author_worker_id
                out.append(
                    Found(
                        household,
                        head_of(members),
                        charities.get(charity.recipient, "") if charity else staff.get(by, ""),
                        charity is not None,
                        rules.found_on(household),
                        _match(records, household.id, members),
                    )
                )
        out.sort(key=lambda f: (f.found_on or date.max, f.household.created_hlc))
        return out

    def decide(
        self,
        household_id: str,
        review: DiscoveryReview,
        *,
        on: date,
        by: str,
        reason: str = "",
    ) -> Household:
        """Write a reviewer's decision (queued for sync); a confirmation merges into the
        registered household the ID numbers point to, if this device holds one."""
        with self._store.unit_of_work() as uow:
            household = uow.records.get(Household, household_id)
            members = uow.records.load_all(Person, household_id=household_id)
            merged_into = (
                _match(uow.records, household_id, members)
                if review == DiscoveryReview.CONFIRMED
                else None
            )
            decided = rules.decide(
                household, review, on=on, by=by, reason=reason, merged_into=merged_into
            )
            saved = uow.records.update(decided, Writer(reviewer=True))
            uow.commit()
        return saved


def _match(records: RecordRepository, household_id: str, members: list[Person]) -> str | None:
    """The registered household on this device one of `members` shares an ID number with."""
    registered: dict[str, str] = {}
    for person in members:
        if not person.id_number:
            continue
        for other_id in records.with_blind_index("id_number", person.id_number):
            try:
                other = records.get(Person, other_id)
                home = records.get(Household, other.household_id)
            except StoreError:
                continue
            if home.id != household_id and home.on_register(date.today()):
                registered[person.id_number] = home.id
    return rules.register_match(
        household_id,
        (rules.Member(p.household_id, p.id_number) for p in members),
        registered,
    )
