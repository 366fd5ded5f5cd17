"""Push and pull."""

from __future__ import annotations

from fastapi import Depends, Header, Query, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    DEFAULT_PAGE,
    HEADER_REASON_CODES,
    MAX_PAGE,
    PullPage,
    PushRequest,
    PushResponse,
)
from sync.server.auth import Caller, authenticated, context
from sync.server.context import ServerContext
from sync.server.errors import BadRequest
from sync.server.routers import v1_router
from sync.server.services import sync as service

router = v1_router(tags=["sync"])


@router.post("/v1/push", response_model=PushResponse)
async def push(
    body: PushRequest,
    caller: Caller = Depends(authenticated),
    ctx: ServerContext = Depends(context),
    reason_codes: str = Header("", alias=HEADER_REASON_CODES, max_length=4),
) -> Response:
    """Apply a batch of mutations exactly once; one answer per mutation. A rejection's
    code and parameters go only to a device that asks for them (`HEADER_REASON_CODES`)."""
    answer = await run_in_threadpool(service.push, ctx, caller, body)
    lean = None if reason_codes == "1" else {"answers": {"__all__": {"code", "params"}}}
    return Response(answer.model_dump_json(exclude=lean), media_type="application/json")


@router.get("/v1/pull", response_model=PullPage)
async def pull(
    after: int = Query(0, ge=0, le=2**62),
    limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
    areas: str = Query("", max_length=2000, description="comma-separated scope codes"),
    until: int | None = Query(None, ge=0, le=2**62),
    staff: str = Query("", max_length=64, description="digest of the staff the device holds"),
    organisations: str = Query(
        "", max_length=64, description="digest of the organisations the device holds"
    ),
    projects: str | None = Query(
        None, max_length=64, description="digest of the service projects the device holds"
    ),
    shares: int | None = Query(
        None, ge=0, le=2**62, description="the share log's cursor the device holds"
    ),
    shares_held: int = Query(
        0, ge=0, le=2**62, description="how many share log entries the device holds"
    ),
    caller: Caller = Depends(authenticated),
    ctx: ServerContext = Depends(context),
) -> Response:
    """One page of the change feed after `after`, in the caller's scope."""
    codes = [c.strip() for c in areas.split(",") if c.strip()]
    if any(not c.isdigit() or len(c) not in (6, 9, 12) for c in codes):
        raise BadRequest("区划参数应为 6、9 或 12 位数字代码。")
    body = await run_in_threadpool(
        service.pull,
        ctx,
        caller,
        after=after,
        limit=limit,
        areas=codes or None,
        until=until,
        staff_digest=staff,
        organisations_digest=organisations,
        projects_digest=projects,
        shares=None if shares is None else (shares, shares_held),
    )
    return Response(body, media_type="application/json")
