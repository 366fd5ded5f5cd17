"""Referrals (双向转介) made on the device, offline: refer a person (for a need, or for the
household) to an organisation of the county's list, only when the person's consent in force
covers that organisation (or its class), the purpose and the data categories — given by a
guardian for a child under 14. The server checks the same again at push."""

from __future__ import annotations

from datetime import date

from app.domain.codes import ReferralStatus
from app.domain.consent import check_share, under_14
from app.domain.errors import DoorstepError
from app.domain.recipients import OrganisationRef
from app.domain.records import ConsentEvent, Person, Referral
from app.store.store import Store


class ReferralRefused(DoorstepError, PermissionError):
    """The referral cannot be made; the code says what is missing (an organisation that is
    not on the list or no longer active, or the consent's `check_share` reason)."""

    default_code = "referral.recipient_unknown"


class Referrals:
    """Referrals and the organisations they go to, of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def organisations(self) -> list[OrganisationRef]:
        """The organisations serving this worker's scope, as the last sync sent them."""
        with self._store.unit_of_work() as uow:
            return uow.organisations.all()

    def of_household(self, household_id: str) -> list[Referral]:
        """The household's referrals, newest first (damaged ones are left out)."""
        with self._store.unit_of_work() as uow:
            found = uow.records.load_all(Referral, household_id=household_id, skip_damaged=True)
        return sorted(found, key=lambda r: (r.referred_on, r.created_hlc), reverse=True)

    def all(self) -> list[Referral]:
        """Every readable referral on the device."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(Referral, skip_damaged=True)

    def awaiting_answer(self) -> list[Referral]:
        """The readable referrals still "sent" (no answer yet): only those are decrypted."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(
                Referral, status=ReferralStatus.SENT.value, skip_damaged=True
            )

    def refer(self, referral: Referral, on: date) -> Referral:
        """Queue `referral` (to a charity) after checking, in the same unit of work as the
        write, that its recipient is an active organisation of the list and that the
        person's consent covers it on `on`; ReferralRefused (or ShareNotAllowed) says what
        is missing, and nothing is written."""
        with self._store.unit_of_work() as uow:
            found = {o.id: o for o in uow.organisations.all()}.get(referral.recipient)
            if found is None:
                raise ReferralRefused("referral.recipient_unknown")
            if not found.active:
                raise ReferralRefused("referral.recipient_inactive", name=found.name)
            person = uow.records.get(Person, referral.person_id)
            events = uow.records.load_all(ConsentEvent, household_id=referral.household_id)
            check_share(
                events,
                referral.person_id,
                found.recipient,
                referral.purpose,
                list(referral.data_categories),
                on,
                under_14=under_14(person.birth_date, on),
                recipient_name=found.name,
            )
            saved = uow.records.add(referral)
            uow.commit()
        return saved
