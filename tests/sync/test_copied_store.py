"""A device store restored from a backup or copied to another machine numbers new work
with seqs the server has already logged: the server tells it from a retry by the
mutation's digest, answers ``renumber``, and the device sends it again after the
server's watermark. Nothing is lost, nothing is applied twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from app.domain.records import Household, Person, Visit
from app.store.store import Store
from sync.client import SyncClient
from sync.server.tables import MutationLog, RecordRow
from tests.sync.conftest import VILLAGE_A, Device, copied, push_payload, signed
from tests.sync.records import household, person, visit


def server_records(ctx) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many rows the server holds per record id (1 each: nothing doubled)."""
    with ctx.db.reading() as s:
        rows = s.execute(select(RecordRow.id, func.count()).group_by(RecordRow.id)).all()
    return {record_id: int(n) for record_id, n in rows}


@pytest.fixture
def pair(make_device, tmp_path) -> Iterator[tuple[Device, Device]]:  # type: ignore[no-untyped-def]
    """A synced device and a copy of its data dir."""
    original = make_device()
    original.store.add(household(VILLAGE_A))
    original.sync()
    with copied(original, tmp_path / "copy") as copy:
        yield original, copy


def test_a_visit_recorded_on_the_original_after_the_copy_synced_reaches_the_server(ctx, pair):
    original, copy = pair
    h = original.store.load_all(Household)[0]
    on_copy = copy.store.add(visit(h, copy.worker_id, "在复制的设备上记录"))
    assert copy.sync().pushed == 1
    on_original = original.store.add(visit(h, original.worker_id, "在原设备上记录"))
    report = original.sync()
    assert report.pushed == 1 and report.rejected == 0
    assert original.store.pending() == [] and original.store.dead_letters() == []
    assert server_records(ctx) == {h.id: 1, on_copy.id: 1, on_original.id: 1}
    # Both ends go on: each sees the other's visit, and new work keeps reaching the server.
    copy.sync()
    assert {v.id for v in copy.store.load_all(Visit)} == {on_copy.id, on_original.id}
    later = copy.store.add(visit(h, copy.worker_id, "之后又一次"))
    assert copy.sync().pushed == 1
    assert server_records(ctx)[later.id] == 1
    assert {v.id for v in original.store.load_all(Visit)} == {on_copy.id, on_original.id}


def test_work_pending_at_the_copy_is_applied_once_and_new_work_keeps_its_order(
    ctx, make_device, tmp_path
):
    original = make_device()
    h = original.store.add(household(VILLAGE_A))
    shared = original.store.add(visit(h, original.worker_id, "复制前未同步"))
    with copied(original, tmp_path / "copy") as copy:
        assert copy.sync().pushed == 2  # the work both hold, pushed by the copy
        copy.store.add(visit(h, copy.worker_id, "复制后"))
        copy.sync()
        # On the original: a new household and its member, which must arrive in order.
        h2 = original.store.add(household(VILLAGE_A, "岩头村2号"))
        member = original.store.add(person(h2, "李四"))
        original.store.update(h2.model_copy(update={"address": "岩头村2号之一"}))
        report = original.sync()
        assert (report.pushed, report.rejected) == (5, 0)
        assert original.store.pending() == [] and original.store.dead_letters() == []
        records = server_records(ctx)
        assert len(records) == 5 and set(records.values()) == {1}
        assert shared.id in records and member.id in records
        copy.sync()
        assert copy.store.get(Household, h2.id).address == "岩头村2号之一"
        assert member.id in {p.id for p in copy.store.load_all(Person)}


def test_a_seq_reused_with_other_content_is_answered_renumber_from_there_on(ctx, make_device):
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add_many([h, visit(h, device.worker_id, "一"), visit(h, device.worker_id, "二")])
    first = push_payload(device)
    answer = signed(device, "POST", "/v1/push", first).json()
    assert answer["watermark"] == 3
    # The same seqs again, the second of them now carrying another change.
    other = visit(h, device.worker_id, "另一项")
    again = {"mutations": [dict(m) for m in first["mutations"]]}  # type: ignore[union-attr]
    again["mutations"][1] |= {
        "mutation_id": "another",
        "record_id": other.id,
        "payload": other.content(),
    }
    again["mutations"].append({**again["mutations"][2], "seq": 4, "mutation_id": "fourth"})
    answers = signed(device, "POST", "/v1/push", again).json()
    assert [(a["status"], a["duplicate"]) for a in answers["answers"]] == [
        ("applied", True),
        ("renumber", False),
        ("renumber", False),
        ("renumber", False),
    ]
    assert answers["watermark"] == 3  # nothing of the reused part was applied
    assert other.id not in server_records(ctx)


def test_a_log_written_before_digests_tells_a_retry_by_the_mutation_id(ctx, make_device):
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add_many([h, visit(h, device.worker_id)])
    payload = push_payload(device)
    signed(device, "POST", "/v1/push", payload)
    with ctx.db.small_write() as s:
        s.execute(update(MutationLog).values(digest=None))
    retry = signed(device, "POST", "/v1/push", payload).json()["answers"]
    assert [(a["status"], a["duplicate"]) for a in retry] == [("applied", True)] * 2
    reused = {"mutations": [{**payload["mutations"][1], "mutation_id": "new-work"}]}  # type: ignore[index]
    assert signed(device, "POST", "/v1/push", reused).json()["answers"][0]["status"] == "renumber"


def watermark(store: Store) -> int:
    with store.unit_of_work() as uow:
        return uow.sync_state.watermark()


def test_enrolment_and_every_push_answer_carry_the_watermark(make_device):
    device = make_device()
    assert watermark(device.store) == 0
    h = household(VILLAGE_A)
    device.store.add_many([h, visit(h, device.worker_id)])
    SyncClient(device.store, device.url).sync()
    assert watermark(device.store) == 2
