"""Small record builders for the sync tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, Team
from app.domain.records import ConsentEvent, Household, Person, Visit, Wish


def household(area: str, address: str = "岩头村1号") -> Household:
    return Household(area_code=area, address=address, phone="13900000000")


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


def consent(
    h: Household, p: Person, action: ConsentAction, seen: list[str] | None = None
) -> ConsentEvent:
    return ConsentEvent(
        area_code=h.area_code,
        household_id=h.id,
        person_id=p.id,
        action=action,
        recipient="金华市慈善总会",
        purpose="微心愿对接",
        data_categories=[DataCategory.IDENTITY, DataCategory.NEEDS],
        method=ConsentMethod.SIGNATURE,
        occurred_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        recorded_by="w",
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
