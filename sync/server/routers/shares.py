"""The county's share log for devices (共享记录)."""

from __future__ import annotations

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from sync.protocol import ShareList
from sync.server.auth import Caller, authenticated, context
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import disclosures

router = v1_router(tags=["sync"])


@router.get("/v1/shares", response_model=ShareList)
async def shares(
    caller: Caller = Depends(authenticated), ctx: ServerContext = Depends(context)
) -> ShareList:
    """Each view or export of a person's data by a charity's console user, for the
    households in the caller's scope, newest first."""
    return await run_in_threadpool(disclosures.for_devices, ctx, caller)
