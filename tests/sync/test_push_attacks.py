"""What a tampered app holding an enrolled device's own key can push, and what the server
does with it (``tests.sync.forge`` queues past the device store's checks): each bad change
is rejected alone with its reason, the rest of its batch applied, the next sync working.

- An edit whose value is not of the field's type (a date as a number or a malformed
  text) was checked by the record type's rules before it was validated: they failed with
  a Python error, the push answered 500 and the whole batch stuck on the device.
- A consent dated ahead would outrank every later grant of its person, recipient and
  purpose (the latest is the one in force).
- A correction (``amends_visit_id``) of another household's visit, a need raised on
  another household's visit, a referral naming another household's need.
- A day far ahead or behind (9999-12-31), on which the lists' date arithmetic failed.
- A photo put under the id another device's record names, before that device uploads it.
- A consent recorded by (``recorded_by``), or a 主动发现 decision reviewed by
  (``reviewed_by``), another worker than the signed device's.
- A need, wish, referral, member's birth or wish fulfilment dated on a day still to come.

On SQLite and PostgreSQL, over a real server on loopback and real encrypted stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from app.domain.codes import ConsentAction, DataCategory, NeedArea, ReferralDirection, WishState
from app.domain.ids import new_id
from app.domain.records import CHINA_TIME, Need, Referral, Wish
from app.domain.wishes import transition
from app.store.errors import IllegalEdit
from sync.server.services.feed import Feed
from tests.said import refused
from tests.sync.conftest import VILLAGE_A
from tests.sync.forge import forge
from tests.sync.records import consent, household, person, visit, wish
from tests.sync.test_photos import jpeg, put, server_photos, visit_with_photo
from tests.sync.test_wish_release import claim, published_wishes


def on_server(ctx, record_id: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = Feed(s).get(record_id)
        return None if row is None else json.loads(row.data)


def server_seq(ctx, record_id: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = Feed(s).get(record_id)
        assert row is not None
        return row.seq


def reasons(device) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.record_id: m.reason or "" for m in device.store.dead_letters()}


def test_a_mistyped_value_in_an_edit_rejects_that_change_alone(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    members = [person(h, name) for name in ("张一", "张二", "张三", "张四")]
    device.store.add_many([h, *members])
    assert device.sync().rejected == 0
    bad = {members[0].id: 1_700_000_000, members[1].id: "2026-13-01", members[2].id: [2026]}
    for member_id, value in bad.items():
        base = server_seq(ctx, member_id)
        forge(device.store, "person", member_id, "update", {"fields": {"left_on": value}}, base)
    good = visit(h, device.worker_id, "之后")
    device.store.add(good)
    base = server_seq(ctx, members[3].id)
    forge(
        device.store, "person", members[3].id, "update", {"fields": {"left_on": "2026-03-01"}}, base
    )

    report = device.sync()

    assert report.rejected == 3
    dead = reasons(device)
    assert all("left_on" in dead[member_id] for member_id in bad), dead
    assert all(on_server(ctx, member_id)["left_on"] is None for member_id in bad)  # type: ignore[index]
    assert on_server(ctx, good.id) is not None
    assert on_server(ctx, members[3].id)["left_on"] == "2026-03-01"  # type: ignore[index]
    later = device.store.add(visit(h, device.worker_id, "再之后"))
    assert device.sync().rejected == 0 and on_server(ctx, later.id) is not None


def test_a_consent_is_not_dated_ahead(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    h = household(VILLAGE_A)
    p = person(h)
    device.store.add_many([h, p])
    ahead = consent(h, p, ConsentAction.GRANT, by=device.worker_id).model_copy(
        update={"occurred_at": datetime(2099, 1, 1, 9, 0, tzinfo=UTC)}
    )
    # The device refuses it before queuing; a tampered app queues it anyway.
    with refused(IllegalEdit, "同意的时间不能晚于现在"):
        device.store.add(ahead)
    forge(device.store, "consent", ahead.id, "create", ahead.content())
    now = consent(h, p, ConsentAction.GRANT, by=device.worker_id)
    device.store.add(now)

    report = device.sync()

    assert report.rejected == 1
    assert "同意的时间不能晚于现在" in reasons(device)[ahead.id]
    assert on_server(ctx, ahead.id) is None and on_server(ctx, now.id) is not None


def test_a_record_names_visits_and_needs_of_its_own_household_only(ctx, make_device):  # type: ignore[no-untyped-def]
    device = make_device()
    mine, theirs = household(VILLAGE_A, "岩头村1号"), household(VILLAGE_A, "岩头村2号")
    me = person(mine)
    their_visit = visit(theirs, device.worker_id, "他家的探访")
    my_visit = visit(mine, device.worker_id, "我家的探访")
    their_need = Need(
        area_code=theirs.area_code, household_id=theirs.id, area=NeedArea.CARE,
        description="他家的需求", raised_on=date(2026, 3, 1),
    )  # fmt: skip
    device.store.add_many([mine, theirs, me, their_visit, my_visit, their_need])
    assert device.sync().rejected == 0
    # A correction of the other household's visit would drop it from the reports.
    correction = visit(mine, device.worker_id, "更正").model_copy(
        update={"amends_visit_id": their_visit.id}
    )
    need_on_theirs = Need(
        area_code=mine.area_code, household_id=mine.id, area=NeedArea.CARE,
        description="需求", raised_on=date(2026, 3, 1), visit_id=their_visit.id,
    )  # fmt: skip
    referral = Referral(
        area_code=mine.area_code, household_id=mine.id, person_id=me.id,
        direction=ReferralDirection.TO_CIVIL_AFFAIRS, recipient="安地镇社会事务办",
        purpose="可能符合低保条件", data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 1), need_id=their_need.id,
    )  # fmt: skip
    for record in (correction, need_on_theirs, referral):
        forge(device.store, record.type_name, record.id, "create", record.content())
    own_correction = visit(mine, device.worker_id, "更正我家的").model_copy(
        update={"amends_visit_id": my_visit.id}
    )
    own_need = Need(
        area_code=mine.area_code, household_id=mine.id, area=NeedArea.CARE,
        description="需求", raised_on=date(2026, 3, 1), visit_id=my_visit.id,
    )  # fmt: skip
    device.store.add_many([own_correction, own_need])

    report = device.sync()

    assert report.rejected == 3
    dead = reasons(device)
    assert "所涉及的探访记录不存在或不属于该家庭" in dead[correction.id]
    assert "所涉及的探访记录不存在或不属于该家庭" in dead[need_on_theirs.id]
    assert "所涉及的需求不存在或不属于该家庭" in dead[referral.id]
    assert all(on_server(ctx, r.id) is None for r in (correction, need_on_theirs, referral))
    assert on_server(ctx, own_correction.id) is not None and on_server(ctx, own_need.id) is not None
    # An edit may not link another household's need either.
    back = Referral(
        area_code=mine.area_code, household_id=mine.id, person_id=me.id,
        direction=ReferralDirection.TO_CIVIL_AFFAIRS, recipient="安地镇社会事务办",
        purpose="可能符合低保条件", data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 1),
    )  # fmt: skip
    device.store.add(back)
    assert device.sync().rejected == 0
    forge(device.store, "referral", back.id, "update", {"fields": {"need_id": their_need.id}},
          server_seq(ctx, back.id))  # fmt: skip
    assert device.sync().rejected == 1
    assert on_server(ctx, back.id)["need_id"] is None  # type: ignore[index]


def test_a_day_far_ahead_or_behind_is_rejected_before_it_reaches_the_lists(ctx, make_device):  # type: ignore[no-untyped-def]
    """A household 近3年退出救助 since 9999-12-31: the end of its window (three years on)
    is past the last day Python knows, so every list and report of its area that asked
    whether it still holds the category failed (`app.domain.policy.categories_on`)."""
    device = make_device()
    h = household(VILLAGE_A)
    p = person(h)
    device.store.add_many([h, p])
    forged = household(VILLAGE_A, "岩头村9号")
    far = {"categories": ["exited"], "exited_on": "9999-12-31"}
    forge(device.store, "household", forged.id, "create", forged.content() | far)
    born = {"fields": {"birth_date": "0001-01-01"}}
    forge(device.store, "person", p.id, "update", born)  # base 0: the create is in this batch
    need = Need(
        area_code=h.area_code, household_id=h.id, area=NeedArea.CARE,
        description="需求", raised_on=date(2026, 3, 1),
    )  # fmt: skip
    forge(device.store, "need", need.id, "create", need.content() | {"raised_on": "2999-01-01"})
    good = visit(h, device.worker_id, "之后")
    device.store.add(good)
    # The device refuses them before queuing.
    with refused(IllegalEdit, "日期须在 1900-01-01 至 2100-12-31 之间"):
        device.store.add(forged.model_copy(update={"exited_on": date(2101, 1, 1)}))

    report = device.sync()

    assert report.rejected == 3
    dead = reasons(device)
    for record_id, name in ((forged.id, "exited_on"), (p.id, "birth_date"), (need.id, "raised_on")):
        assert name in dead[record_id] and "1900-01-01 至 2100-12-31" in dead[record_id], dead
    assert on_server(ctx, forged.id) is None and on_server(ctx, need.id) is None
    assert on_server(ctx, p.id)["birth_date"] is None  # type: ignore[index]
    assert on_server(ctx, good.id) is not None


def test_a_photo_is_taken_only_from_the_device_that_named_it(ctx, make_device):  # type: ignore[no-untyped-def]
    """Another device of the same village pulls a visit before its photo is uploaded, and
    puts other bytes under the photo's id: the owner's upload would then be refused
    (``photo_exists``) for ever and the visit show the other device's picture."""
    owner, neighbour = make_device(areas=[VILLAGE_A]), make_device(areas=[VILLAGE_A])
    content = jpeg()
    v = visit_with_photo(owner, content)
    assert v.photo_id is not None

    class Corrupting(httpx.HTTPTransport):  # the upload fails: the photo stays queued
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PUT":
                body = bytearray(request.read())
                body[100] ^= 0xFF
                request = httpx.Request(
                    "PUT", request.url, headers=request.headers, content=bytes(body)
                )
            return super().handle_request(request)

    report = owner.client(transport=Corrupting(), attempts=2, backoff_s=0.01).sync()
    assert (report.pushed, report.photos_up, report.photos_pending) == (2, 0, 1)
    neighbour.sync()  # it holds the visit now, and the photo's id
    squatted = put(neighbour, v.photo_id, v.id, jpeg(30_000))
    unnamed = put(neighbour, new_id(), v.id, jpeg(30_000))  # a photo no record names
    assert squatted.status_code == unnamed.status_code == 409
    assert squatted.json()["code"] == unnamed.json()["code"] == "record_not_synced"
    assert server_photos(ctx) == []

    assert owner.sync().photos_up == 1
    [stored] = server_photos(ctx)
    assert (stored.id, bytes(stored.content)) == (v.photo_id, content)


