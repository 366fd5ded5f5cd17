"""Coordinators' (and supervisors') 主动发现 queue in the console: reported households of
their areas — found by a worker or referred by a charity — with who, when and why; each is
confirmed (matched against the register by ID number), taken to an assistance application,
or dismissed with a reason (`sync.server.services.discovery`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import DiscoveryReview
from app.ui.catalogue import label
from sync.server.console.access import server_context
from sync.server.console.coverage import place_names
from sync.server.console.web import render, see_other
from sync.server.errors import BadRequest, Conflict, NotFound
from sync.server.services import discovery

router = APIRouter()
REVIEWS = {r.value: r for r in DiscoveryReview}
DONE = {
    DiscoveryReview.CONFIRMED.value: "已确认。",
    DiscoveryReview.APPLYING.value: "已记录：发起救助申请。",
    DiscoveryReview.DISMISSED.value: "已排除。",
}


async def _page(
    request: Request, *, notice: str = "", error: str = "", failed: str = "", status: int = 200
) -> Response:
    areas = request.state.session.account.areas
    ctx = server_context(request)
    found = await run_in_threadpool(discovery.queue, ctx, areas)
    places = await run_in_threadpool(place_names, ctx, {f.area_code for f in found})
    return render(
        request,
        "discoveries.html",
        status,
        title="主动发现待确认",
        found=found,
        places=places,
        notice=notice,
        error=error,
        failed=failed,
        applying=label(DiscoveryReview.APPLYING),
    )


@router.get("/discoveries", name="discoveries")
async def queue(request: Request, done: str = "") -> Response:
    return await _page(request, notice=DONE.get(done, ""))


@router.post("/discoveries/{household_id}", name="discovery_decide")
async def decide(
    request: Request,
    household_id: str,
    review: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    account = request.state.session.account
    chosen = REVIEWS.get(review)
    if chosen is None:
        return await _page(request, error="请选择处理方式。", failed=household_id, status=422)
    try:
        await run_in_threadpool(
            lambda: discovery.decide(
                server_context(request),
                f"console:{account.username}"[:40],
                household_id,
                chosen,
                reason=reason,
                areas=account.areas,
            )
        )
    except BadRequest as exc:
        return await _page(request, error=exc.message, failed=household_id, status=422)
    except (NotFound, Conflict) as exc:
        return await _page(request, error=exc.message, failed=household_id, status=409)
    return see_other(f"/console/discoveries?done={chosen.value}")
