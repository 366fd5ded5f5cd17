"""Push and pull end to end: exactly-once, answers, scope, eviction, resumable pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.domain.codes import ConsentAction, WishState
from app.domain.consent import state_for
from app.domain.errors import DoorstepError
from app.domain.records import ConsentEvent, Household, Referral, Visit, Wish
from app.domain.wishes import transition
from app.services.sync import SyncState
from app.ui.catalogue import message
from sync import replica
from sync.errors import SyncError
from sync.server.services import admin
from sync.server.tables import MutationLog, RecordRow
from tests.sync.conftest import (
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    FailAfter,
    push_payload,
    signed,
)
from tests.sync.records import consent, household, organisation, person, visit, wish


def server_count(ctx, record_type: str | None = None) -> int:
    with ctx.db.reading() as s:
        query = select(func.count()).select_from(RecordRow)
        if record_type:
            query = query.where(RecordRow.type == record_type)
        return int(s.execute(query).scalar_one())


def test_a_retried_batch_is_applied_once(ctx, make_device):
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add_many([h, *[visit(h, device.worker_id, f"第{i}次") for i in range(4)]])
    payload = push_payload(device)
    first = signed(device, "POST", "/v1/push", payload).json()
    again = signed(device, "POST", "/v1/push", payload).json()
    assert [a["status"] for a in first["answers"]] == ["applied"] * 5
    assert [(a["status"], a["duplicate"]) for a in again["answers"]] == [("applied", True)] * 5
    assert [a["server_seq"] for a in again["answers"]] == [
        a["server_seq"] for a in first["answers"]
    ]
    # The device never heard those answers: its own sync sends the batch a third time.
    report = device.sync()
    assert report.pushed == 5 and device.store.pending() == []
    assert server_count(ctx, "visit") == 4
    with ctx.db.reading() as s:
        assert s.execute(select(func.count()).select_from(MutationLog)).scalar_one() == 5
    assert device.store.counts()["visit"] == 4


def test_a_batch_overlapping_an_applied_one_applies_only_the_new_part(ctx, make_device):
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add_many([h, visit(h, device.worker_id)])
    head = push_payload(device)
    signed(device, "POST", "/v1/push", head)
    device.store.add(visit(h, device.worker_id, "又一次"))
    answers = signed(device, "POST", "/v1/push", push_payload(device)).json()["answers"]
    assert [a["duplicate"] for a in answers] == [True, True, False]
    assert server_count(ctx, "visit") == 2


def test_a_device_never_receives_records_outside_its_areas(ctx, make_device):
    here = make_device(areas=[VILLAGE_A])
    there = make_device(areas=[VILLAGE_B])
    h_here, h_there = household(VILLAGE_A), household(VILLAGE_B, "另一村2号")
    here.store.add_many([h_here, visit(h_here, here.worker_id)])
    there.store.add_many([h_there, person(h_there, "李四"), visit(h_there, there.worker_id)])
    here.sync(), there.sync()
    here.sync()
    assert {h.id for h in here.store.load_all(Household)} == {h_here.id}
    # Calling the API directly with its own credentials does not help either.
    page = signed(here, "GET", "/v1/pull?after=0&limit=100").json()
    assert {c["r"]["area_code"] for c in page["changes"]} == {VILLAGE_A}
    for areas in (VILLAGE_B, TOWNSHIP, "330702"):
        response = signed(here, "GET", f"/v1/pull?after=0&limit=100&areas={areas}")
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    # Nor can it write there: the create is rejected and lands in its dead letters.
    stray = household(VILLAGE_B, "越界1号")
    here.store.add(stray)
    report = here.sync()
    assert report.rejected == 1
    [dead] = here.store.dead_letters()
    assert dead.record_id == stray.id and "负责范围" in (dead.reason or "")
    assert not here.store.exists("household", stray.id)


def test_a_moved_worker_loses_the_old_village_and_gets_the_new_one(ctx, make_device):
    device = make_device(areas=[VILLAGE_A])
    other = make_device(areas=[VILLAGE_B])
    old, new = household(VILLAGE_A), household(VILLAGE_B, "新村5号")
    device.store.add_many([old, visit(old, device.worker_id)])
    other.store.add_many([new, visit(new, other.worker_id)])
    device.sync(), other.sync()
    admin.set_areas(ctx, device.worker_id, [VILLAGE_B])
    report = device.sync()
    assert report.evicted == 2
    assert {h.id for h in device.store.load_all(Household)} == {new.id}
    assert device.store.counts()["visit"] == 1
    assert replica.pull_state(device.store).scope == (VILLAGE_B,)


def test_a_household_that_moves_away_is_evicted_with_its_records(ctx, make_device):
    township = make_device(areas=[TOWNSHIP])
    village = make_device(areas=[VILLAGE_A])
    h = household(VILLAGE_A)
    township.store.add_many([h, person(h), visit(h, township.worker_id)])
    township.sync(), village.sync()
    assert village.store.counts()["person"] == 1
    moved = township.store.get(Household, h.id).model_copy(update={"area_code": VILLAGE_B})
    township.store.update(moved)
    township.sync()
    village.sync()
    assert village.store.counts() == {k: 0 for k in village.store.counts()}
    township.sync()
    assert {p.area_code for p in township.store.load_all(Visit)} == {VILLAGE_B}


def test_concurrent_edits_keep_the_later_one_log_a_conflict_and_can_be_reverted(ctx, make_device):
    a = make_device()
    b = make_device()
    lead = make_device(role="coordinator")
    h = household(VILLAGE_A)
    a.store.add(h)
    a.sync(), b.sync()
    a.store.update(a.store.get(Household, h.id).model_copy(update={"address": "A改的地址"}))
    b.store.update(b.store.get(Household, h.id).model_copy(update={"address": "B改的地址"}))
    assert a.sync().conflicts == 0
    report = b.sync()  # B's stamp is later: B wins, A's value is logged
    assert report.conflicts == 1
    a.sync()
    assert a.store.get(Household, h.id).address == "B改的地址"
    conflicts = lead.client().conflicts()
    assert [(c.field, c.kept, c.lost) for c in conflicts] == [("address", "B改的地址", "A改的地址")]
    lead.client().revert_conflict(conflicts[0].id)
    for device in (a, b, lead):
        device.sync()
        assert device.store.get(Household, h.id).address == "A改的地址"
    assert lead.client().conflicts() == []


def test_an_edit_that_lost_is_restored_from_the_server_even_without_a_newer_change(make_device):
    a = make_device()
    b = make_device()
    h = household(VILLAGE_A)
    a.store.add(h)
    a.sync(), b.sync()
    b.store.update(b.store.get(Household, h.id).model_copy(update={"notes": "B先改"}))
    a.store.update(a.store.get(Household, h.id).model_copy(update={"notes": "A后改"}))
    a.sync()
    b.sync()  # B's older concurrent edit loses: B must show A's value afterwards
    assert b.store.get(Household, h.id).notes == "A后改"
    assert SyncState(b.store).conflicts()[0]["details"]["lost"] == "B先改"


def test_a_wish_transition_that_is_no_longer_legal_is_rejected_and_rolled_back(make_device):
    a = make_device()
    b = make_device()
    h = household(VILLAGE_A)
    w = wish(h)
    a.store.add_many([h, w])
    a.sync(), b.sync()
    day = w.collected_on
    a.store.update(transition(a.store.get(Wish, w.id), WishState.APPROVED, on=day))
    b.store.update(
        transition(b.store.get(Wish, w.id), WishState.REJECTED, on=day, reject_reason="超出上限")
    )
    a.sync()
    report = b.sync()
    assert report.rejected == 1
    [dead] = b.store.dead_letters()
    assert "当前状态" in (dead.reason or "")
    assert b.store.get(Wish, w.id).state == WishState.APPROVED
    assert b.store.pending() == []


def test_a_worker_cannot_publish_and_claims_happen_on_the_server_only(ctx, make_device):
    a = make_device()
    lead = make_device(role="coordinator")
    h = household(VILLAGE_A)
    w = wish(h)
    a.store.add_many([h, w])
    a.store.update(transition(a.store.get(Wish, w.id), WishState.APPROVED, on=w.collected_on))
    a.sync()
    forged = {
        "mutations": [
            {
                "seq": 99,
                "mutation_id": "m-forged",
                "record_type": "wish",
                "record_id": w.id,
                "kind": "transition",
                "hlc": a.store.clock.now(),
                "payload": {"from": "approved", "to": "published", "fields": {}},
            }
        ]
    }
    [answer] = signed(a, "POST", "/v1/push", forged).json()["answers"]
    assert answer["status"] == "rejected" and "协理员" in answer["reason"]
    assert signed(a, "POST", f"/v1/wishes/{w.id}/publish", {}).status_code == 403
    published = signed(lead, "POST", f"/v1/wishes/{w.id}/publish", {})
    assert published.status_code == 200, published.text
    claim = signed(lead, "POST", f"/v1/wishes/{w.id}/claim", {"claimed_by": "金华市慈善总会"})
    assert claim.json()["state"] == "claimed"
    a.sync()
    assert a.store.get(Wish, w.id).claimed_by == "金华市慈善总会"


def test_withdrawal_wins_and_blocks_a_referral_that_arrives_after_it(ctx, make_device):
    a = make_device()
    b = make_device()
    charity = organisation(ctx)
    h = household(VILLAGE_A)
    p = person(h)
    grant = consent(h, p, ConsentAction.GRANT, recipient=charity.ref, by=a.worker_id)
    a.store.add_many([h, p, grant])
    a.sync(), b.sync()
    withdrawal = consent(
        h, p, ConsentAction.WITHDRAW, seen=[grant.id], recipient=charity.ref, by=b.worker_id
    )
    b.store.add(withdrawal)
    referral = Referral(
        area_code=VILLAGE_A,
        household_id=h.id,
        person_id=p.id,
        recipient=grant.recipient,
        purpose=grant.purpose,
        data_categories=grant.data_categories,
        referred_on=grant.occurred_at.date(),
    )
    a.store.add(referral)  # made offline while A still saw the grant
    b.sync()
    report = a.sync()
    (dead,) = a.store.dead_letters()
    assert report.rejected == 1 and "同意" in (dead.reason or "")
    # The code and parameters came too (the device asks for them): said in English, the
    # consent problem nested in them as well (the recipient as recorded, the purpose by
    # its label).
    refusal = DoorstepError.from_wire(dead.reason_code, dead.reason_params)
    assert refusal.code == "push.referral_consent" and message(refusal, "zh") == dead.reason
    assert message(refusal, "en") == (
        f"Consent to share information with “{charity.name}” (Publishing a micro-wish) has been "
        "withdrawn; the referral was not accepted."
    )
    for device in (a, b):
        device.sync()
        events = device.store.load_all(ConsentEvent)
        assert not state_for(events, p.id, grant.recipient, grant.purpose).granted
        assert device.store.counts()["referral"] == 0


def test_stamps_from_the_future_are_clamped_and_clocks_advance_from_the_server(ctx, make_device):
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add(h)
    future = f"{10**14:015d}.000000.{device.store.device_id}"
    payload = push_payload(device)
    payload["mutations"][0]["hlc"] = future  # type: ignore[index]
    signed(device, "POST", "/v1/push", payload)
    with ctx.db.reading() as s:
        stored = json.loads(s.get(RecordRow, h.id).data)
    assert stored["created_hlc"] < future
    before = device.store.clock.last
    device.sync()
    assert device.store.clock.last > before


def test_an_interrupted_pull_resumes_from_its_last_page(make_device):
    writer = make_device()
    reader = make_device()
    h = household(VILLAGE_A)
    writer.store.add_many([h, *[visit(h, writer.worker_id, str(i)) for i in range(9)]])
    writer.sync()
    cut = FailAfter(3)
    with pytest.raises(SyncError):
        reader.client(transport=cut, page_size=2, attempts=1).sync()
    pulled_before = reader.store.counts()["visit"] + reader.store.counts()["household"]
    assert pulled_before == 6 and replica.pull_state(reader.store).cursor > 0
    report = reader.client(page_size=2).sync()
    assert report.pulled == 4  # only what was left, nothing twice
    assert reader.store.counts()["visit"] == 9
