"""Coordinators publish approved wishes in their areas to the public board (发布心愿); the
story is screened by `sync.server.board.publishing` and a refusal says why. Charity staff
claim a board wish in their organisation's name (`sync.server.board.claims`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea, WishState
from app.domain.wishes import STORY_MAX_CHARS
from app.ui.catalogue import label
from sync.server.board import claimed, claims, listing, publishing
from sync.server.console.access import PageNotFound, server_context
from sync.server.console.coverage import place_names
from sync.server.console.web import render, see_other
from sync.server.errors import Conflict, NotFound
from sync.server.services import organisations

router = APIRouter()
NEEDS = [(a.value, label(a)) for a in NeedArea]


@router.get("/wishes", name="wishes_approved")
async def approved(request: Request, published: str = "") -> Response:
    areas = request.state.session.account.areas
    ctx = server_context(request)
    found = await run_in_threadpool(publishing.approved_wishes, ctx, areas)
    places = await run_in_threadpool(place_names, ctx, {w.area_code for w in found})
    notice = "心愿已发布到微心愿平台。" if published else ""
    return render(
        request,
        "wishes_approved.html",
        title="发布心愿",
        wishes=found,
        places=places,
        notice=notice,
    )


async def _form(
    request: Request,
    wish: publishing.Approved,
    *,
    need: str = NeedArea.WISH.value,
    story: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "wish_publish.html",
        status,
        title="发布心愿",
        wish=wish,
        places=await run_in_threadpool(place_names, server_context(request), [wish.area_code]),
        needs=NEEDS,
        need=need,
        story=wish.story if story is None else story,
        limit=STORY_MAX_CHARS,
        errors=errors or [],
    )


async def _approved(request: Request, wish_id: str) -> publishing.Approved:
    areas = request.state.session.account.areas
    wish = await run_in_threadpool(
        publishing.wish_to_publish, server_context(request), wish_id, areas
    )
    if wish is None:
        raise PageNotFound()
    return wish


@router.get("/wishes/claimed", name="wishes_claimed")
async def claimed_wishes(request: Request, assigned: str = "", error: str = "") -> Response:
    """Claimed wishes in the coordinator's areas, each with the donor and the teams that
    may deliver it (小特帮扶服务队 serving its area)."""
    ctx = server_context(request)
    areas = request.state.session.account.areas
    found = await run_in_threadpool(claimed.claimed_wishes, ctx, areas)
    teams = {
        code: await run_in_threadpool(claimed.teams_for, ctx, code)
        for code in sorted({w.area_code for w in found})
    }
    places = await run_in_threadpool(place_names, ctx, set(teams))
    return render(
        request,
        "wishes_claimed.html",
        title="已认领心愿",
        wishes=found,
        teams=teams,
        places=places,
        notice="已指派小特帮扶服务队。" if assigned else "",
        error=error[:200],
    )


@router.post("/wishes/{wish_id}/assign", name="wish_assign")
async def assign(
    request: Request, wish_id: str, team: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    """Give a claimed wish to a 小特帮扶服务队 to deliver (devices receive it at a pull)."""
    account = request.state.session.account
    try:
        await run_in_threadpool(
            lambda: claimed.assign(
                server_context(request),
                f"console:{account.username}",
                wish_id,
                team,
                areas=account.areas,
            )
        )
    except (NotFound, Conflict) as exc:
        return see_other(f"/console/wishes/claimed?error={quote(exc.message)}")
    return see_other("/console/wishes/claimed?assigned=1")


@router.get("/wishes/{wish_id}/publish", name="wish_publish_form")
async def publish_form(request: Request, wish_id: str) -> Response:
    wish = await _approved(request, wish_id)
    if wish.state != WishState.APPROVED:
        return await _form(
            request, wish, errors=["只有审核通过、尚未发布的心愿可以发布。"], status=409
        )
    return await _form(request, wish)


@router.post("/wishes/{wish_id}/publish", name="wish_publish")
async def publish(
    request: Request,
    wish_id: str,
    need_area: Annotated[str, Form(max_length=20)] = NeedArea.WISH.value,
    story: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    wish = await _approved(request, wish_id)
    account = request.state.session.account
    need = need_area if need_area in NeedArea.__members__.values() else NeedArea.WISH.value
    try:
        await run_in_threadpool(
            lambda: publishing.publish(
                server_context(request),
                f"console:{account.username}",
                wish.wish_id,
                need_area=NeedArea(need),
                story=story,
                areas=account.areas,
            )
        )
    except publishing.StoryRefused as refused:
        return await _form(
            request, wish, need=need, story=story, errors=refused.problems, status=422
        )
    except (NotFound, Conflict) as exc:
        return await _form(request, wish, need=need, story=story, errors=[exc.message], status=409)
    return see_other("/console/wishes?published=1")


@router.get("/wishes/{wish_id}/claim", name="wish_claim_form")
async def claim_form(request: Request, wish_id: str) -> Response:
    """Charity staff claim a board wish in their organisation's name (认领)."""
    ctx = server_context(request)
    card = await run_in_threadpool(listing.board_card, ctx, wish_id)
    if card is None:
        return _not_on_board(request)
    org = await run_in_threadpool(
        organisations.find_organisation, ctx, request.state.session.account.organisation_id
    )
    return _claim_page(request, card, org.name)


def _not_on_board(request: Request) -> Response:
    """The board shows no such wish (never published, withdrawn, or no wish at all)."""
    return render(
        request,
        "error.html",
        410,
        title="心愿不在平台上",
        message="这个心愿不在微心愿平台上或已撤下。",
    )


def _claim_page(
    request: Request,
    card: listing.BoardCard,
    organisation: str,
    *,
    error: str = "",
    code: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "wish_claim.html",
        status,
        title="以机构名义认领",
        card=card,
        organisation=organisation,
        error=error,
        code=code,
    )


@router.post("/wishes/{wish_id}/claim", name="wish_claim")
async def claim(
    request: Request,
    wish_id: str,
    phone: Annotated[str, Form(max_length=2000)] = "",
    delivery: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    ctx = server_context(request)
    account = request.state.session.account
    card = await run_in_threadpool(listing.board_card, ctx, wish_id)
    if card is None:
        return _not_on_board(request)
    org = await run_in_threadpool(organisations.find_organisation, ctx, account.organisation_id)
    try:
        donor = claims.parse_donor(org.name, phone, delivery, org.id)
        code = await run_in_threadpool(claims.claim, ctx, card.wish_id, donor)
    except claims.ClaimRefused as refused:
        fresh = await run_in_threadpool(listing.board_card, ctx, wish_id) or card
        return _claim_page(request, fresh, org.name, error=refused.sentence, status=refused.status)
    return _claim_page(request, card, org.name, code=code)
