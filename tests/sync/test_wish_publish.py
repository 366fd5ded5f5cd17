"""A coordinator's device publishes an approved wish (`POST /v1/wishes/{id}/publish`): the
story goes through the same screening as the console's, and the wish reaches the board."""

from __future__ import annotations

import httpx

from app.domain.codes import WishState
from app.domain.records import Wish
from app.domain.wishes import transition
from tests.sync.conftest import VILLAGE_A, signed
from tests.sync.records import household, person, wish


def test_a_story_naming_the_household_is_refused_then_the_edited_one_is_published(
    ctx, make_device, server
) -> None:  # type: ignore[no-untyped-def]
    a = make_device()
    lead = make_device(role="coordinator")
    h = household(VILLAGE_A, address="岩头村8号")
    p = person(h, "王秀英")
    w = wish(h, "一台电风扇")
    a.store.add_many([h, p, w])
    a.store.update(transition(a.store.get(Wish, w.id), WishState.APPROVED, on=w.collected_on))
    a.sync()
    target = f"/v1/wishes/{w.id}/publish"
    for story, reason in [
        ("王秀英家想要电风扇", "姓名"),
        ("请联系 139 0000 0000", "电话号码"),
        ("住在岩头村8号", "住址或村名"),
    ]:
        refused = signed(lead, "POST", target, {"story": story})
        assert refused.status_code == 400 and reason in refused.json()["message"], refused.text
    assert signed(lead, "POST", target, {"need_area": "nope"}).status_code == 422
    done = signed(lead, "POST", target, {"need_area": "living", "story": "夏天闷热，想要电风扇。"})
    assert done.status_code == 200 and done.json()["state"] == "published", done.text
    board = httpx.get(f"{server.url}/wishes/{w.id}", timeout=30)
    assert "夏天闷热，想要电风扇。" in board.text and "生活保障" in board.text
