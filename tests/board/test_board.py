"""The public wish board: the published minimum, filters, pages, size, no personal data."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import col, select

from app.domain.records import Household, Person
from sync.server.board import publishing
from sync.server.board.listing import PAGE_SIZE
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.tables import RecordRow
from tests.board.seed import (
    OTHER_TOWNSHIP,
    TODAY,
    TOWNSHIP,
    approved_wish,
    area_names,
    claim,
    households_of,
    seed_board,
)
from tests.sync.conftest import ThreadServer

CARD = re.compile(r'<li class="wish state-(\w+)">')
LINK = re.compile(r'href="(/wishes[^"#]*)"')


def test_first_page_is_small_plain_html_with_the_published_minimum(
    ctx: ServerContext, browser: httpx.Client
) -> None:
    seeded = seed_board(ctx, 30)
    page = browser.get("/wishes")
    assert page.status_code == 200
    css = browser.get("/wishes/static/board.css")
    fonts = browser.get("/console/static/fonts.css")
    assert css.status_code == fonts.status_code == 200
    # Everything the first page loads on a phone: the HTML and its two stylesheets (the
    # phone's own CJK font).
    assert len(page.content) + len(css.content) + len(fonts.content) <= 100 * 1024
    assert "<script" not in page.text
    # The system's CJK fonts first; the bundled face only where a browser has none at all;
    # the rare-character face (CJK Extensions A and B) only for a page showing one of them.
    faces = fonts.text.split("@font-face")[1:]
    assert len(faces) == 2 and all("unicode-range" in face for face in faces)
    assert faces[0].index('local("Noto Sans CJK SC")') < faces[0].index("url(")
    assert "U+20000-2FA1F" in faces[1] and "U+4E00" not in faces[1]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert f"共 {len(seeded.wish_ids)} 个心愿" in page.text
    assert len(CARD.findall(page.text)) == PAGE_SIZE
    assert set(CARD.findall(page.text)) == {"published"}
    assert "可认领" in page.text and "一台电风扇" in page.text and "180 元" in page.text
    names = area_names(ctx)
    assert names[TOWNSHIP] in page.text and names[OTHER_TOWNSHIP] in page.text
    second = browser.get("/wishes?page=2")
    assert len(CARD.findall(second.text)) == len(seeded.wish_ids) - PAGE_SIZE
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_filters_by_township_need_area_and_value(ctx: ServerContext, browser: httpx.Client) -> None:
    seed_board(ctx, 30)
    names = area_names(ctx)
    only = browser.get(f"/wishes?township={OTHER_TOWNSHIP}").text
    assert names[OTHER_TOWNSHIP] in only
    assert f'<span class="meta">生活保障 · 180 元 · {names[TOWNSHIP]}' not in only
    assert all(
        f"· {names[OTHER_TOWNSHIP]}</span>" in m
        for m in re.findall(r'<span class="meta">[^<]*</span>', only)
    )
    education = browser.get("/wishes?need=education").text
    metas = re.findall(r'<span class="meta">([^<]*)</span>', education)
    assert metas and all(m.startswith("教育支持") for m in metas)
    cheap = browser.get("/wishes?value=100").text
    values = [int(v) for v in re.findall(r"· (\d+) 元 ·", cheap)]
    assert values and all(v <= 100 for v in values)
    # A filter value the board does not know is dropped, not an error.
    assert browser.get("/wishes?township=x&need=nope&value=9").status_code == 200


def personal_values(ctx: ServerContext) -> set[str]:
    """Every personal value in the database: names, ID numbers, phones, addresses, and
    the names of the villages the wishes' households live in."""
    found: set[str] = set()
    villages = set()
    with ctx.db.reading() as s:
        for row in s.exec(
            select(RecordRow).where(col(RecordRow.type).in_(("household", "person")))
        ):
            if row.type == "household":
                h = Household.from_stored(row.data)
                found |= {h.address, h.phone}
                villages.add(h.area_code)
            else:
                p = Person.from_stored(row.data)
                found |= {p.name, p.id_number or "", p.phone}
    names = area_names(ctx)
    found |= {names[v] for v in villages if v in names}
    return {v for v in found if len(v) >= 2}


