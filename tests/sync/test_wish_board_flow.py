"""A wish from the coordinator's device to 圆梦, over a real server: the device asks for it to
be published (offline: 待发布 until a sync, then 已发布 and on the board), a story naming the
household is refused on the device and, when the device could not know, by the server (the
sentence shown on the wish, left editable); a donor claims it on the board, the coordinator's
device receives the donor's contact (sealed, masked until a tap; a worker's device gets none),
records the contact, the handover and the fulfilment with a photo; the board shows 圆梦 and the
claim code thanks the donor."""

from __future__ import annotations

import httpx

from app.domain.codes import NeedArea, WishState
from app.domain.records import Wish
from app.domain.wishes import transition
from app.ui.viewmodels.needs import WishesVM
from app.ui.viewmodels.workspace import Workspace
from sync.server.board import claimed as claimed_module
from sync.server.board import claims
from sync.server.services.feed import Feed
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.review import write_wish
from tests.sync.conftest import VILLAGE_A, signed
from tests.sync.records import household, person, wish

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def approved_wish(device, title: str = "一台电风扇"):  # type: ignore[no-untyped-def]
    h = household(VILLAGE_A, address="岩头村8号")
    p = person(h, "王秀英")
    w = wish(h, title)
    device.store.add_many([h, p, w])
    device.store.update(
        transition(device.store.get(Wish, w.id), WishState.APPROVED, on=w.collected_on)
    )
    return h, w


def wishes_vm(device, state: WishState) -> WishesVM:  # type: ignore[no-untyped-def]
    vm = WishesVM(Workspace(device.sandbox, device.store))
    vm.set_filter(state.value)
    return vm


def item(vm: WishesVM, wish_id: str):  # type: ignore[no-untyped-def]
    vm.load()
    for state in WishState:
        vm.set_filter(state.value)
        for found in vm.items():
            if found.wish_id == wish_id:
                return found
    raise AssertionError(f"wish {wish_id} not listed")


def test_published_offline_then_on_the_board_after_sync(ctx, make_device, server) -> None:  # type: ignore[no-untyped-def]
    lead = make_device(role="coordinator")
    _, w = approved_wish(lead)
    vm = wishes_vm(lead, WishState.APPROVED)
    assert "publish" in item(vm, w.id).follow_up
    # Refused on the device: the story names a member the device knows; nothing queued.
    assert not vm.publish(w.id, "living", "王秀英家夏天太热")
    assert "姓名" in vm.message
    assert item(vm, w.id).state == WishState.APPROVED
    # Asked while offline: 待发布, and the board does not have it yet.
    assert vm.publish(w.id, "living", "夏天闷热，老人想要一台电风扇。", publicity_consent=True)
    asked = item(vm, w.id)
    assert (asked.state, asked.board, asked.follow_up) == (WishState.PUBLISHED, "待发布", ())
    assert w.id not in httpx.get(f"{server.url}/wishes", timeout=30).text
    report = lead.sync()
    assert report.rejected == 0
    done = item(vm, w.id)
    assert (done.state, done.board) == (WishState.PUBLISHED, "已发布")
    assert "生活保障" in done.public
    page = httpx.get(f"{server.url}/wishes/{w.id}", timeout=30)
    assert page.status_code == 200
    # Not fulfilled: no photo, whatever the household agreed to.
    assert httpx.get(f"{server.url}/wishes/{w.id}/photo", timeout=30).status_code == 404
    assert "夏天闷热，老人想要一台电风扇。" in page.text and "生活保障" in page.text
    assert "王秀英" not in page.text and "岩头村8号" not in page.text


def test_a_story_the_server_refuses_comes_back_as_one_sentence_and_stays_editable(
    ctx, make_device, server
) -> None:  # type: ignore[no-untyped-def]
    lead = make_device(role="coordinator")
    worker = make_device()
    h, w = approved_wish(lead)
    lead.sync()
    worker.sync()
    # A member the coordinator's device has not received yet: only the server can tell.
    worker.store.add(person(h, "李桂花"))
    worker.sync()
    vm = wishes_vm(lead, WishState.APPROVED)
    story = "李桂花老人行动不便，想要一台电风扇。"
    assert vm.publish(w.id, NeedArea.CARE.value, story)
    assert item(vm, w.id).board == "待发布"
    report = lead.sync()
    assert report.rejected == 1
    back = item(vm, w.id)
    assert back.state == WishState.APPROVED and back.board == ""
    assert back.refusal == "公开的心愿标题或故事含有家庭成员的姓名，请删去后再发布"
    assert "publish" in back.follow_up
    # The form starts from the refused story, to edit; the device now knows the name too.
    assert vm.publish_defaults(w.id) == (NeedArea.WISH, story)
    assert "姓名" in vm.story_problem(w.id, story)
    assert vm.publish(w.id, NeedArea.CARE.value, "老人行动不便，想要一台电风扇。")
    assert lead.sync().rejected == 0
    assert item(vm, w.id).board == "已发布"
    assert "老人行动不便" in httpx.get(f"{server.url}/wishes/{w.id}", timeout=30).text
    assert item(vm, w.id).refusal == ""


