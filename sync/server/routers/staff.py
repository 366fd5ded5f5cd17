"""The staff of a device's scope, for its reports by 责任人 and team."""

from __future__ import annotations

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from sync.protocol import StaffList
from sync.server.auth import Caller, authenticated, context
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import staff as service

router = v1_router(tags=["sync"])


@router.get("/v1/staff", response_model=StaffList)
async def staff(
    caller: Caller = Depends(authenticated), ctx: ServerContext = Depends(context)
) -> StaffList:
    """The workers whose areas overlap the caller's scope (id, name, role, team, areas)."""
    return await run_in_threadpool(service.staff_of_scope, ctx, caller.areas)
