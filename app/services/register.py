"""Keeping the register true on the device (编辑家庭): a household's address, phone and notes,
a member's facts, a member added or leaving, a 重大变故 — each edit in one unit of work with
the register changes (登记变更) that keep it in the household's history.

Why register changes are records of their own: the history must say from what value to
what, who and when, on every device and on the server, long after the outbox entry that
carried the edit has been pushed and dropped. An insert-only record written in the same
transaction as the edit, and synced like a visit, is that history; the per-field merge of
the edit itself (and its conflicts) stays the merge's (sync/merge.py).

The rules are checked here against the worker's clock (the day the app shows), again by
the store against the device's clock before anything is queued, and by the server at push.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from app.domain.errors import DoorstepError
from app.domain.records import (
    Household,
    IllegalChange,
    Person,
    RegisterChange,
    Writer,
    aware,
    check_unique_id_number,
)
from app.domain.register import added_change, edit_changes
from app.store.errors import IllegalEdit, StoreError
from app.store.store import Store
from app.store.unit_of_work import UnitOfWork

R = TypeVar("R", Household, Person)


@dataclass(frozen=True)
class History:
    """A household's register changes, newest first, and the staff names by worker id."""

    changes: list[RegisterChange]
    names: dict[str, str]


class Register:
    """Edits of households and members in one unlocked store, by its worker."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def history(self, household_id: str) -> History:
        """The household's register changes, newest first (unreadable ones left out), with
        the names of the staff who made them as the server last sent them."""
        with self._store.unit_of_work() as uow:
            changes = uow.records.load_all(
                RegisterChange, household_id=household_id, skip_damaged=True
            )
            try:
                names = dict(uow.staff.get().names)
            except StoreError:
                names = {}
        changes.sort(key=lambda c: (aware(c.changed_at), c.created_hlc), reverse=True)
        return History(changes, names)

    def edit(self, edited: R, *, at: datetime) -> tuple[R, list[RegisterChange]]:
        """Write the household or member as `edited` (queued per field) with one register
        change per field it changes; nothing when it changes nothing. IllegalEdit, with
        the reason, when a rule refuses it: then nothing is saved."""
        with self._store.unit_of_work() as uow:
            before = uow.records.get(type(edited), edited.id)
            changes = edit_changes(before, edited, at=at, worker_id=self._store.worker_id)
            if not changes:
                return before, []
            changed = {c.field.value for c in changes}
            _checked(
                lambda: type(edited).check_edit(
                    before.model_dump(mode="json"),
                    {k: v for k, v in edited.model_dump(mode="json").items() if k in changed},
                    _writer(at),
                )
            )
            if isinstance(edited, Person) and "id_number" in changed:
                _check_id_number(uow, edited)
            saved = uow.records.update(edited)
            uow.records.add_many(changes)
            uow.commit()
        return saved, changes

    def add_member(self, person: Person, *, at: datetime) -> Person:
        """Write a new member of a household on the register (a newborn, a son come back)
        with the register change that records it; IllegalEdit when a rule refuses it
        (an ID number another live member holds, a date ahead): then nothing is saved."""
        _checked(lambda: person.check_create(_writer(at)))
        with self._store.unit_of_work() as uow:
            uow.records.get(Household, person.household_id)  # NotFound when it is not here
            _check_id_number(uow, person)
            saved = uow.records.add(person)
            uow.records.add(added_change(saved, at=at, worker_id=self._store.worker_id))
            uow.commit()
        return saved


def _writer(at: datetime) -> Writer:
    """The worker as the writer of an edit made at `at` (the app's clock, China time)."""
    return Writer(latest=aware(at))


def _checked(rule: Callable[[], None]) -> None:
    try:
        rule()
    except IllegalChange as exc:
        raise IllegalEdit.like(exc) from None


def _check_id_number(uow: UnitOfWork, person: Person) -> None:
    """IllegalEdit when another live member in this store holds the person's ID number."""
    if not person.id_number:
        return
    others = []
    for person_id in uow.records.with_blind_index("id_number", person.id_number):
        try:
            others.append(uow.records.get(Person, person_id))
        except StoreError:
            continue
    try:
        check_unique_id_number(person, others)
    except DoorstepError as exc:
        raise IllegalEdit.like(exc) from None
