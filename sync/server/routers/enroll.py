"""Enrolment: the one unauthenticated write, guarded by a one-time code."""

from __future__ import annotations

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from sync.protocol import EnrollRequest, EnrollResponse
from sync.server.auth import context
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import enrolment

router = v1_router(tags=["enrolment"])


@router.post("/v1/enroll", response_model=EnrollResponse)
async def enroll(body: EnrollRequest, ctx: ServerContext = Depends(context)) -> EnrollResponse:
    """Redeem a one-time enrolment code for a device key."""
    return await run_in_threadpool(enrolment.enroll, ctx, body)
