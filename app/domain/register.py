"""Keeping the register true (登记变更): which fields a worker may edit on a household and
on its members, and the register changes an edit leaves in the household's history.

Pure: the service (app/services/register.py) reads the stored record, builds the edited
one, and writes both with the changes in one unit of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.codes import RegisterField
from app.domain.records import Household, Person, Record, RegisterChange, register_value

# What a worker edits on the device; every other field is the roster's (categories, dates of
# registration) or fixed (ids).
HOUSEHOLD_FIELDS: tuple[RegisterField, ...] = (
    RegisterField.ADDRESS,
    RegisterField.PHONE,
    RegisterField.NOTES,
)
PERSON_FIELDS: tuple[RegisterField, ...] = (
    RegisterField.NAME,
    RegisterField.ID_NUMBER,
    RegisterField.RELATION,
    RegisterField.PHONE,
    RegisterField.LIVES_ALONE,
    RegisterField.FLAGS,
    RegisterField.SCHOOL_STAGE,
    RegisterField.EMPLOYMENT_ABILITY,
    RegisterField.EMPLOYMENT_WISH,
    RegisterField.HEALTH_NOTE,
    RegisterField.LEFT_ON,
    RegisterField.LEFT_REASON,
    RegisterField.MAJOR_EVENT_DATE,
    RegisterField.MAJOR_EVENT_KIND,
    RegisterField.MAJOR_EVENT_NOTE,
    RegisterField.MAJOR_EVENT_RECORDED_ON,
)

# Values shown masked in the history (app/ui/viewmodels/register.py masks them).
PERSONAL_FIELDS = frozenset({RegisterField.PHONE, RegisterField.ID_NUMBER})


def editable_fields(record: Record) -> tuple[RegisterField, ...]:
    """The fields of `record` a worker may edit on the device."""
    if isinstance(record, Household):
        return HOUSEHOLD_FIELDS
    if isinstance(record, Person):
        return PERSON_FIELDS
    return ()


def changed_fields(before: Record, after: Record) -> dict[RegisterField, tuple[Any, Any]]:
    """The editable fields whose value differs, with (before, after) as JSON values."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {f: (old.get(f), new.get(f)) for f in editable_fields(after) if old.get(f) != new.get(f)}


def _household_id(record: Household | Person) -> str:
    return record.id if isinstance(record, Household) else record.household_id


def edit_changes(
    before: Household | Person, after: Household | Person, *, at: datetime, worker_id: str
) -> list[RegisterChange]:
    """One register change per editable field that `after` changes in `before`."""
    person_id = after.id if isinstance(after, Person) else None
    return [
        RegisterChange(
            area_code=after.area_code,
            household_id=_household_id(after),
            person_id=person_id,
            field=name,
            before=register_value(old),
            after=register_value(new),
            changed_at=at,
            worker_id=worker_id,
        )
        for name, (old, new) in changed_fields(before, after).items()
    ]


def added_change(person: Person, *, at: datetime, worker_id: str) -> RegisterChange:
    """The register change of a member added to the household (a newborn, a son back)."""
    return RegisterChange(
        area_code=person.area_code,
        household_id=person.household_id,
        person_id=person.id,
        field=RegisterField.MEMBER_ADDED,
        after=person.name,
        changed_at=at,
        worker_id=worker_id,
    )
