"""Claiming from the board: one winner, the claim code, bad input, the rate limits, and a
claim released after the contact days reappearing on the board."""

from __future__ import annotations

import json
import re
import threading
from datetime import date, timedelta

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from sync import merge
from sync.server.context import ServerContext
from sync.server.services.feed import Feed
from sync.server.services.review import release_stale_claims
from sync.server.tables import BoardAttempt, RecordRow, WishClaim
from tests.board.seed import claim, claim_form, seed_board, wish_state
from tests.sync.conftest import ThreadServer

CODE = re.compile(r'href="/wishes/claim/([\w-]+)"')


def claims_of(ctx: ServerContext, wish_id: str | None = None) -> list[WishClaim]:
    with ctx.db.reading() as s:
        query = select(WishClaim)
        if wish_id is not None:
            query = query.where(col(WishClaim.wish_id) == wish_id)
        return list(s.exec(query))


def feed_head(ctx: ServerContext) -> list[tuple[str, int]]:
    with ctx.db.reading() as s:
        return [(r.id, r.seq) for r in s.exec(select(RecordRow).order_by(col(RecordRow.id)))]


def test_a_donor_claims_and_follows_the_claim_by_its_code(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    wish_id = seed_board(ctx, 4).wish_ids[0]
    other = httpx.Client(base_url=str(browser.base_url), timeout=30)
    other_token = claim_form(other, wish_id)
    done = claim(browser, wish_id, name="金华市某爱心企业", phone="0579-82345678")
    assert done.status_code == 200 and "认领成功" in done.text
    code = CODE.search(done.text)
    assert code
    stored = wish_state(ctx, wish_id)
    assert stored["state"] == "claimed" and stored["claimed_by"] == "金华市某爱心企业"
    [held] = claims_of(ctx, wish_id)
    assert held.donor_phone == "0579-82345678" and held.holding == wish_id
    assert code.group(1) not in str(held.model_dump())  # only the code's hash is kept
    # The board says it is taken; the page offers no form any more.
    page = browser.get(f"/wishes/{wish_id}").text
    assert "已被认领" in page and 'name="token"' not in page
    status = browser.get(f"/wishes/claim/{code.group(1)}")
    assert status.status_code == 200 and "认领成功" in status.text
    assert browser.get("/wishes/claim/not-a-code").status_code == 404
    # A second donor who had the form open is told at once.
    late = claim(other, wish_id, name="王先生", phone="13857900002", token=other_token)
    other.close()
    assert late.status_code == 409 and "已被认领" in late.text
    assert len(claims_of(ctx, wish_id)) == 1


def test_bad_input_gets_one_sentence_and_changes_nothing(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    wish_id = seed_board(ctx, 4).wish_ids[0]
    before = feed_head(ctx)
    cases = [
        ({"phone": "12345"}, 400, "联系电话不是有效的号码"),
        ({"phone": "10957900001"}, 400, "联系电话不是有效的号码"),
        ({"name": "李" * 51}, 400, "姓名或单位名称不能超过 50 个字"),
        ({"name": "x" * 5000}, 422, ""),
        ({"delivery": "<script>alert(1)</script>"}, 400, "送达方式不能包含尖括号"),
        ({"name": ""}, 400, "请填写姓名或单位名称"),
        ({"website": "http://spam.example"}, 403, "表单已失效"),
        ({"token": "forged"}, 403, "表单已失效"),
    ]
    for fields, status, sentence in cases:
        answer = claim(browser, wish_id, **fields)
        assert answer.status_code == status, (fields, answer.text)
        assert sentence in answer.text
        if status != 422:
            assert answer.text.count('class="error"') == 1
    assert feed_head(ctx) == before and claims_of(ctx) == []
    assert claim(browser, wish_id).status_code == 200


def test_a_phone_holds_at_most_the_policys_open_claims(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    ids = seed_board(ctx, 6).wish_ids
    for wish_id in ids[:3]:
        assert claim(browser, wish_id, phone="139 5790 0009").status_code == 200
    fourth = claim(browser, ids[3], phone="13957900009")
    assert fourth.status_code == 429 and "最多同时认领 3 个心愿" in fourth.text
    assert wish_state(ctx, ids[3])["state"] == "published"
    assert claim(browser, ids[3], phone="13957900010").status_code == 200


def test_a_hundred_simultaneous_claims_have_one_winner(
    ctx: ServerContext, server: ThreadServer
) -> None:
    wish_id = seed_board(ctx, 2).wish_ids[0]
    clients = [httpx.Client(base_url=server.url, timeout=60) for _ in range(100)]
    tokens = [claim_form(c, wish_id) for c in clients]
    start = threading.Barrier(len(clients))
    answers: list[httpx.Response] = [None] * len(clients)  # type: ignore[list-item]

    def donor(n: int) -> None:
        start.wait()
        answers[n] = claim(clients[n], wish_id, phone=f"139{n:08d}", token=tokens[n])

    threads = [threading.Thread(target=donor, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 99
    assert all("已被认领" in a.text for a in answers if a.status_code == 409)
    [winner] = claims_of(ctx, wish_id)
    assert wish_state(ctx, wish_id)["claimed_by"] == winner.donor_name


def test_a_thousand_claims_from_one_address_are_throttled(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    ids = seed_board(ctx, 20).wish_ids
    ctx.settings = ctx.settings.model_copy(update={"board_claims_per_address_hour": 10})
    token = claim_form(browser, ids[0])
    before = feed_head(ctx)
    statuses = []
    for n in range(1000):
        answer = claim(browser, ids[n % len(ids)], phone=f"138{n:08d}", token=token)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert "提交过于频繁，请一小时后再试" in answer.text
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429] * 990
    after = dict(feed_head(ctx))
    changed = {i for i, seq in before if after[i] != seq}
    assert changed == set(ids[:10]) and len(claims_of(ctx)) == 10
    with ctx.db.reading() as s:
        attempts = s.execute(select(func.count()).select_from(BoardAttempt)).scalar_one()
    assert attempts == 10 + 10  # ten by the address, one by each of ten phones


def test_a_claim_with_no_contact_is_released_back_to_the_board(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    wish_id = seed_board(ctx, 2).wish_ids[0]
    done = claim(browser, wish_id)
    code = CODE.search(done.text)
    assert code
    claimed_on = wish_state(ctx, wish_id)["claimed_on"]
    assert isinstance(claimed_on, str)
    day = date.fromisoformat(claimed_on)
    assert release_stale_claims(ctx, day + timedelta(days=7)) == []  # still within 7 days
    released = release_stale_claims(ctx, day + timedelta(days=8))
    assert released == [wish_id]
    page = browser.get(f"/wishes/{wish_id}").text
    assert "可认领" in page and 'name="token"' in page
    assert "已释放" in browser.get(f"/wishes/claim/{code.group(1)}").text
    again = claim(browser, wish_id, name="另一位爱心人士", phone="13957900003")
    assert again.status_code == 200
    holders = [c.donor_name for c in claims_of(ctx, wish_id) if c.holding]
    assert holders == ["另一位爱心人士"]
    assert "已释放" in browser.get(f"/wishes/claim/{code.group(1)}").text


def test_a_fulfilled_wish_shows_as_fulfilled_and_the_code_says_thank_you(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    wish_id = seed_board(ctx, 2).wish_ids[0]
    done = claim(browser, wish_id)
    code = CODE.search(done.text)
    assert code
    # Fulfilment comes from a device's push: a change written through the feed.
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = feed.get(wish_id)
        assert row is not None
        before = json.loads(row.data)
        outcome = merge.server_write(
            "wish",
            before,
            row.stamps,
            {"state": "fulfilled", "fulfilled_on": before["claimed_on"]},
            hlc=ctx.clock.now(),
            seq=feed.last + 1,
        )
        feed.replace(row, outcome.data, outcome.stamps)
        feed.close()
    assert "圆梦" in browser.get(f"/wishes/{wish_id}").text
    assert "感谢您的爱心" in browser.get(f"/wishes/claim/{code.group(1)}").text


def test_charity_staff_claim_in_their_organisations_name(
    ctx: ServerContext, server: ThreadServer
) -> None:
    from tests.console.conftest import browser as console_browser
    from tests.console.conftest import csrf_of, log_in, make_accounts

    wish_id = seed_board(ctx, 2).wish_ids[0]
    made = make_accounts(ctx)
    with console_browser(server) as charity:
        assert log_in(charity, made.usernames["charity"]).status_code == 303
        form = charity.get(f"/console/wishes/{wish_id}/claim")
        assert form.status_code == 200 and "婺城区慈善总会" in form.text
        url = f"/console/wishes/{wish_id}/claim"
        bad = charity.post(url, data={"csrf": csrf_of(form.text), "phone": "1", "delivery": "x"})
        assert bad.status_code == 400 and "联系电话不是有效的号码" in bad.text
        done = charity.post(
            url, data={"csrf": csrf_of(form.text), "phone": "0579-82000000", "delivery": "上门送达"}
        )
        assert done.status_code == 200 and "认领码" in done.text
    [held] = claims_of(ctx, wish_id)
    assert held.organisation_id == made.organisation_id
    assert wish_state(ctx, wish_id)["claimed_by"] == "婺城区慈善总会"
