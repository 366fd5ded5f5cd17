"""节日走访 (supervisor; coordinator in their areas): the festival lists' progress and the
households still to visit; a new list for an area of theirs (devices in scope pull it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.campaigns import CAMPAIGN_NAME_MAX_CHARS, ELDERLY_AGE_MAX, ELDERLY_AGE_MIN
from app.domain.codes import CampaignGroup, Festival
from app.ui.catalogue import label
from sync.server.console import campaigns
from sync.server.console.access import server_context
from sync.server.console.campaigns import CampaignInput, CampaignRefused
from sync.server.console.web import PREFIX, render, see_other
from sync.server.services.deliveries import china_today

router = APIRouter()
FESTIVALS = {f.value: label(f) for f in Festival}
GROUPS = {g.value: label(g) for g in CampaignGroup}


@router.get("/campaigns", name="campaigns")
async def campaigns_page(
    request: Request,
    created: Annotated[str, Query(max_length=36)] = "",
    listed: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    unassigned: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    account = request.state.session.account
    pages = await run_in_threadpool(
        campaigns.campaign_pages, server_context(request), account.areas, actor=account.actor
    )
    made = next((p for p in pages if p.progress.campaign.id == created), None)
    return render(
        request,
        "campaigns.html",
        title="节日走访",
        lists=pages,
        made=made,
        listed=listed,
        unassigned=unassigned,
    )


async def _form(
    request: Request, entered: CampaignInput | None = None, error: str = "", status: int = 200
) -> Response:
    account = request.state.session.account
    today = china_today()
    choices = await run_in_threadpool(
        campaigns.area_choices, server_context(request), account.areas
    )
    return render(
        request,
        "campaign_form.html",
        status,
        title="新建节日走访清单",
        entered=entered or campaigns.form_defaults(today),
        areas=choices,
        years=campaigns.years(today),
        festivals=FESTIVALS,
        groups=GROUPS,
        error=error,
        name_max=CAMPAIGN_NAME_MAX_CHARS,
        age_min=ELDERLY_AGE_MIN,
        age_max=ELDERLY_AGE_MAX,
    )


@router.get("/campaigns/new", name="campaign_new")
async def campaign_new(request: Request) -> Response:
    return await _form(request)


@router.post("/campaigns", name="campaign_create")
async def campaign_create(
    request: Request,
    festival: Annotated[str, Form(max_length=40)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    area_code: Annotated[str, Form(max_length=20)] = "",
    groups: Annotated[list[str] | None, Form(max_length=len(CampaignGroup))] = None,
    elderly_age: Annotated[str, Form(max_length=8)] = "",
    name: Annotated[str, Form(max_length=CAMPAIGN_NAME_MAX_CHARS * 4)] = "",
) -> Response:
    entered = CampaignInput(
        festival, year, area_code, tuple(g[:20] for g in groups or ()), elderly_age, name
    )
    account = request.state.session.account
    try:
        made = await run_in_threadpool(
            campaigns.create_list, server_context(request), account, entered, china_today()
        )
    except CampaignRefused as exc:
        return await _form(request, entered, exc.message, 422)
    query = f"created={made.campaign.id}&listed={made.listed}&unassigned={made.unassigned}"
    return see_other(f"{PREFIX}/campaigns?{query}")
