"""Coordinators: conflicts and the server-only wish transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea, WishState
from sync.protocol import ConflictOut, DonorList, WishAction
from sync.server.auth import Caller, context, require_role
from sync.server.board import publishing
from sync.server.context import ServerContext
from sync.server.errors import BadRequest
from sync.server.routers import v1_router
from sync.server.services import review

router = v1_router(tags=["review"])
reviewer = require_role("coordinator", "supervisor", "admin")
PathId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/v1/conflicts", response_model=list[ConflictOut])
async def list_conflicts(
    caller: Caller = Depends(reviewer), ctx: ServerContext = Depends(context)
) -> list[ConflictOut]:
    """Open conflicts in the caller's scope."""
    return await run_in_threadpool(review.conflicts, ctx, caller)


@router.post("/v1/conflicts/{conflict_id}/revert")
async def revert_conflict(
    conflict_id: PathId,
    caller: Caller = Depends(reviewer),
    ctx: ServerContext = Depends(context),
) -> dict[str, int]:
    """Put the overwritten value back (a new change every device receives)."""
    seq = await run_in_threadpool(review.revert, ctx, caller, conflict_id)
    return {"seq": seq}


class PublishWish(BaseModel):
    """What the public board shows beside the wish's title and value: its need area and
    a short story (the wish's description when absent), screened for the household."""

    model_config = ConfigDict(extra="forbid")
    need_area: NeedArea = NeedArea.WISH
    story: Annotated[str, StringConstraints(max_length=2000)] | None = None


@router.get("/v1/wishes/donors", response_model=DonorList)
async def wish_donors(
    caller: Caller = Depends(reviewer), ctx: ServerContext = Depends(context)
) -> DonorList:
    """The donors of the claimed wishes in the caller's scope (coordinators' devices)."""
    return await run_in_threadpool(review.donors, ctx, caller)


@router.post("/v1/wishes/{wish_id}/publish")
async def publish_wish(
    wish_id: PathId,
    body: PublishWish | None = None,
    caller: Caller = Depends(reviewer),
    ctx: ServerContext = Depends(context),
) -> dict[str, Any]:
    """发布: an approved wish goes out to donors on the public board."""
    chosen = body or PublishWish()
    return await run_in_threadpool(
        lambda: publishing.publish(
            ctx,
            caller.worker_id,
            wish_id,
            need_area=chosen.need_area,
            story=chosen.story,
            areas=caller.areas,
        )
    )


@router.post("/v1/wishes/{wish_id}/claim")
async def claim_wish(
    body: WishAction,
    wish_id: PathId,
    caller: Caller = Depends(reviewer),
    ctx: ServerContext = Depends(context),
) -> dict[str, Any]:
    """认领: a named donor or organisation claims a published wish."""
    if not body.claimed_by.strip():
        raise BadRequest("请填写认领人或组织。")
    return await run_in_threadpool(
        lambda: review.wish_action(
            ctx,
            caller.worker_id,
            wish_id,
            WishState.CLAIMED,
            areas=caller.areas,
            claimed_by=body.claimed_by.strip(),
        )
    )


@router.post("/v1/wishes/{wish_id}/contact")
async def contact_wish(
    wish_id: PathId, caller: Caller = Depends(reviewer), ctx: ServerContext = Depends(context)
) -> dict[str, Any]:
    """联系: the donor of a claimed wish reached the household; the claim is not released."""
    return await run_in_threadpool(
        lambda: review.wish_contact(ctx, caller.worker_id, wish_id, areas=caller.areas)
    )
