"""What a donor meets on the board when something is off: a bad address or parameter, the
claim form's own address opened as a page, a form left open past its cookie — always a
board page in Chinese with a way back, never the API's JSON, and nothing typed is lost."""

from __future__ import annotations

import httpx
import pytest

from sync.server.board import listing
from sync.server.context import ServerContext
from tests.board.seed import TOKEN, claim, claim_form, seed_board
from tests.sync.conftest import ThreadServer


def board_page(answer: httpx.Response) -> str:
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    assert "金华微心愿 · 爱心认领" in answer.text and '{"code"' not in answer.text
    return answer.text


def test_a_bad_address_or_parameter_is_a_board_page_with_a_way_back(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    seed_board(ctx, 2)
    for address, status in (
        ("/wishes?page=abc", 422),
        ("/wishes?page=0", 422),
        ("/wishes?page=99999", 422),
        ("/wishes?township=" + "9" * 40, 422),
        ("/wishes/" + "x" * 100, 422),
        ("/wishes/claim/" + "x" * 100, 422),
        ("/wishes/a/b/c", 404),
    ):
        answer = browser.get(address)
        assert answer.status_code == status, address
        page = board_page(answer)
        assert 'href="/wishes"' in page, address
    # The API keeps its JSON.
    assert browser.get("/v1/nowhere").headers["content-type"].startswith("application/json")


def test_a_nul_in_the_address_or_a_failure_is_a_board_page_with_a_way_back(
    ctx: ServerContext, browser: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_board(ctx, 1)
    for address in (
        "/wishes/%00",
        "/wishes?page=%00",
        "/wishes/claim/a%00",
        "/wishes/%ff",
        "/wishes?township=%ff%fe",
        "/wishes/claim/%c3",
    ):
        refused = browser.get(address)
        assert refused.status_code == 400, address
        page = board_page(refused)
        assert "网页地址无效" in page and 'href="/wishes"' in page, address
        assert refused.headers["x-frame-options"] == "DENY"

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(listing, "board_page", fail)
    failed = browser.get("/wishes")
    assert failed.status_code == 500
    page = board_page(failed)
    assert "请稍后重试" in page and 'href="/wishes"' in page and "unexpected" not in page
    assert browser.get("/v1/%00").json()["code"] == "bad_request"  # the API keeps its JSON


def test_the_claim_forms_address_opened_as_a_page_shows_the_wish(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    wish_id = seed_board(ctx, 2).wish_ids[0]
    refused = claim(browser, wish_id, phone="12345")  # the address bar now shows /claim
    assert refused.status_code == 400
    again = browser.get(f"/wishes/{wish_id}/claim", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/wishes/{wish_id}"
    assert 'name="token"' in board_page(
        browser.get(f"/wishes/{wish_id}/claim", follow_redirects=True)
    )


def test_a_form_left_open_past_its_cookie_comes_back_with_what_was_typed(
    ctx: ServerContext, server: ThreadServer
) -> None:
    wish_id, other_id = seed_board(ctx, 2).wish_ids[:2]
    with httpx.Client(base_url=server.url, timeout=30) as phone:
        token = claim_form(phone, wish_id)
        phone.cookies.clear()  # the web view forgot its cookie while the form was open
        stale = claim(phone, wish_id, name="金华市某爱心企业", phone="0579-82345678", token=token)
        assert stale.status_code == 403
        page = board_page(stale)
        assert 'value="金华市某爱心企业"' in page and 'value="0579-82345678"' in page
        assert page.count('class="error"') == 1
        # The page it came back with carries a fresh token: sending again claims the wish.
        fresh = TOKEN.search(page)
        assert fresh
        again = claim(
            phone, wish_id, name="金华市某爱心企业", phone="0579-82345678", token=fresh.group(1)
        )
        assert again.status_code == 200 and "认领成功" in again.text
    # A robot that filled the honeypot sees nothing it typed.
    with httpx.Client(base_url=server.url, timeout=30) as robot:
        bot = claim(robot, other_id, name="spam-name", website="x")
        assert bot.status_code == 403 and "spam-name" not in bot.text
