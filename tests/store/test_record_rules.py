"""The device refuses, before queuing, every change the server's merge always rejects,
in the same sentence: both take the rules from the record types (app/domain/records.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.ids import new_id
from app.domain.records import Record
from app.store.errors import IllegalEdit
from app.store.store import Store
from sync import merge
from tests.said import refused, said
from tests.store.helpers import household_with_members, visit_for

OTHER_VILLAGE = "330702102202"


def server_refusal(stored: Record, change: dict[str, Any]) -> str:
    """The reason the server's merge gives for `change` to `stored`."""
    created = merge.create(
        stored.type_name, stored.id, stored.content(),
        hlc=stored.created_hlc, seq=1, device_id="d", worker_id="worker-1",
    )  # fmt: skip
    with pytest.raises(merge.Rejected) as refused:
        merge.update(
            stored.type_name, created.data, created.stamps, change,
            hlc=stored.updated_hlc + "1", base_seq=1, seq=2, device_id="d",
        )  # fmt: skip
    return said(refused.value)


@pytest.mark.parametrize(
    ("edited", "change"),
    [
        ("person", {"household_id": new_id()}),  # fixed at creation
        ("person", {"area_code": OTHER_VILLAGE}),  # follows the household
        ("visit", {"observations": "改写的记录"}),  # insert-only
    ],
)
def test_a_forbidden_edit_is_refused_before_it_is_queued(
    store: Store, edited: str, change: dict[str, Any]
) -> None:
    household, (member, _) = household_with_members()
    visit = visit_for(household)
    store.add_many([household, member, visit])
    queued = len(store.pending())
    chosen = member if edited == "person" else visit
    stored = store.get(type(chosen), chosen.id)

    with pytest.raises(IllegalEdit) as refused:
        store.update(stored.model_copy(update=change))

    assert said(refused.value) == server_refusal(stored, change)
    assert "\n" not in said(refused.value) and said(refused.value).endswith("。")
    assert len(store.pending()) == queued
    assert store.get(type(stored), stored.id) == stored


AREA_FOLLOWS = "记录的区划代码随所属家庭：须与家庭一致，不能单独修改。"


def test_a_record_is_created_in_its_households_area_only(store: Store) -> None:
    household, (member, elsewhere) = household_with_members()
    store.add_many([household, member])

    with refused(IllegalEdit, AREA_FOLLOWS):
        store.add(elsewhere.model_copy(update={"area_code": OTHER_VILLAGE}))
    with refused(IllegalEdit, AREA_FOLLOWS):  # nor in one write with it
        moved, (stray, _) = household_with_members(seq=1)
        store.add_many([moved, stray.model_copy(update={"area_code": OTHER_VILLAGE})])

    assert {m.record_id for m in store.pending()} == {household.id, member.id}
    # The server refuses such a record with the same sentence.
    with refused(merge.Rejected, AREA_FOLLOWS):
        merge.check_household({"area_code": OTHER_VILLAGE}, household.area_code)