def test_a_consent_is_recorded_by_the_signed_worker_only(ctx, make_device):  # type: ignore[no-untyped-def]
    """Another worker named as the one who recorded a consent (记录人) would put the
    evidence of a share on someone who never took it."""
    device, other = make_device(), make_device()
    h = household(VILLAGE_A)
    p = person(h)
    device.store.add_many([h, p])
    theirs = consent(h, p, ConsentAction.GRANT, by=other.worker_id)
    forge(device.store, "consent", theirs.id, "create", theirs.content())
    mine = device.store.add(consent(h, p, ConsentAction.GRANT, by=device.worker_id))

    report = device.sync()

    assert report.rejected == 1
    assert "同意记录的记录人须是本设备登记的工作人员" in reasons(device)[theirs.id]
    assert on_server(ctx, theirs.id) is None
    assert on_server(ctx, mine.id)["recorded_by"] == device.worker_id  # type: ignore[index]


def test_a_discovery_decision_is_reviewed_by_the_signed_coordinator(ctx, make_device):  # type: ignore[no-untyped-def]
    """A coordinator's device writing another worker's id into `reviewed_by` would credit
    (or blame) them for a decision on a 主动发现 household they never made."""
    worker = make_device(areas=[VILLAGE_A])
    h = household(VILLAGE_A)
    worker.store.add(h)
    assert worker.sync().rejected == 0
    coordinator = make_device(areas=[VILLAGE_A], role="coordinator")
    coordinator.sync()
    base = server_seq(ctx, h.id)
    decision = {
        "review_status": "dismissed", "review_reason": "已迁出本村",
        "reviewed_on": "2026-03-12", "reviewed_by": worker.worker_id,
    }  # fmt: skip
    forge(coordinator.store, "household", h.id, "update", {"fields": decision}, base)

    assert coordinator.sync().rejected == 1
    assert "处理人须是本设备登记的工作人员" in reasons(coordinator)[h.id]
    assert on_server(ctx, h.id)["review_status"] is None  # type: ignore[index]
    own = decision | {"reviewed_by": coordinator.worker_id}
    forge(coordinator.store, "household", h.id, "update", {"fields": own}, base)
    assert coordinator.sync().rejected == 0
    held = on_server(ctx, h.id)
    assert (held["review_status"], held["reviewed_by"]) == ("dismissed", coordinator.worker_id)  # type: ignore[index]


