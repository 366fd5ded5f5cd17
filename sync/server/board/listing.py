"""The board's read side: a page of published wishes with filters, and one wish's card.

Only `board_wishes` (the published minimum and the wish's state) is read; the township's
name comes from `areas`. Nothing else about a household can reach a card, but for one
fulfilled wish the 圆梦 photo, when the household agreed to publicity (`fulfilment_photo`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.codes import NeedArea, WishState
from app.domain.records import Wish
from app.ui.catalogue import label
from sync.server.context import ServerContext
from sync.server.tables import Area, BoardWish, Photo, RecordRow

PAGE_SIZE = 20
# Value bands a donor filters by (the policy caps a wish at 500 元 by default).
VALUE_BANDS: dict[str, tuple[int, int, str]] = {
    "100": (0, 100, "100 元及以下"),
    "300": (101, 300, "101–300 元"),
    "500": (301, 500, "301–500 元"),
    "more": (501, 10**9, "500 元以上"),
}
# What a donor reads for each state a board wish can be in.
STATUS_LABELS: dict[str, str] = {
    WishState.PUBLISHED.value: "可认领",
    WishState.CLAIMED.value: "已被认领",
    WishState.FULFILLED.value: "圆梦",
}
SHOWN_STATES = tuple(STATUS_LABELS)


@dataclass(frozen=True)
class BoardFilter:
    """What the donor chose: a township (9 digits), a need area, a value band, a page."""

    township: str = ""
    need_area: str = ""
    band: str = ""
    page: int = 1

    @classmethod
    def parse(cls, township: str, need_area: str, band: str, page: int) -> BoardFilter:
        """Unknown values are dropped rather than refused: a stale link still shows a board."""
        return cls(
            township=township if township.isdigit() and len(township) == 9 else "",
            need_area=need_area if need_area in NeedArea.__members__.values() else "",
            band=band if band in VALUE_BANDS else "",
            page=max(1, min(page, 10_000)),
        )


@dataclass(frozen=True)
class BoardCard:
    """One wish as a donor sees it: the published minimum and its status."""

    wish_id: str
    title: str
    need_area: str
    value_yuan: int
    township: str
    story: str
    state: str
    photo: bool = False  # a 圆梦 photo the household agreed to show (one wish's page only)

    @property
    def status(self) -> str:
        return STATUS_LABELS[self.state]

    @property
    def claimable(self) -> bool:
        return self.state == WishState.PUBLISHED.value


@dataclass(frozen=True)
class BoardPage:
    cards: list[BoardCard]
    total: int
    page: int
    pages: int
    townships: list[tuple[str, str]]


def _visible(query: Any, chosen: BoardFilter) -> Any:
    query = query.where(col(BoardWish.state).in_(SHOWN_STATES))
    if chosen.township:
        query = query.where(col(BoardWish.township_code) == chosen.township)
    if chosen.need_area:
        query = query.where(col(BoardWish.need_area) == chosen.need_area)
    if chosen.band:
        low, high, _ = VALUE_BANDS[chosen.band]
        query = query.where(col(BoardWish.value_yuan).between(low, high))
    return query


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.exec(select(Area).where(col(Area.code).in_(codes)))
    return {a.code: a.name for a in rows}


def _card(row: BoardWish, names: dict[str, str]) -> BoardCard:
    return BoardCard(
        wish_id=row.wish_id,
        title=row.title,
        need_area=label(NeedArea(row.need_area)),
        value_yuan=row.value_yuan,
        township=names.get(row.township_code, row.township_code),
        story=row.story,
        state=row.state,
    )


def board_page(ctx: ServerContext, chosen: BoardFilter) -> BoardPage:
    """The wishes the filter selects, newest first, one page of `PAGE_SIZE`; claimable
    wishes and claimed or fulfilled ones alike (the status says which)."""
    with ctx.db.reading() as s:
        total = int(
            s.execute(_visible(select(func.count()).select_from(BoardWish), chosen)).scalar_one()
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(chosen.page, pages)
        rows = (
            s.execute(
                _visible(select(BoardWish), chosen)
                .order_by(col(BoardWish.published_at).desc(), col(BoardWish.wish_id))
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
            .scalars()
            .all()
        )
        township_codes = {
            str(c)
            for c in s.execute(
                _visible(select(col(BoardWish.township_code)).distinct(), BoardFilter())
            ).scalars()
        }
        names = _names(s, township_codes | {r.township_code for r in rows})
    return BoardPage(
        cards=[_card(row, names) for row in rows],
        total=total,
        page=page,
        pages=pages,
        townships=sorted(((c, names.get(c, c)) for c in township_codes), key=lambda t: t[0]),
    )


def board_card(ctx: ServerContext, wish_id: str) -> BoardCard | None:
    """One wish of the board, or None when it is not (or no longer) shown."""
    with ctx.db.reading() as s:
        found = (
            s.execute(
                _visible(select(BoardWish), BoardFilter()).where(
                    col(BoardWish.wish_id) == wish_id[:64]
                )
            )
            .scalars()
            .first()
        )
        if found is None:
            return None
        card = _card(found, _names(s, {found.township_code}))
        if _fulfilment_photo(s, found) is None:
            return card
        return replace(card, photo=True)


# A photo is served only as an image type a browser will not run (no SVG, no HTML).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def _fulfilment_photo(s: Session, listing: BoardWish) -> Photo | None:
    """The 圆梦 photo of a board wish: only once fulfilled, only with the household's
    separate consent to publicity, only the wish's own photo of a safe image type."""
    if listing.state != WishState.FULFILLED.value:
        return None
    row = s.get(RecordRow, listing.wish_id)
    if row is None:
        return None
    wish = Wish.from_stored(row.data)
    if not wish.publicity_consent or not wish.photo_id:
        return None
    photo = s.get(Photo, wish.photo_id)
    if photo is None or photo.record_id != wish.id or photo.mime not in PHOTO_TYPES:
        return None
    return photo


def fulfilment_photo(ctx: ServerContext, wish_id: str) -> tuple[bytes, str] | None:
    """The bytes and type of a board wish's 圆梦 photo (see `_fulfilment_photo`), or None."""
    with ctx.db.reading() as s:
        listing = s.get(BoardWish, wish_id[:64])
        photo = _fulfilment_photo(s, listing) if listing is not None else None
        return (bytes(photo.content), photo.mime) if photo is not None else None
