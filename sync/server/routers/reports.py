"""Reports over HTTP for supervisors, coordinators and admins, limited to their areas."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from sync.server.auth import Caller, context, require_role
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import reports
from sync.server.services.reports import ReportFormat

router = v1_router(prefix="/v1/reports", tags=["reports"])
readers = require_role("supervisor", "coordinator", "admin")

FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {
            "application/json": {},
            "text/csv": {},
            reports.MEDIA_TYPES[ReportFormat.XLSX]: {},
        },
        "description": "The report in the asked format.",
    },
    403: {"description": "Not a reporting role, or an area outside the caller's scope."},
}
Format = Annotated[ReportFormat, Query(alias="format", description="json, csv or xlsx")]
AreaParam = Annotated[
    str | None,
    Query(max_length=12, description="one county, township or village inside the caller's areas"),
]
AsOf = Annotated[
    date | None, Query(description="count to this day (default: today in a period in progress)")
]


def _file(export: reports.Export) -> Response:
    headers = {}
    if not export.media_type.startswith("application/json"):
        headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return Response(export.body, media_type=export.media_type, headers=headers)


@router.get("/coverage", response_class=Response, responses=FILE_RESPONSES)
async def coverage(
    period: Annotated[str, Query(max_length=16, description="2026-11, 2026-Q4, 2026-H2 or 2026")],
    by: Annotated[
        str | None,
        Query(max_length=16, description="county, township, village, worker, team or category"),
    ] = None,
    fmt: Format = ReportFormat.JSON,
    area: AreaParam = None,
    as_of: AsOf = None,
    caller: Caller = Depends(readers),
    ctx: ServerContext = Depends(context),
) -> Response:
    """在册对象探访关爱率: `{"period", "overall", "rows", "overdue"}` in JSON, or CSV / XLSX."""
    scope = reports.report_scope(area, caller.areas)
    asked, breakdown = reports.report_period(period), reports.report_breakdown(by)
    export = await run_in_threadpool(
        lambda: reports.coverage_export(
            ctx,
            asked,
            breakdown,
            fmt,
            areas=scope,
            as_of=as_of,
            actor=caller.worker_id,
            device_id=caller.device_id,
        )
    )
    return _file(export)


@router.get("/indicators", response_class=Response, responses=FILE_RESPONSES)
async def indicators(
    year: Annotated[str, Query(max_length=8, description="a year of the target list, e.g. 2026")],
    fmt: Format = ReportFormat.JSON,
    area: AreaParam = None,
    as_of: AsOf = None,
    caller: Caller = Depends(readers),
    ctx: ServerContext = Depends(context),
) -> Response:
    """The target list for a year: each indicator's targets, value and whether it is met."""
    scope = reports.report_scope(area, caller.areas)
    number = reports.report_year(year)
    export = await run_in_threadpool(
        lambda: reports.indicators_export(
            ctx,
            number,
            fmt,
            areas=scope,
            as_of=as_of,
            actor=caller.worker_id,
            device_id=caller.device_id,
        )
    )
    return _file(export)
