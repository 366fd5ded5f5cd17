"""The disclosure log for supervisors and admins (披露记录): every organisation's views and
exports of people's data in their areas, and one organisation's lines."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.access import PageNotFound, server_context
from sync.server.console.web import render
from sync.server.errors import NotFound
from sync.server.services import disclosures, organisations

router = APIRouter(prefix="/disclosures")


@router.get("", name="disclosures")
async def by_organisation(request: Request) -> Response:
    areas = request.state.session.account.areas
    found = await run_in_threadpool(disclosures.by_organisation, server_context(request), areas)
    return render(request, "disclosures.html", title="信息披露记录", tallies=found)


@router.get("/{organisation_id}", name="disclosures_organisation")
async def of_organisation(request: Request, organisation_id: str) -> Response:
    ctx = server_context(request)
    try:
        org = await run_in_threadpool(organisations.find_organisation, ctx, organisation_id[:64])
    except NotFound:
        raise PageNotFound() from None
    areas = request.state.session.account.areas
    lines = await run_in_threadpool(disclosures.for_organisation, ctx, org.id, areas)
    return render(
        request,
        "disclosures_organisation.html",
        title=f"{org.name} 信息披露记录",
        organisation=org,
        lines=lines,
    )
