"""The unit of work: what its repositories write is kept by commit() and only then."""

from __future__ import annotations

import pytest

from app.domain.records import Household, Visit
from app.domain.staff import Staff, StaffMember
from app.store.store import Store
from tests.store.helpers import household_with_members, visit_for


def test_nothing_is_kept_without_commit(store: Store) -> None:
    household, members = household_with_members(2)
    with store.unit_of_work() as uow:
        uow.records.add_many([household, *members])
        uow.photos.attach(household.id, b"\xff\xd8 photo")
        uow.settings.set_meta("last_sync_at", "2026-11-20T10:00:00")
        assert uow.records.get(Household, household.id).address == household.address
    assert sum(store.counts().values()) == 0
    assert store.outbox_counts()["pending"] == 0
    assert store.photos_to_upload() == [] and store.meta("last_sync_at") is None


def test_an_error_in_the_block_keeps_nothing(store: Store) -> None:
    household, _ = household_with_members(0)
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.records.add(household)
        uow.photos.attach(household.id, b"\xff\xd8 photo")
        raise RuntimeError("the save failed after both writes")
    assert store.counts()["household"] == 0 and store.photo_counts()["upload"] == 0


def test_commit_keeps_records_outbox_photo_and_clock_together(store: Store) -> None:
    household, _ = household_with_members(0)
    visit = visit_for(household)
    with store.unit_of_work() as uow:
        photo_id = uow.photos.attach(visit.id, b"\xff\xd8 photo")
        uow.records.add_many([household, visit.model_copy(update={"photo_id": photo_id})])
        uow.commit()
    assert store.get(Visit, visit.id).photo_id == photo_id
    assert [(m.record_type, m.kind) for m in store.pending()] == [
        ("household", "create"),
        ("visit", "create"),
    ]
    assert store.photos_to_upload() == [(photo_id, visit.id)]
    assert store.meta("hlc") == store.clock.last


def test_queued_listeners_hear_of_committed_changes_only(store: Store) -> None:
    heard: list[str] = []
    store.on_queued(lambda: heard.append("queued"))
    household, _ = household_with_members(0)
    with store.unit_of_work() as uow:
        uow.records.add(household)
    assert heard == []  # dropped: nothing to count
    with store.unit_of_work() as uow:
        uow.settings.set_meta("area_names", "{}")
        uow.commit()
    assert heard == []  # committed, but nothing queued for sync
    with store.unit_of_work() as uow:
        uow.records.add(household)
        uow.commit()
    assert heard == ["queued"]


def test_the_staff_and_their_digest_are_kept_together_or_not_at_all(store: Store) -> None:
    staff = Staff((StaffMember("w1", "王五", "worker", "grid_worker", True, ("330702102",)),))
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.staff.put(staff, "digest-1")
        raise RuntimeError("the sync died between the staff and the digest")
    with store.unit_of_work() as uow:
        assert uow.staff.get() == Staff() and uow.staff.digest() == ""
        uow.staff.put(staff, "digest-1")
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.staff.get().names == {"w1": "王五"} and uow.staff.digest() == "digest-1"


def test_sync_state_reads_and_writes_the_keys_stores_already_hold(store: Store) -> None:
    """No migration: the typed accessors use the meta keys earlier versions wrote."""
    store.set_meta("last_sync_at", "2026-11-20T10:00:00")
    store.set_meta("area_names", '{"330702102": "安地镇"}')
    store.set_meta("staff_digest", "abc")
    with store.unit_of_work() as uow:
        assert uow.sync_state.last_sync() == "2026-11-20T10:00:00"
        assert uow.sync_state.area_names() == {"330702102": "安地镇"}
        assert uow.staff.digest() == "abc"
        uow.sync_state.set_area_names({"330702": "婺城区"})
        uow.commit()
    assert store.meta("area_names") == '{"330702": "婺城区"}'


def test_area_names_that_do_not_read_as_a_map_are_none(store: Store) -> None:
    with store.unit_of_work() as uow:
        assert uow.sync_state.last_sync() is None and uow.sync_state.area_names() == {}
    for damaged in ("not json", '["330702102"]'):
        store.set_meta("area_names", damaged)
        with store.unit_of_work() as uow:
            assert uow.sync_state.area_names() == {}
