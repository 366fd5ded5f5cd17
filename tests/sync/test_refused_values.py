"""A value the database refuses, or a record over the size cap, rejects that one mutation
into the dead-letter list with a reason: the rest of the batch is applied, the pull runs
and later syncs work. Never a 500, never a stuck queue (issue 9, items 2 and 3)."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from app.domain.codes import Category
from app.domain.records import Household, Visit
from app.store.errors import IllegalEdit, RecordTooLarge
from app.store.store import check_size
from sync.server.tables import RecordRow
from tests.said import refused
from tests.sync.conftest import VILLAGE_A, signed
from tests.sync.records import household, visit

# Records holding this text are refused by a real constraint the tests add to the server's
# database: it stands for any value a database refuses that validation let through.
REFUSED = "数据库拒收"


def server_ids(ctx) -> set[str]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return set(s.execute(select(RecordRow.id)).scalars())


@pytest.fixture
def refusing_db(ctx):  # type: ignore[no-untyped-def]
    """The server's `records` refuse any row whose JSON holds `REFUSED`: a CHECK
    constraint on PostgreSQL, a trigger on SQLite (which cannot add one to a table)."""
    with ctx.db.engine.begin() as conn:
        if ctx.db.is_sqlite:
            for event in ("INSERT", "UPDATE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON records "
                    f"WHEN instr(NEW.data, '{REFUSED}') > 0 "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
        else:
            conn.exec_driver_sql(
                f"ALTER TABLE records ADD CONSTRAINT refuse CHECK (strpos(data, '{REFUSED}') = 0)"
            )
    return ctx


def test_a_value_the_database_refuses_rejects_that_change_alone(refusing_db, make_device, caplog):
    ctx = refusing_db
    device = make_device()
    h = household(VILLAGE_A)
    first, last = visit(h, device.worker_id, "第一次"), visit(h, device.worker_id, "第三次")
    bad = visit(h, device.worker_id, f"老人说：{REFUSED}")
    device.store.add_many([h, first, bad, last])
    with caplog.at_level(logging.WARNING, logger="doorstep.server"):
        report = device.sync()
    assert (report.pushed, report.rejected) == (3, 1)
    dead = device.store.dead_letters()
    assert [m.record_id for m in dead] == [bad.id]
    assert dead[0].reason and dead[0].reason.endswith("。")
    assert server_ids(ctx) == {h.id, first.id, last.id}
    # The log names the record, never its values.
    assert bad.id in caplog.text and REFUSED not in caplog.text
    # The queue is not stuck: the next change goes up, and a colleague pulls the rest.
    later = device.store.add(visit(h, device.worker_id, "第四次"))
    assert device.sync().pushed == 1 and device.store.pending() == []
    colleague = make_device()
    colleague.sync()
    assert {v.id for v in colleague.store.load_all(Visit)} == {first.id, last.id, later.id}


def test_an_edit_the_database_refuses_is_rejected_and_the_server_copy_restored(
    refusing_db, make_device
):
    device = make_device()
    h = device.store.add(household(VILLAGE_A))
    device.sync()
    device.store.update(h.model_copy(update={"notes": f"{REFUSED}的备注"}))
    report = device.sync()
    assert report.rejected == 1 and device.store.pending() == []
    assert device.store.get(Household, h.id).notes == ""
    device.store.update(h.model_copy(update={"notes": "新的备注"}))
    assert device.sync().pushed == 1


def mutation(device, seq: int, record: Visit, payload: dict | None = None) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """A create as the device would send it, built by hand to carry what it would not."""
    return {
        "seq": seq,
        "mutation_id": f"m{seq}",
        "record_type": record.type_name,
        "record_id": record.id,
        "kind": "create",
        "hlc": device.store.clock.now(),
        "payload": record.content() if payload is None else payload,
    }


def test_a_number_json_cannot_hold_is_rejected_not_a_500(make_device):
    """Infinity once passed validation and was a 500 for the whole batch on both
    databases (their JSON refuses it)."""
    device = make_device()
    h = device.store.add(household(VILLAGE_A))
    device.sync()
    visits = [visit(h, device.worker_id, str(i)) for i in range(3)]
    gps = {"lat": 29.08, "lon": 119.65, "accuracy_m": "ACCURACY"}
    mutations = [mutation(device, 10 + i, v) for i, v in enumerate(visits)]
    mutations[1]["payload"]["gps"] = gps
    body = json.dumps({"mutations": mutations}).replace('"ACCURACY"', "Infinity")
    response = signed(device, "POST", "/v1/push", raw=body.encode())
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    assert [a["status"] for a in answers] == ["applied", "rejected", "applied"]
    assert answers[1]["reason"]
    assert device.sync().pulled == 2  # the pull runs


def test_a_record_over_the_size_cap_is_rejected_by_the_server(ctx, make_device):
    """A few kilobytes gzip'd once made a multi-megabyte visit that every peer pulled."""
    device = make_device()
    h = device.store.add(household(VILLAGE_A))
    device.sync()
    huge, small = visit(h, device.worker_id), visit(h, device.worker_id, "正常")
    companions = huge.content() | {"companions": ["张三"] * 50_000}
    mutations = [mutation(device, 10, huge, companions), mutation(device, 11, small)]
    response = signed(device, "POST", "/v1/push", {"mutations": mutations})
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    assert [a["status"] for a in answers] == ["rejected", "applied"]
    assert "64 KB" in answers[0]["reason"]
    assert server_ids(ctx) == {h.id, small.id}


def test_the_device_refuses_a_record_over_the_size_cap_before_queuing_it(make_device):
    device = make_device()
    h = device.store.add(household(VILLAGE_A))
    too_big = visit(h, device.worker_id).model_copy(update={"companions": ["张三丰"] * 6000})
    with refused(RecordTooLarge, "上限 64 KB"):
        check_size(too_big, too_big.content())
    check_size(h, h.content())
    # In the store: refused (for its size, or for a list the record rules bound) with one
    # sentence, and nothing written or queued.
    with pytest.raises(IllegalEdit):
        device.store.add(too_big)
    assert device.store.counts()["visit"] == 0 and len(device.store.pending()) == 1
    with pytest.raises(IllegalEdit):
        device.store.update(h.model_copy(update={"categories": [Category.DIBAO] * 9000}))
    assert device.store.get(Household, h.id).categories == []
    assert len(device.store.pending()) == 1
    device.store.add(visit(h, device.worker_id))
    assert device.sync().pushed == 2