def test_a_worker_device_cannot_publish(ctx, make_device, server) -> None:  # type: ignore[no-untyped-def]
    worker = make_device()
    _, w = approved_wish(worker)
    worker.sync()
    vm = wishes_vm(worker, WishState.APPROVED)
    assert "publish" not in item(vm, w.id).follow_up
    assert not vm.publish(w.id, "living", "想要一台电风扇。")
    assert "协理员" in vm.message
    # A tampered app queues it anyway: the server refuses it, with the reason.
    worker.store.update(
        worker.store.get(Wish, w.id).model_copy(update={"state": WishState.PUBLISHED})
    )
    assert worker.sync().rejected == 1
    assert "协理员" in (worker.store.dead_letters()[-1].reason or "")
    assert worker.store.get(Wish, w.id).state == WishState.APPROVED


def test_from_claim_to_fulfilment_with_the_donor_on_the_coordinators_device(
    ctx, make_device, server
) -> None:  # type: ignore[no-untyped-def]
    lead = make_device(role="coordinator")
    worker = make_device()
    _, w = approved_wish(lead)
    vm = wishes_vm(lead, WishState.APPROVED)
    assert vm.publish(w.id, "living", "夏天闷热，老人想要一台电风扇。", publicity_consent=True)
    lead.sync()
    code = claims.claim(ctx, w.id, claims.parse_donor("陈𠮷䶮", "13957912345", "周六送到社区"))
    lead.sync()
    worker.sync()
    claimed = item(vm, w.id)
    assert claimed.state == WishState.CLAIMED and claimed.donor is not None
    assert (claimed.donor.name, claimed.donor.phone_masked) == ("陈𠮷䶮", "139****2345")
    assert claimed.donor.delivery == "周六送到社区"
    assert claimed.follow_up == ("contact", "handover")
    assert vm.donor_phone(w.id) == "13957912345"
    assert [e["action"] for e in lead.store.access_log()][-1] == "reveal_donor_phone"
    # Sealed at rest: the phone is nowhere in the store's bytes.
    for f in lead.sandbox.path.rglob("*"):
        if f.is_file():
            assert b"13957912345" not in f.read_bytes(), f
    # A worker's device is sent no donor, and cannot ask for them.
    assert wishes_vm(worker, WishState.CLAIMED).desk.donors == {}
    assert signed(worker, "GET", "/v1/wishes/donors").status_code == 403

    # The console gives it to a 小特帮扶服务队: the coordinator's device shows the team.
    team = add_organisation(
        ctx,
        OrganisationInput(
            "安地镇小特帮扶服务队", "delivery_team", "91330702MA2D000019", [VILLAGE_A], ["wish"]
        ),
    )
    claimed_module.assign(ctx, "console:lead", w.id, team.id, areas=(VILLAGE_A,))
    lead.sync()
    assert "小特帮扶服务队：安地镇小特帮扶服务队" in item(vm, w.id).detail

    assert vm.record_contact(w.id)
    assert vm.record_handover(w.id, "周六在社区交接")
    assert item(vm, w.id).follow_up == ()
    assert vm.move(w.id, WishState.FULFILLED.value, "送去一台电风扇", photo=(JPEG, "image/jpeg"))
    assert lead.sync().rejected == 0
    assert claims.claim_status(ctx, code).sentence == "心愿已圆梦。感谢您的爱心！"  # type: ignore[union-attr]
    board = httpx.get(f"{server.url}/wishes/{w.id}", timeout=30)
    assert "圆梦" in board.text
    # The household agreed to publicity when it was published: the photo is shown.
    assert f'src="/wishes/{w.id}/photo"' in board.text
    photo = httpx.get(f"{server.url}/wishes/{w.id}/photo", timeout=30)
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    # Without that consent, no photo reaches the board.
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = feed.get(w.id)
        write_wish(
            ctx,
            feed,
            row,
            Wish.from_stored(row.data).model_copy(update={"publicity_consent": False}),
        )
        feed.close()
    assert "/photo" not in httpx.get(f"{server.url}/wishes/{w.id}", timeout=30).text
    assert httpx.get(f"{server.url}/wishes/{w.id}/photo", timeout=30).status_code == 404
    thanks = httpx.get(f"{server.url}/wishes/claim/{code}", timeout=30)
    assert "感谢您的爱心" in thanks.text
    # The donor leaves the coordinator's device once the wish is fulfilled.
    assert item(vm, w.id).donor is None and wishes_vm(lead, WishState.FULFILLED).desk.donors == {}
