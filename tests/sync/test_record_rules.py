"""The rules records obey, on the device and on the server alike (issue 9, items 2, 4-6).

A device refuses a bad value or a forbidden change in one sentence before it is queued;
a tampered app that queues it anyway (``tests.sync.forge``) gets that one mutation
rejected by the server with the reason, the rest of its batch applied, and its next sync
working: on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain.codes import DataCategory, ReferralDirection, ReferralStatus, WishState
from app.domain.ids import new_id
from app.domain.records import GeoPoint, Referral, Visit
from app.store.errors import IllegalEdit
from sync.server.services import admin
from sync.server.services.feed import Feed
from tests.said import refused
from tests.sync.conftest import VILLAGE_A
from tests.sync.forge import forge
from tests.sync.records import household, person, visit, wish


def on_server(ctx, record_id: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = Feed(s).get(record_id)
        return None if row is None else json.loads(row.data)


def reasons(device) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.record_id: m.reason or "" for m in device.store.dead_letters()}


def test_a_bad_value_rejects_that_mutation_only_and_the_next_sync_works(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    before, after = visit(h, device.worker_id, "之前"), visit(h, device.worker_id, "之后")
    long_worker = visit(h, device.worker_id, "走访人过长")
    endless_gps = visit(h, device.worker_id, "定位精度无穷")
    device.store.add_many([h, before])
    # On the device: refused where the record is built, and by the store before queuing.
    with pytest.raises(ValidationError):
        visit(h, "x" * 4096)
    with pytest.raises(ValidationError):
        GeoPoint(lat=29.1, lon=119.6, accuracy_m=float("inf"))
    with refused(IllegalEdit, r"worker_id.*最多 40 个字"):
        device.store.add(long_worker.model_copy(update={"worker_id": "x" * 4096}))
    # A tampered app queues them anyway, between two good visits.
    forge(device.store, "visit", long_worker.id, "create",
          long_worker.content() | {"worker_id": "x" * 4096})  # fmt: skip
    gps = {"lat": 29.1, "lon": 119.6, "accuracy_m": float("inf")}
    forge(device.store, "visit", endless_gps.id, "create", endless_gps.content() | {"gps": gps})
    device.store.add(after)

    report = device.sync()

    assert report.rejected == 2
    dead = reasons(device)
    assert "worker_id" in dead[long_worker.id] and "最多 40 个字" in dead[long_worker.id]
    assert "gps.accuracy_m" in dead[endless_gps.id] and "有限" in dead[endless_gps.id]
    assert on_server(ctx, long_worker.id) is None and on_server(ctx, endless_gps.id) is None
    assert on_server(ctx, before.id) is not None and on_server(ctx, after.id) is not None
    later = device.store.add(visit(h, device.worker_id, "再之后"))
    report = device.sync()
    assert report.rejected == 0 and device.store.pending() == []
    assert on_server(ctx, later.id) is not None


def _referral(h, p, direction: ReferralDirection) -> Referral:  # type: ignore[no-untyped-def]
    return Referral(
        area_code=h.area_code,
        household_id=h.id,
        person_id=p.id,
        direction=direction,
        recipient="安地镇社会事务办",
        purpose="可能符合低保条件",
        data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 1),
    )


def test_a_referral_cannot_be_turned_into_an_unconsented_share(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    p = person(h)
    back = _referral(h, p, ReferralDirection.TO_CIVIL_AFFAIRS)  # needs no consent
    device.store.add_many([h, p, back])
    assert device.sync().rejected == 0
    mine = device.store.get(Referral, back.id)
    # The device refuses to redirect it, to change what it shares, with whom, or why.
    changes: list[dict[str, Any]] = [
        {"direction": ReferralDirection.TO_CHARITY},
        {"recipient": "某慈善基金会"},
        {"purpose": "微心愿对接"},
        {"data_categories": [DataCategory.IDENTITY, DataCategory.HEALTH]},
    ]
    for change in changes:
        with refused(IllegalEdit, "创建后不能修改"):
            device.store.update(mine.model_copy(update=change))
    # A tampered app's edit towards a charity is rejected by the server, with the reason.
    assert device.store.pending() == []  # nothing queued by the refusals above
    with ctx.db.reading() as s:
        base = Feed(s).get(back.id).seq  # type: ignore[union-attr]
    forged = {"direction": "to_charity", "recipient": "某慈善基金会", "data_categories": ["health"]}
    forge(device.store, "referral", back.id, "update", {"fields": forged}, base_seq=base)
    # Its status and note are still the device's to change.
    device.store.update(
        mine.model_copy(update={"status": ReferralStatus.ACCEPTED, "note": "已受理"})
    )

    report = device.sync()

    assert report.rejected == 1
    assert "创建后不能修改" in reasons(device)[back.id]
    server = on_server(ctx, back.id)
    assert server is not None
    assert (server["direction"], server["recipient"], server["data_categories"]) == (
        "to_civil_affairs",
        "安地镇社会事务办",
        ["identity"],
    )
    assert (server["status"], server["note"]) == ("accepted", "已受理")


def _bad_creates(h, p, worker_id: str) -> dict[str, tuple[str, dict[str, Any], str]]:  # type: ignore[no-untyped-def]
    """Per record type: a create that breaks a rule, and a fragment of the reason."""
    too_long = "长" * 2001
    w = wish(h)
    referral = _referral(h, p, ReferralDirection.TO_CIVIL_AFFAIRS)
    hh = household(VILLAGE_A)
    pp = person(h)
    v = visit(h, worker_id)
    need = {
        "area_code": h.area_code, "household_id": h.id, "area": "care",
        "description": too_long, "raised_on": "2026-03-01",
    }  # fmt: skip
    consent = {
        "area_code": h.area_code, "household_id": h.id, "person_id": p.id, "action": "grant",
        "recipient": "金华市慈善总会", "purpose": "微心愿对接", "data_categories": ["identity"],
        "method": "signature", "occurred_at": "2026-03-01T10:00:00+08:00",
        "recorded_by": worker_id, "seen": [new_id() for _ in range(201)],
    }  # fmt: skip
    return {
        "household": (hh.id, hh.content() | {"notes": too_long}, "最多 2000 个字"),
        "person": (pp.id, pp.content() | {"name": "名" * 51}, "最多 50 个字"),
        "visit": (v.id, v.content() | {"companions": ["同行"] * 21}, "最多 20 项"),
        "need": (new_id(), need, "最多 2000 个字"),
        "consent": (new_id(), consent, "最多 200 项"),
        "wish": (w.id, w.content() | {"value_yuan": float("nan")}, "value_yuan"),
        "referral": (referral.id, referral.content() | {"recipient": "机" * 101}, "最多 100 个字"),
    }


def test_every_record_types_create_path_keeps_the_rules(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    p = person(h)
    device.store.add_many([h, p])
    bad = _bad_creates(h, p, device.worker_id)
    for record_type, (record_id, payload, _) in bad.items():
        forge(device.store, record_type, record_id, "create", payload)
    # Wishes only in the states a device reaches itself, with no claim.
    published = wish(h).model_copy(update={"state": WishState.PUBLISHED})
    claimed = wish(h).model_copy(
        update={
            "state": WishState.CLAIMED,
            "claimed_by": "某爱心企业",
            "claimed_on": date(2026, 3, 2),
        }
    )
    unclaimed = wish(h).model_copy(update={"claimed_by": "某爱心企业"})
    approved = wish(h).model_copy(
        update={"state": WishState.APPROVED, "reviewed_on": date(2026, 3, 2)}
    )
    for w in (published, claimed, unclaimed):
        with refused(IllegalEdit, "县级平台"):
            device.store.add(w)
        forge(device.store, "wish", w.id, "create", w.content())
    device.store.add(approved)

    report = device.sync()

    dead = reasons(device)
    assert report.rejected == len(bad) + 3
    for record_type, (record_id, _, reason) in bad.items():
        assert reason in dead[record_id], (record_type, dead[record_id])
        assert on_server(ctx, record_id) is None
    assert all("不能新建已发布、已认领或已圆梦的心愿" in dead[w.id] for w in (published, claimed))
    assert "「claimed_by」只能由县级平台填写" in dead[unclaimed.id]
    assert all(on_server(ctx, w.id) is None for w in (published, claimed, unclaimed))
    assert on_server(ctx, approved.id)["state"] == "approved"  # type: ignore[index]


def test_visits_are_by_the_signed_worker_and_not_dated_ahead(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    other = admin.create_worker(ctx, "另一网格员", "worker", "grid_worker", ["330703101201"])
    h = household(VILLAGE_A)
    device.store.add(h)
    own = visit(h, device.worker_id)
    as_other, as_text = visit(h, other.id), visit(h, "随便写的")
    in_2030 = visit(h, device.worker_id).model_copy(
        update={"visited_at": datetime(2030, 1, 1, 9, 0, tzinfo=UTC)}
    )
    # The device refuses a visit dated ahead of its clock before queuing it.
    with refused(IllegalEdit, "探访时间不能晚于现在"):
        device.store.add(in_2030)
    for v in (as_other, as_text, in_2030):
        forge(device.store, "visit", v.id, "create", v.content())
    device.store.add(own)

    report = device.sync()

    dead = reasons(device)
    assert report.rejected == 3
    assert (
        "本设备登记的工作人员" in dead[as_other.id] and "本设备登记的工作人员" in dead[as_text.id]
    )
    assert "探访时间不能晚于现在" in dead[in_2030.id]
    assert all(on_server(ctx, v.id) is None for v in (as_other, as_text, in_2030))
    stored = on_server(ctx, own.id)
    assert stored is not None
    assert (stored["worker_id"], stored["author_worker_id"]) == (device.worker_id,) * 2


def test_a_visit_within_the_clock_tolerance_is_taken(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    soon = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 60, UTC)  # a minute fast
    v = visit(h, device.worker_id).model_copy(update={"visited_at": soon})
    device.store.add_many([h, v])
    assert device.sync().rejected == 0
    assert on_server(ctx, v.id) is not None


def test_a_visit_without_a_zone_is_china_time(ctx, make_device):  # type: ignore[no-untyped-def]
    """A time without a zone, as the app writes it, is read as 北京时间 (not a server error)."""
    device = make_device()
    h = household(VILLAGE_A)
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    v = Visit.model_validate(
        visit(h, device.worker_id).model_dump() | {"visited_at": utc_now.replace(microsecond=0)}
    )
    device.store.add_many([h, v])
    assert device.sync().rejected == 0
    assert on_server(ctx, v.id) is not None
