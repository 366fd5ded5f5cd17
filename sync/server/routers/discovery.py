"""Coordinators: the 主动发现 queue and their decisions on it, over HTTP for a device online
(offline, a device decides by an edit of the household it pushes later)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, Path
from starlette.concurrency import run_in_threadpool

from sync.protocol import Decision, FoundOut
from sync.server.auth import Caller, context, require_role
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import discovery

router = v1_router(tags=["discovery"])
reviewer = require_role("coordinator", "supervisor", "admin")
PathId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/v1/discoveries", response_model=list[FoundOut])
async def list_found(
    caller: Caller = Depends(reviewer), ctx: ServerContext = Depends(context)
) -> list[FoundOut]:
    """The reported households awaiting a decision in the caller's scope, oldest first."""
    found = await run_in_threadpool(discovery.queue, ctx, caller.areas)
    return [FoundOut(**asdict(f)) for f in found]


@router.post("/v1/discoveries/{household_id}")
async def decide(
    household_id: PathId,
    body: Decision,
    caller: Caller = Depends(reviewer),
    ctx: ServerContext = Depends(context),
) -> dict[str, Any]:
    """Confirm (matched against the register by ID number), start an application, or
    dismiss with a reason; returns the household as stored."""
    return await run_in_threadpool(
        lambda: discovery.decide(
            ctx,
            caller.worker_id,
            household_id,
            body.review,
            reason=body.reason,
            areas=caller.areas,
        )
    )
