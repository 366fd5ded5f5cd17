"""Fields only the server writes (a wish's claim and its release) cannot be set by a
device: its store refuses the change before queuing it, and a tampered app's change is
rejected whole by the server, with a reason, and lands in its dead letters."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.domain.codes import WishState
from app.domain.records import Wish
from app.domain.wishes import transition
from app.store.errors import IllegalEdit
from sync import merge
from sync.server.services.feed import Feed
from tests.said import refused
from tests.sync.conftest import VILLAGE_A, signed
from tests.sync.forge import forge
from tests.sync.records import household, wish

S = WishState
A = "0190a000-0000-7000-8000-00000000000a"
SERVER_ONLY = {
    "claimed_by": "某捐赠人",
    "claimed_on": "2026-03-05",
    "released_on": "2026-03-07",
}


def stamp(ms: int, device: str = A) -> str:
    return f"{ms:015d}.000000.{device}"


def claimed() -> merge.Outcome:
    """A wish as the server holds it once claimed."""
    w = wish(household(VILLAGE_A))
    base = merge.create(
        "wish", w.id, w.content(), hlc=stamp(1000), seq=1, device_id=A, worker_id="w"
    )
    held = base
    for state in ("approved", "published"):
        held = merge.server_write("wish", held.data, held.stamps, {"state": state},
                                  hlc=stamp(1100), seq=2)  # fmt: skip
    fields = {"state": "claimed", "claimed_by": "金华市慈善总会", "claimed_on": "2026-03-02"}
    return merge.server_write("wish", held.data, held.stamps, fields, hlc=stamp(1500), seq=2)


@pytest.mark.parametrize("name", sorted(SERVER_ONLY))
def test_a_device_update_of_a_server_field_is_rejected_whole(name: str) -> None:
    held = claimed()
    with refused(merge.Rejected, f"「{name}」只能由县级平台修改"):
        merge.update(
            "wish", held.data, held.stamps, {"title": "一台冰箱", name: SERVER_ONLY[name]},
            hlc=stamp(2000), base_seq=2, seq=3, device_id=A,
        )  # fmt: skip
    # The other fields of a wish are the device's to edit.
    edited = merge.update(
        "wish", held.data, held.stamps, {"title": "一台冰箱"},
        hlc=stamp(2000), base_seq=2, seq=3, device_id=A,
    )  # fmt: skip
    assert edited.status == "applied" and edited.data["title"] == "一台冰箱"
    assert edited.data["claimed_by"] == "金华市慈善总会"


def test_a_device_transition_cannot_carry_a_server_field() -> None:
    held = claimed()
    payload = {
        "from": "claimed",
        "to": "fulfilled",
        "fields": {"fulfilled_on": "2026-03-10", "claimed_on": "2026-03-01"},
    }
    with refused(merge.Rejected, "claimed_on"):
        merge.transition(held.data, held.stamps, payload, hlc=stamp(2000), seq=3, device_id=A)
    payload["fields"] = {"fulfilled_on": "2026-03-10"}
    done = merge.transition(held.data, held.stamps, payload, hlc=stamp(2000), seq=3, device_id=A)
    assert done.data["state"] == "fulfilled" and done.data["claimed_on"] == "2026-03-02"


def test_a_device_records_the_contact_only_while_the_wish_is_claimed() -> None:
    held = claimed()
    contact = {"contacted_on": "2026-03-03", "handed_over_on": "2026-03-05"}
    done = merge.update(
        "wish", held.data, held.stamps, contact, hlc=stamp(2000), base_seq=2, seq=3, device_id=A
    )
    assert (done.data["contacted_on"], done.data["handed_over_on"]) == ("2026-03-03", "2026-03-05")
    # Released meanwhile (back on the board): the late contact loses to the release.
    released = merge.server_write(
        "wish", held.data, held.stamps,
        {"state": "published", "claimed_by": "", "claimed_on": None, "released_on": "2026-03-10"},
        hlc=stamp(3000), seq=3,
    )  # fmt: skip
    with refused(merge.Rejected, "只有已认领的心愿可以登记联系"):
        merge.update(
            "wish", released.data, released.stamps, {"contacted_on": "2026-03-11"},
            hlc=stamp(4000), base_seq=3, seq=4, device_id=A,
        )  # fmt: skip


def test_the_server_still_writes_them() -> None:
    held = claimed()
    released = merge.server_write(
        "wish",
        held.data,
        held.stamps,
        {"state": "published", "claimed_by": "", "claimed_on": None, "released_on": "2026-03-10"},
        hlc=stamp(3000),
        seq=3,
    )
    assert (released.data["state"], released.data["released_on"]) == ("published", "2026-03-10")


def stored(ctx, wish_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with ctx.db.reading() as s:
        row = Feed(s).get(wish_id)
        assert row is not None
        return json.loads(row.data)


def stored_seq(ctx, record_id: str) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = Feed(s).get(record_id)
        assert row is not None
        return row.seq


def test_a_device_that_forges_a_claim_gets_a_dead_letter_and_the_servers_copy(ctx, make_device):  # type: ignore[no-untyped-def]
    a = make_device()
    lead = make_device(role="coordinator")
    h = household(VILLAGE_A)
    w = wish(h)
    a.store.add_many([h, w])
    a.store.update(transition(a.store.get(Wish, w.id), S.APPROVED, on=w.collected_on))
    a.sync()
    assert signed(lead, "POST", f"/v1/wishes/{w.id}/publish", {}).status_code == 200
    claim = signed(lead, "POST", f"/v1/wishes/{w.id}/claim", {"claimed_by": "金华市慈善总会"})
    assert claim.status_code == 200, claim.text
    a.sync()
    # The device refuses to queue a plain edit that also names the claimant ...
    mine = a.store.get(Wish, w.id)
    with refused(IllegalEdit, "「claimed_by」只能由县级平台修改"):
        a.store.update(mine.model_copy(update={"claimed_by": "伪造的认领人", "description": "改"}))
    # ... and a tampered app that queues it anyway gets it rejected by the server.
    forged = {"fields": {"claimed_by": "伪造的认领人", "description": "改"}}
    forge(a.store, "wish", w.id, "update", forged, base_seq=stored_seq(ctx, w.id))
    report = a.sync()
    assert report.rejected == 1
    [dead] = a.store.dead_letters()
    assert dead.record_id == w.id and "claimed_by" in (dead.reason or "")
    assert "县级平台" in (dead.reason or "")
    server = stored(ctx, w.id)
    assert (server["claimed_by"], server["description"]) == ("金华市慈善总会", "")
    assert a.store.get(Wish, w.id).claimed_by == "金华市慈善总会"
    assert a.store.pending() == []

    # A fulfilment that backdates the claim: refused on the device, rejected on the server.
    fulfilled = transition(
        a.store.get(Wish, w.id), S.FULFILLED, on=date(2026, 3, 20), claimed_on=date(2026, 3, 2)
    )
    with refused(IllegalEdit, "claimed_on"):
        a.store.update(fulfilled)
    forged = {
        "from": "claimed",
        "to": "fulfilled",
        "fields": {"fulfilled_on": "2026-03-20", "claimed_on": "2026-03-02"},
    }
    forge(a.store, "wish", w.id, "transition", forged)
    report = a.sync()
    assert report.rejected == 1
    assert "claimed_on" in (a.store.dead_letters()[-1].reason or "")
    server = stored(ctx, w.id)
    assert (server["state"], server["claimed_on"]) == ("claimed", date.today().isoformat())
    # Without the forged field the same fulfilment goes through.
    a.store.update(transition(a.store.get(Wish, w.id), S.FULFILLED, on=date(2026, 3, 20)))
    assert a.sync().rejected == 0
    assert stored(ctx, w.id)["state"] == "fulfilled"
