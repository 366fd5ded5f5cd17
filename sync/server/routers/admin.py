"""Admin over HTTP (admins): workers, their areas, enrolment codes, devices — each limited
to the admin's own areas (see services.admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol import AreasUpdate, DeviceOut, EnrollCodeOut, WorkerCreate, WorkerInfo
from sync.server.auth import Caller, context, require_role
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import admin

router = v1_router(prefix="/v1/admin", tags=["admin"])
admin_only = require_role("admin")
PathId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/workers", response_model=WorkerInfo)
async def create_worker(
    body: WorkerCreate, caller: Caller = Depends(admin_only), ctx: ServerContext = Depends(context)
) -> WorkerInfo:
    worker = await run_in_threadpool(
        lambda: admin.create_worker(
            ctx,
            body.name,
            body.role,
            body.team,
            body.areas,
            actor=caller.worker_id,
            scope=caller.areas,
        )
    )
    areas = admin.parse_areas(body.areas)
    return WorkerInfo(
        id=worker.id, name=worker.name, role=worker.role, team=worker.team, areas=areas
    )


@router.put("/workers/{worker_id}/areas", response_model=list[str])
async def set_areas(
    body: AreasUpdate,
    worker_id: PathId,
    caller: Caller = Depends(admin_only),
    ctx: ServerContext = Depends(context),
) -> list[str]:
    return await run_in_threadpool(
        lambda: admin.set_areas(
            ctx, worker_id, body.areas, actor=caller.worker_id, scope=caller.areas
        )
    )


@router.post("/workers/{worker_id}/enroll-code", response_model=EnrollCodeOut)
async def enroll_code(
    worker_id: PathId, caller: Caller = Depends(admin_only), ctx: ServerContext = Depends(context)
) -> EnrollCodeOut:
    issued = await run_in_threadpool(
        lambda: admin.issue_code(ctx, worker_id, actor=caller.worker_id, scope=caller.areas)
    )
    return EnrollCodeOut(
        code=issued.code, expires_at=issued.expires_at.isoformat(), qr_text=issued.qr_text
    )


@router.post(
    "/workers/{worker_id}/enroll-code.png",
    responses={200: {"content": {"image/png": {}}}},
    response_class=Response,
)
async def enroll_code_png(
    worker_id: PathId, caller: Caller = Depends(admin_only), ctx: ServerContext = Depends(context)
) -> Response:
    issued = await run_in_threadpool(
        lambda: admin.issue_code(ctx, worker_id, actor=caller.worker_id, scope=caller.areas)
    )
    return Response(admin.qr_png(issued.qr_text), media_type="image/png")


@router.get("/devices", response_model=list[DeviceOut])
async def list_devices(
    caller: Caller = Depends(admin_only), ctx: ServerContext = Depends(context)
) -> list[DeviceOut]:
    rows = await run_in_threadpool(lambda: admin.devices(ctx, scope=caller.areas))
    return [
        DeviceOut(
            id=d.id, worker_id=d.worker_id, status=d.status, enrolled_at=d.enrolled_at.isoformat()
        )
        for d in rows
    ]


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
async def revoke(
    device_id: PathId, caller: Caller = Depends(admin_only), ctx: ServerContext = Depends(context)
) -> DeviceOut:
    d = await run_in_threadpool(
        lambda: admin.revoke_device(ctx, device_id, actor=caller.worker_id, scope=caller.areas)
    )
    return DeviceOut(
        id=d.id, worker_id=d.worker_id, status=d.status, enrolled_at=d.enrolled_at.isoformat()
    )
