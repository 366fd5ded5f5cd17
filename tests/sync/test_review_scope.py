"""Conflicts follow their record: the record's current area decides who lists and reverts."""

from __future__ import annotations

from app.domain.records import Household
from sync.errors import RequestRefused
from tests.said import refused
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A
from tests.sync.records import household


def test_a_household_that_moved_takes_its_conflicts_to_the_new_coordinator(ctx, make_device):
    a = make_device(areas=[VILLAGE_A])
    b = make_device(areas=[VILLAGE_A])
    mover = make_device(areas=[TOWNSHIP, OTHER_VILLAGE])
    old_lead = make_device(role="coordinator", areas=[TOWNSHIP])
    new_lead = make_device(role="coordinator", areas=[OTHER_VILLAGE])
    h = household(VILLAGE_A)
    a.store.add(h)
    a.sync(), b.sync()
    a.store.update(a.store.get(Household, h.id).model_copy(update={"address": "A改的地址"}))
    b.store.update(b.store.get(Household, h.id).model_copy(update={"address": "B改的地址"}))
    a.sync()
    assert b.sync().conflicts == 1
    [conflict] = old_lead.client().conflicts()

    mover.sync()
    moved = mover.store.get(Household, h.id).model_copy(update={"area_code": OTHER_VILLAGE})
    mover.store.update(moved)
    mover.sync()

    assert old_lead.client().conflicts() == []
    with refused(RequestRefused, "找不到此冲突记录"):
        old_lead.client().revert_conflict(conflict.id)
    [listed] = new_lead.client().conflicts()
    assert (listed.id, listed.area_code) == (conflict.id, OTHER_VILLAGE)
    new_lead.client().revert_conflict(conflict.id)
    new_lead.sync()
    assert new_lead.store.get(Household, h.id).address == "A改的地址"
