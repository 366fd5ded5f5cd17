"""The 20 indicators (supervisor, admin, coordinator read) and the bureau's entry form
(supervisor, admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import indicators
from sync.server.console.access import OVERSIGHT, server_context
from sync.server.console.web import PREFIX, render, see_other
from sync.server.services import indicator_notes
from sync.server.services.reports import InvalidReportRequest
from sync.server.services.reports.indicators import EVIDENCE_MAX

router = APIRouter()


async def _page(
    request: Request,
    year: int,
    *,
    status: int = 200,
    error: str = "",
    saved: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    account = request.state.session.account
    page = await run_in_threadpool(
        indicators.indicators_page,
        server_context(request),
        year,
        areas=list(account.areas),
        actor=account.actor,
    )
    saved_name = next((s.name for s in page.enterable if s.code == saved), "")
    return render(
        request,
        "indicators.html",
        status,
        title="目标清单指标",
        page=page,
        may_enter=account.role in OVERSIGHT,
        error=error,
        saved=saved_name,
        typed=typed or {},
        evidence_max=EVIDENCE_MAX,
        notes=await run_in_threadpool(indicator_notes.year_notes, server_context(request), year),
        note_max=indicator_notes.NOTE_MAX,
    )


@router.get("/indicators", name="indicators")
async def indicators_view(
    request: Request,
    year: Annotated[str, Query(max_length=8)] = "",
    saved: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    chosen, _ = indicators.page_year(year)
    return await _page(request, chosen, saved=saved)


@router.post("/indicators", name="indicator_enter")
async def indicator_enter(
    request: Request,
    year: Annotated[str, Form(max_length=8)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    value: Annotated[str, Form(max_length=32)] = "",
    evidence: Annotated[str, Form(max_length=EVIDENCE_MAX * 4)] = "",
) -> Response:
    chosen, _ = indicators.page_year(year)
    account = request.state.session.account
    try:
        await run_in_threadpool(
            indicators.enter_value,
            server_context(request),
            chosen,
            code,
            value,
            evidence,
            actor=account.actor,
        )
    except InvalidReportRequest as exc:
        typed = {"code": code, "value": value, "evidence": evidence}
        return await _page(request, chosen, status=422, error=exc.message, typed=typed)
    return see_other(f"{PREFIX}/indicators?year={chosen}&saved={code}")