def crawl(client: httpx.Client, start: list[str]) -> dict[str, str]:
    """Every public page reachable from `start` by links (filters and pages included)."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo:
        url = todo.pop()
        if url in seen or url.startswith("/wishes/static"):
            continue
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200, url
        seen[url] = answer.text
        todo.extend(LINK.findall(answer.text))
    return seen


def test_no_public_page_shows_any_personal_value(ctx: ServerContext, server: ThreadServer) -> None:
    seeded = seed_board(ctx, 30)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        done = claim(client, seeded.wish_ids[0])
        assert done.status_code == 200, done.text
        code = re.search(r"/wishes/claim/([\w-]+)", done.text)
        assert code
        start = ["/wishes", code.group(0)]
        start += [f"/wishes?township={t}" for t in (TOWNSHIP, OTHER_TOWNSHIP)]
        start += [
            f"/wishes?need={n}" for n in ("living", "education", "care", "medical", "housing")
        ]
        start += [f"/wishes?value={b}" for b in ("100", "300", "500")]
        pages = crawl(client, start)
        pages["claimed"] = done.text
    assert len(pages) > len(seeded.wish_ids)  # every wish's own page was reached
    values = personal_values(ctx)
    assert len(values) > 3 * len(seeded.households)
    leaks = {(url, v) for url, html in pages.items() for v in values if v in html}
    assert not leaks


@pytest.mark.parametrize(
    ("story_of", "reason"),
    [
        (lambda p, h: f"{p.name}想要一台电风扇", "姓名"),
        (lambda p, h: f"身份证 {p.id_number}", "身份证号"),
        (
            lambda p, h: "电话 " + " ".join(h.phone[i : i + 4] for i in range(0, len(h.phone), 4)),
            "电话号码",
        ),
        (lambda p, h: f"住在{h.address}", "住址"),
    ],
)
def test_a_story_naming_the_household_is_refused_until_edited(
    ctx: ServerContext,
    story_of,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    exchange.load_demo(ctx, 6, seed=4, today=TODAY, scope=[TOWNSHIP])
    h = next(h for h in households_of(ctx) if h.phone)
    with ctx.db.reading() as s:
        person = next(
            Person.from_stored(r.data)
            for r in s.exec(
                select(RecordRow).where(
                    col(RecordRow.household_id) == h.id, col(RecordRow.type) == "person"
                )
            )
            if Person.from_stored(r.data).id_number
        )
    wish = approved_wish(h, 0)
    exchange.load_records(ctx, [wish])
    with pytest.raises(publishing.StoryRefused) as refused:
        publishing.publish(ctx, "c", wish.id, story=story_of(person, h), areas=None)
    assert reason in str(refused.value)
    assert wish.id in approved(ctx)  # nothing was written
    publishing.publish(ctx, "c", wish.id, story="想要一台电风扇。", areas=None)
    assert wish.id not in approved(ctx)


def approved(ctx: ServerContext) -> set[str]:
    return {a.wish_id for a in publishing.approved_wishes(ctx, (TOWNSHIP,))}


def test_a_coordinator_publishes_from_the_console_and_a_refusal_names_the_reason(
    ctx: ServerContext, server: ThreadServer
) -> None:
    from tests.console.conftest import browser as console_browser
    from tests.console.conftest import csrf_of, log_in, make_accounts

    exchange.load_demo(ctx, 6, seed=4, today=TODAY, scope=[TOWNSHIP])
    made = make_accounts(ctx)
    h = households_of(ctx)[0]
    wish = approved_wish(h, 1)
    exchange.load_records(ctx, [wish])
    with console_browser(server) as coordinator:
        assert log_in(coordinator, made.usernames["coordinator"]).status_code == 303
        listed = coordinator.get("/console/wishes")
        assert f"/console/wishes/{wish.id}/publish" in listed.text
        form = coordinator.get(f"/console/wishes/{wish.id}/publish")
        assert form.status_code == 200 and wish.description in form.text
        url = f"/console/wishes/{wish.id}/publish"
        refused = coordinator.post(
            url,
            data={
                "csrf": csrf_of(form.text),
                "need_area": "education",
                "story": f"住在{h.address}",
            },
        )
        assert refused.status_code == 422 and "住址或村名" in refused.text
        assert wish.id in approved(ctx)
        done = coordinator.post(
            url,
            data={"csrf": csrf_of(form.text), "need_area": "education", "story": "想要课桌椅。"},
        )
        assert done.status_code == 303
        assert wish.id not in approved(ctx)
        assert coordinator.get(url).status_code == 409  # published: nothing more to publish
    with httpx.Client(base_url=server.url) as donor:
        page = donor.get(f"/wishes/{wish.id}")
        assert "想要课桌椅。" in page.text and "教育支持" in page.text
    with console_browser(server) as charity:
        assert log_in(charity, made.usernames["charity"]).status_code == 303
        assert charity.get("/console/wishes").status_code == 403
