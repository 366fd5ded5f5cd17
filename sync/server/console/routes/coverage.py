"""Coverage drill-down (supervisor; coordinator in their areas) and a household's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.areas import parse_scope_code
from sync.server.console import coverage
from sync.server.console.access import server_context
from sync.server.console.web import PREFIX, render, see_other
from sync.server.services import disclosures
from sync.server.services.reports import InvalidReportRequest, report_period

router = APIRouter()
PeriodText = Annotated[str, Query(max_length=16)]


def _actor(request: Request) -> str:
    return request.state.session.account.actor


@router.get("/coverage", name="coverage")
async def coverage_home(request: Request, period: PeriodText = "") -> Response:
    """One area held: straight to it; several: the list to choose from."""
    areas = request.state.session.account.areas
    query = f"?period={period}" if period else ""
    if len(areas) == 1:
        return see_other(f"{PREFIX}/coverage/{areas[0]}{query}")
    names = await run_in_threadpool(coverage.place_names, server_context(request), list(areas))
    return render(
        request, "coverage_areas.html", title="探访关爱率", areas=areas, names=names, query=query
    )


@router.get("/coverage/{area}", name="coverage_area")
async def coverage_area(request: Request, area: str, period: PeriodText = "") -> Response:
    code = parse_scope_code(area)  # checked by the gate already
    if code != area:
        return see_other(f"{PREFIX}/coverage/{code}" + (f"?period={period}" if period else ""))
    asked = period.strip() or coverage.current_quarter()
    try:
        parsed = report_period(asked)
    except InvalidReportRequest as exc:
        return render(
            request,
            "coverage.html",
            422,
            title="探访关爱率",
            level=None,
            period=asked,
            error=exc.message,
        )
    level = await run_in_threadpool(
        coverage.coverage_level, server_context(request), code, parsed, actor=_actor(request)
    )
    return render(
        request, "coverage.html", title=f"{level.name} 探访关爱率", level=level, period=asked
    )


@router.get("/households/{household_id}", name="household")
async def household(request: Request, household_id: str) -> Response:
    ctx = server_context(request)
    found = await run_in_threadpool(
        coverage.household_file, ctx, household_id, actor=_actor(request)
    )
    shares = await run_in_threadpool(disclosures.for_household, ctx, household_id)
    return render(request, "household.html", title="家庭档案", household=found, lines=shares)
