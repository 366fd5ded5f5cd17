"""Referrals made the way the field makes them: a device in the township records a need, the
person's consent to an organisation, and the referral, and pushes them to a real server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import col, select

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, NeedArea, NeedStatus
from app.domain.records import ConsentEvent, Household, Need, Person, Referral
from sync.server.context import ServerContext
from sync.server.services.feed import Feed
from sync.server.tables import RecordRow
from tests.sync.conftest import Device

PURPOSE = "assistance_referral"  # 救助帮扶转介
D = DataCategory


@dataclass(frozen=True)
class Referred:
    """One referral pushed by a device: the records it made."""

    household: Household
    person: Person
    need: Need
    grant: ConsentEvent
    referral: Referral


def people(device: Device) -> list[Person]:
    """The adults on the device's register (a child under 14 needs a guardian's consent)."""
    with device.store.unit_of_work() as uow:
        found = uow.records.load_all(Person)
    today = date.today()
    adults = (p for p in found if not p.left_on and (p.age_on(today) or 0) >= 18)
    return sorted(adults, key=lambda p: p.id)


def refer(
    device: Device,
    person: Person,
    organisation_id: str,
    *,
    named: Sequence[DataCategory] = (D.IDENTITY, D.CONTACT, D.NEEDS),
    consented: Sequence[DataCategory] = (D.IDENTITY, D.CONTACT, D.NEEDS),
    purpose: str = PURPOSE,
    referred_on: date | None = None,
    address: str | None = None,
    sync: bool = True,
) -> Referred:
    """Record a need, a consent and a referral of `person` on the device, and push them."""
    day = referred_on or date.today()
    with device.store.unit_of_work() as uow:
        household = uow.records.get(Household, person.household_id)
        if address is not None:
            household = uow.records.update(household.model_copy(update={"address": address}))
        need = uow.records.add(
            Need(
                area_code=household.area_code,
                household_id=household.id,
                person_id=person.id,
                area=NeedArea.MEDICAL,
                description="需要陪同就医，𠮷䶮两位老人行动不便",
                raised_on=day,
                status=NeedStatus.REASONABLE,
            )
        )
        grant = uow.records.add(
            ConsentEvent(
                area_code=household.area_code,
                household_id=household.id,
                person_id=person.id,
                action=ConsentAction.GRANT,
                recipient=organisation_id,
                purpose=purpose,
                data_categories=list(consented),
                method=ConsentMethod.SIGNATURE,
                occurred_at=datetime.now(UTC),
                recorded_by=device.worker_id,
            )
        )
        referral = uow.records.add(
            Referral(
                area_code=household.area_code,
                household_id=household.id,
                person_id=person.id,
                recipient=organisation_id,
                purpose=purpose,
                data_categories=list(named),
                need_id=need.id,
                referred_on=day,
            )
        )
        uow.commit()
    if sync:
        device.sync()
    return Referred(household, person, need, grant, referral)


def withdraw(device: Device, referred: Referred, *, sync: bool = True) -> ConsentEvent:
    """The person withdraws the consent on the device (it saw the grant)."""
    with device.store.unit_of_work() as uow:
        event = uow.records.add(
            ConsentEvent(
                area_code=referred.household.area_code,
                household_id=referred.household.id,
                person_id=referred.person.id,
                action=ConsentAction.WITHDRAW,
                recipient=referred.referral.recipient,
                purpose=referred.referral.purpose,
                method=ConsentMethod.SIGNATURE,
                occurred_at=datetime.now(UTC),
                recorded_by=device.worker_id,
                seen=[referred.grant.id],
            )
        )
        uow.commit()
    if sync:
        device.sync()
    return event


def stored_referral(ctx: ServerContext, organisation_id: str, township: str) -> str:
    """A referral (with its consent) of a person in `township`, written on the server as
    demo data is; its id."""
    with ctx.db.writing() as s:
        rows = s.exec(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "person", col(RecordRow.area_code).startswith(township)
            )
        )
        person = next(
            p for p in (Person.from_stored(r) for r in rows) if (p.age_on(date.today()) or 0) >= 18
        )
        feed = Feed(s)
        common = {
            "area_code": person.area_code,
            "household_id": person.household_id,
            "person_id": person.id,
            "recipient": organisation_id,
            "purpose": PURPOSE,
            "data_categories": [D.IDENTITY],
        }
        grant = ConsentEvent(
            **common,
            action=ConsentAction.GRANT,
            method=ConsentMethod.SIGNATURE,
            occurred_at=datetime.now(UTC),
            recorded_by="w1",
        )
        referral = Referral(**common, referred_on=date.today())
        for record in (grant, referral):
            feed.insert(record.type_name, record.model_dump(mode="json"), {})
        feed.close()
    return referral.id
