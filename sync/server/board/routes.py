"""The public wish board's pages (`/wishes`): no sign-in, plain HTML, no script.

- `GET /wishes`: published wishes, filtered by township, need area and value band, paged;
- `GET /wishes/{id}`: one wish and, while it is claimable, the claim form;
- `GET /wishes/{id}/photo`: a fulfilled wish's 圆梦 photo, when the household agreed;
- `POST /wishes/{id}/claim`: claim it (rate limits, honeypot, form token, then the claim);
- `GET /wishes/claim/{code}`: where a claim stands, by the code shown once at claiming.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea
from app.ui.catalogue import label
from sync.server.board import claims, listing
from sync.server.board.web import PREFIX, form_token_ok, render
from sync.server.context import ServerContext

router = APIRouter(prefix=PREFIX, include_in_schema=False)
WishId = Annotated[str, Path(min_length=1, max_length=64)]
NEED_AREAS = [(a.value, label(a)) for a in NeedArea]
BANDS = [(key, text) for key, (_, _, text) in listing.VALUE_BANDS.items()]
FIELD_MAX = 2000  # longer than any field allows: the form answers with its limit
STALE_FORM = "表单已失效，请核对后再点一次“确认认领”。"


def _ctx(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _client(request: Request) -> str:
    return (request.client.host if request.client else "") or "?"


@router.get("", name="board")
async def board(
    request: Request,
    township: Annotated[str, Query(max_length=12)] = "",
    need: Annotated[str, Query(max_length=20)] = "",
    value: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    chosen = listing.BoardFilter.parse(township, need, value, page)
    found = await run_in_threadpool(listing.board_page, _ctx(request), chosen)
    return render(
        request,
        "board.html",
        title="微心愿",
        found=found,
        chosen=chosen,
        need_areas=NEED_AREAS,
        bands=BANDS,
    )


@router.get("/claim/{code}", name="board_claim_status")
async def claim_status(request: Request, code: Annotated[str, Path(max_length=64)]) -> Response:
    status = await run_in_threadpool(claims.claim_status, _ctx(request), code)
    if status is None:
        return render(
            request, "notice.html", 404, title="找不到认领", sentence="认领码无效，请核对后重试。"
        )
    return render(request, "claim_status.html", title="认领进度", claim=status)


def _wish_page(
    request: Request,
    card: listing.BoardCard,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "wish.html",
        status,
        title=card.title,
        card=card,
        error=error,
        typed=typed or {},
        with_form=card.claimable,
    )


@router.get("/{wish_id}/photo", name="board_wish_photo")
async def wish_photo(request: Request, wish_id: WishId) -> Response:
    """A fulfilled wish's 圆梦 photo, only with the household's consent to publicity."""
    found = await run_in_threadpool(listing.fulfilment_photo, _ctx(request), wish_id)
    if found is None:
        return render(
            request, "notice.html", 404, title="没有照片", sentence="这个心愿没有公开的照片。"
        )
    content, mime = found
    return Response(content, media_type=mime)


@router.get("/{wish_id}/claim", name="board_claim_again")
async def claim_again(wish_id: WishId) -> Response:
    """The claim form's address opened as a page (a reload, or a link shared from the
    address bar after a refusal): the wish's own page, with its form."""
    return RedirectResponse(f"{PREFIX}/{quote(wish_id, safe='')}", status_code=303)


@router.get("/{wish_id}", name="board_wish")
async def wish(request: Request, wish_id: WishId) -> Response:
    card = await run_in_threadpool(listing.board_card, _ctx(request), wish_id)
    if card is None:
        return render(
            request,
            "notice.html",
            404,
            title="找不到心愿",
            sentence="找不到这个心愿，它可能已撤下。",
        )
    return _wish_page(request, card)


@router.post("/{wish_id}/claim", name="board_claim")
async def claim(
    request: Request,
    wish_id: WishId,
    name: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    phone: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    delivery: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    website: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    ctx = _ctx(request)
    per_address = ctx.settings.board_claims_per_address_hour
    if not await run_in_threadpool(
        claims.admit, ctx, claims.address_key(_client(request)), per_address
    ):
        return render(
            request,
            "notice.html",
            429,
            title="请稍后再试",
            sentence="提交过于频繁，请一小时后再试。",
        )
    card = await run_in_threadpool(listing.board_card, ctx, wish_id)
    if card is None:
        return render(
            request,
            "notice.html",
            404,
            title="找不到心愿",
            sentence="找不到这个心愿，它可能已撤下。",
        )
    typed = {"name": name[:50], "phone": phone[:20], "delivery": delivery[:200]}
    if website:  # a filled honeypot is a robot: nothing it typed is shown back
        return _wish_page(request, card, error=STALE_FORM, status=403)
    if not form_token_ok(request, token):
        # A form from elsewhere, or one left open past its cookie (a messaging app's web
        # view drops it): the page comes back with a fresh token and what was typed.
        return _wish_page(request, card, error=STALE_FORM, status=403, typed=typed)
    try:
        donor = claims.parse_donor(name, phone, delivery)
        per_phone = ctx.settings.board_claims_per_phone_hour
        if not await run_in_threadpool(claims.admit, ctx, claims.phone_key(donor.phone), per_phone):
            raise claims.ClaimRefused("这个电话提交过于频繁，请一小时后再试。", 429)
        code = await run_in_threadpool(claims.claim, ctx, card.wish_id, donor)
    except claims.ClaimRefused as refused:
        fresh = await run_in_threadpool(listing.board_card, ctx, wish_id) or card
        return _wish_page(
            request, fresh, error=refused.sentence, status=refused.status, typed=typed
        )
    return render(request, "claimed.html", title="认领成功", card=card, code=code)
