"""A board to test against: demo households (real-looking names, ID numbers, phones and
addresses), one approved wish each, published through the real publishing service."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from sqlmodel import col, select

from app.domain.codes import NeedArea, WishState
from app.domain.records import Household, Wish
from sync.server.board import publishing
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.tables import Area, RecordRow

TODAY = date(2026, 11, 20)
TOWNSHIP = "330702102"  # 安地镇
OTHER_TOWNSHIP = "330703101"  # 孝顺镇
TOKEN = re.compile(r'name="token" value="([^"]+)"')
ITEMS = [
    ("一台电风扇", 180, NeedArea.LIVING, "夏天屋里闷热，老人想要一台电风扇。"),
    ("一套课桌椅", 320, NeedArea.EDUCATION, "孩子在床边写作业，想有一套自己的课桌椅。"),
    ("一副老花镜", 60, NeedArea.CARE, "奶奶看不清药盒上的字，想配一副老花镜。"),
    ("一个助行器", 260, NeedArea.MEDICAL, "腿脚不便，出门想有个助行器。"),
    ("一床冬被", 150, NeedArea.LIVING, "冬天快到了，想添一床厚被子。"),
    ("一盏护眼台灯", 120, NeedArea.EDUCATION, "晚上灯光暗，孩子想要一盏护眼台灯。"),
    ("一套厨具", 450, NeedArea.HOUSING, "灶台旧了，想换一套锅碗。"),
]


@dataclass(frozen=True)
class Seeded:
    wish_ids: list[str]
    households: list[Household]


def households_of(ctx: ServerContext) -> list[Household]:
    with ctx.db.reading() as s:
        rows = s.exec(
            select(RecordRow).where(col(RecordRow.type) == "household").order_by(col(RecordRow.id))
        )
        return [Household.from_stored(r.data) for r in rows]


def approved_wish(h: Household, n: int) -> Wish:
    title, value, _, story = ITEMS[n % len(ITEMS)]
    return Wish(
        area_code=h.area_code,
        household_id=h.id,
        title=title,
        description=story,
        value_yuan=value,
        state=WishState.APPROVED,
        collected_on=TODAY - timedelta(days=10),
        reviewed_on=TODAY - timedelta(days=5),
    )


def seed_board(ctx: ServerContext, households: int = 24, *, seed: int = 3) -> Seeded:
    """Demo households in two townships, one approved wish each, all published."""
    half = households // 2
    exchange.load_demo(ctx, households - half, seed=seed, today=TODAY, scope=[TOWNSHIP])
    exchange.load_demo(ctx, half, seed=seed + 1, today=TODAY, scope=[OTHER_TOWNSHIP])
    homes = households_of(ctx)
    wishes = [approved_wish(h, n) for n, h in enumerate(homes)]
    exchange.load_records(ctx, wishes)
    for n, w in enumerate(wishes):
        need = ITEMS[n % len(ITEMS)][2]
        publishing.publish(ctx, "coordinator", w.id, need_area=need, areas=None, today=TODAY)
    return Seeded([w.id for w in wishes], homes)


def wish_state(ctx: ServerContext, wish_id: str) -> dict[str, object]:
    with ctx.db.reading() as s:
        row = s.get(RecordRow, wish_id)
        assert row is not None
        return json.loads(row.data)  # type: ignore[no-any-return]


def area_names(ctx: ServerContext) -> dict[str, str]:
    with ctx.db.reading() as s:
        return {a.code: a.name for a in s.exec(select(Area))}


def claim_form(client: httpx.Client, wish_id: str) -> str:
    """Open the wish's page as a browser does; returns the form token it carries."""
    page = client.get(f"/wishes/{wish_id}")
    assert page.status_code == 200, page.text
    found = TOKEN.search(page.text)
    assert found, "the page has no claim form"
    return found.group(1)


def claim(
    client: httpx.Client,
    wish_id: str,
    *,
    name: str = "李爱心",
    phone: str = "13957900001",
    delivery: str = "送到社区服务站",
    token: str | None = None,
    **extra: str,
) -> httpx.Response:
    token = claim_form(client, wish_id) if token is None else token
    return client.post(
        f"/wishes/{wish_id}/claim",
        data={"name": name, "phone": phone, "delivery": delivery, "token": token, **extra},
    )
