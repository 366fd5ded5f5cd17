"""Needs matched to a service project, written on the server as a coordinator's device
would have pushed them: the need (with its project), and the person's consent to the
project's organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import col, select

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, NeedArea, NeedStatus
from app.domain.records import ConsentEvent, Need, Person
from sync.server.context import ServerContext
from sync.server.services.feed import Feed
from sync.server.tables import RecordRow

D = DataCategory


@dataclass(frozen=True)
class Matched:
    need: Need
    person: Person
    grant: ConsentEvent | None


def matched_need(
    ctx: ServerContext,
    project_id: str,
    organisation_id: str,
    township: str,
    *,
    skip: int = 0,
    consented: Sequence[DataCategory] = (D.IDENTITY, D.CONTACT, D.NEEDS, D.ID_NUMBER),
    area: NeedArea = NeedArea.LIVING,
) -> Matched:
    """A need of an adult in `township` (the `skip`-th) matched to the project, and (unless
    `consented` is empty) the person's grant to the organisation."""
    today = date.today()
    with ctx.db.writing() as s:
        rows = s.exec(
            select(col(RecordRow.data))
            .where(col(RecordRow.type) == "person", col(RecordRow.area_code).startswith(township))
            .order_by(col(RecordRow.id))
        )
        adults = [p for p in (Person.from_stored(r) for r in rows) if (p.age_on(today) or 0) >= 18]
        person = adults[skip]
        need = Need(
            area_code=person.area_code,
            household_id=person.household_id,
            person_id=person.id,
            area=area,
            description="家中缺少过冬棉被，老人行动不便",
            raised_on=today,
            status=NeedStatus.MATCHED,
            project_id=project_id,
            resource="项目",
        )
        grant = None
        if consented:
            grant = ConsentEvent(
                area_code=person.area_code,
                household_id=person.household_id,
                person_id=person.id,
                action=ConsentAction.GRANT,
                recipient=organisation_id,
                purpose="对接慈善帮扶资源",
                data_categories=list(consented),
                method=ConsentMethod.SIGNATURE,
                occurred_at=datetime.now(UTC),
                recorded_by="w1",
            )
        feed = Feed(s)
        for record in (need, grant):
            if record is not None:
                feed.insert(record.type_name, record.model_dump(mode="json"), {})
        feed.close()
    return Matched(need, person, grant)


def withdraw(ctx: ServerContext, matched: Matched) -> None:
    """The person withdraws the grant (as a device would push it)."""
    assert matched.grant is not None
    g = matched.grant
    event = ConsentEvent(
        area_code=g.area_code,
        household_id=g.household_id,
        person_id=g.person_id,
        action=ConsentAction.WITHDRAW,
        recipient=g.recipient,
        purpose=g.purpose,
        method=ConsentMethod.SIGNATURE,
        occurred_at=datetime.now(UTC),
        recorded_by="w1",
        seen=[g.id],
    )
    with ctx.db.writing() as s:
        feed = Feed(s)
        feed.insert(event.type_name, event.model_dump(mode="json"), {})
        feed.close()
