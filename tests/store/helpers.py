"""Small builders of valid records for store tests."""

from __future__ import annotations

from datetime import date, datetime

from app.domain.codes import Category, RegisterStatus, Team
from app.domain.identity import make_id_number
from app.domain.records import Household, Person, Visit
from app.store.store import Store

VILLAGE = "330702102201"


def household_with_members(
    n: int = 2, *, village: str = VILLAGE, seq: int = 0
) -> tuple[Household, list[Person]]:
    # A device reports the households it creates (主动发现); the roster's arrive by sync.
    household = Household(
        area_code=village,
        register_status=RegisterStatus.REPORTED,
        address=f"岩头村{seq % 9 + 1}组{seq + 10}号",
        phone=f"1381234{seq % 10000:04d}",
        categories=[Category.DIBAO],
        notes=f"家中老人行动不便，需每月送药{seq}",
    )
    names = ["陈秀英", "王建国", "李小红", "张志强"]
    members = [
        Person(
            area_code=village,
            household_id=household.id,
            name=f"{names[i % len(names)]}{'甲乙丙丁'[seq % 4]}",
            id_number=make_id_number("330702", date(1950 + i, 1 + seq % 12, 1 + i), seq * 7 + i),
            phone=f"1390579{(seq * 10 + i) % 10000:04d}",
            health_note=f"高血压，长期服药{seq}-{i}",
        )
        for i in range(n)
    ]
    return household, members


def visit_for(household: Household, when: datetime | None = None, note: str = "") -> Visit:
    return Visit(
        area_code=household.area_code,
        household_id=household.id,
        visited_at=when or datetime(2026, 11, 20, 10, 0),
        worker_id="worker-1",
        team=Team.GRID_WORKER,
        observations=note or "老人精神状态良好，屋内整洁",
    )


def attach_photo(store: Store, record_id: str, content: bytes, mime: str = "image/jpeg") -> str:
    """A photo kept for `record_id` on its own (a device state: no record names it yet)."""
    with store.unit_of_work() as uow:
        photo_id = uow.photos.attach(record_id, content, mime)
        uow.commit()
    return photo_id