def test_days_that_have_not_come_yet_are_refused_on_the_device_and_at_push(ctx, make_device):  # type: ignore[no-untyped-def]
    """A need raised, a wish collected, a referral made, a member born or a wish fulfilled
    on a day still to come (within the 2100 bound): refused with the field's name, on the
    device and at push; today (China time, the devices' clock tolerance) is fine."""
    device = make_device(areas=[VILLAGE_A])
    lead = make_device(areas=[VILLAGE_A], role="coordinator")
    today = datetime.now(CHINA_TIME).date()
    ahead = today + timedelta(days=2)
    h = household(VILLAGE_A)
    p = person(h)
    device.store.add_many([h, p])
    [claimed] = published_wishes(device, lead, ["一台电风扇"])
    claim(lead, claimed)
    assert device.sync().rejected == 0
    need = Need(
        area_code=h.area_code, household_id=h.id, area=NeedArea.CARE,
        description="需求", raised_on=ahead,
    )  # fmt: skip
    w = wish(h).model_copy(update={"collected_on": ahead})
    referral = Referral(
        area_code=h.area_code, household_id=h.id, person_id=p.id,
        direction=ReferralDirection.TO_CIVIL_AFFAIRS, recipient="安地镇社会事务办",
        purpose="可能符合低保条件", data_categories=[DataCategory.IDENTITY], referred_on=ahead,
    )  # fmt: skip
    fulfilled = transition(device.store.get(Wish, claimed.id), WishState.FULFILLED, on=ahead)
    # The device refuses each before queuing, on create and on update alike.
    for record, words in (
        (need, "提出日期不能晚于今天。"),
        (w, "收集日期不能晚于今天。"),
        (referral, "转介日期不能晚于今天。"),
    ):
        with refused(IllegalEdit, words):
            device.store.add(record)
    with refused(IllegalEdit, "出生日期不能晚于今天。"):
        device.store.update(p.model_copy(update={"birth_date": ahead}))
    with refused(IllegalEdit, "兑现日期不能晚于今天。"):
        device.store.update(fulfilled)
    # A tampered app queues them anyway.
    for record in (need, w, referral):
        forge(device.store, record.type_name, record.id, "create", record.content())
    day = ahead.isoformat()
    forge(device.store, "person", p.id, "update", {"fields": {"birth_date": day}},
          server_seq(ctx, p.id))  # fmt: skip
    forge(device.store, "wish", claimed.id, "transition",
          {"from": "claimed", "to": "fulfilled", "fields": {"fulfilled_on": day}})  # fmt: skip
    on_time = device.store.add(need.model_copy(update={"id": new_id(), "raised_on": today}))

    report = device.sync()

    assert report.rejected == 5
    dead = reasons(device)
    for record_id, words in (
        (need.id, "提出日期不能晚于今天。"),
        (w.id, "收集日期不能晚于今天。"),
        (referral.id, "转介日期不能晚于今天。"),
        (p.id, "出生日期不能晚于今天。"),
        (claimed.id, "兑现日期不能晚于今天。"),
    ):
        assert dead[record_id] == words, dead
    assert all(on_server(ctx, r.id) is None for r in (need, w, referral))
    assert on_server(ctx, p.id)["birth_date"] is None  # type: ignore[index]
    held = on_server(ctx, claimed.id)
    assert (held["state"], held["fulfilled_on"]) == ("claimed", None)  # type: ignore[index]
    assert on_server(ctx, on_time.id)["raised_on"] == today.isoformat()  # type: ignore[index]
