"""Small record builders for the sync tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, RegisterStatus, Team
from app.domain.organisations import credit_code_check_char
from app.domain.recipients import OrganisationRef
from app.domain.records import ConsentEvent, Household, Person, Record, Visit, Wish
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.organisations import OrganisationInput, add_organisation


def household(area: str, address: str = "岩头村1号") -> Household:
    """A household as a device creates it: reported (主动发现). The register's households
    are the roster import's (`sync.server.services.roster`)."""
    return Household(
        area_code=area,
        address=address,
        phone="13900000000",
        register_status=RegisterStatus.REPORTED,
    )


def registered(area: str, address: str = "岩头村1号") -> Household:
    """A household on the register, as the county's roster has it (`on_roster`)."""
    return household(area, address).model_copy(
        update={"register_status": RegisterStatus.REGISTERED}
    )


def on_roster(ctx: ServerContext, *records: Record) -> None:
    """Records put on the server as the roster import puts them (devices pull them)."""
    exchange.load_records(ctx, records)


def person(h: Household, name: str = "张三") -> Person:
    return Person(area_code=h.area_code, household_id=h.id, name=name)


def visit(h: Household, worker_id: str = "w", note: str = "") -> Visit:
    return Visit(
        area_code=h.area_code,
        household_id=h.id,
        visited_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        worker_id=worker_id,
        team=Team.GRID_WORKER,
        observations=note,
    )


def organisation(
    ctx: ServerContext,
    name: str = "金华市慈善总会",
    kind: str = "charity",
    areas: tuple[str, ...] = ("330702",),
    serial: int = 1,
) -> OrganisationRef:
    """An organisation on the county's list (a valid credit code made from `serial`)."""
    first17 = f"91330702MA{serial:07d}"
    made = add_organisation(
        ctx,
        OrganisationInput(name, kind, first17 + credit_code_check_char(first17), areas, ["care"]),
    )
    return OrganisationRef(
        made.id, made.name, made.kind, made.credit_code, made.areas, ("care",), made.active
    )


def consent(
    h: Household,
    p: Person,
    action: ConsentAction,
    seen: list[str] | None = None,
    recipient: str = "金华市慈善总会",
    *,
    by: str = "w",
) -> ConsentEvent:
    """A consent event recorded by worker `by`: a device pushes only those its own worker
    recorded (`device.worker_id`), as the server checks."""
    return ConsentEvent(
        area_code=h.area_code,
        household_id=h.id,
        person_id=p.id,
        action=action,
        recipient=recipient,
        purpose="wish",  # 微心愿发布
        data_categories=[DataCategory.IDENTITY, DataCategory.NEEDS],
        method=ConsentMethod.SIGNATURE,
        occurred_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        recorded_by=by,
        seen=seen or [],
    )


def wish(h: Household, title: str = "一台电风扇") -> Wish:
    return Wish(
        area_code=h.area_code,
        household_id=h.id,
        title=title,
        value_yuan=200,
        collected_on=date(2026, 3, 1),
    )
