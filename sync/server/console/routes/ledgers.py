"""台账 (ledgers) of needs, referrals, wishes and visits as XLSX (supervisor, admin: their
county; coordinator: their township or village)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.areas import parse_scope_code
from sync.server.console import ledgers
from sync.server.console.access import server_context
from sync.server.console.coverage import area_name
from sync.server.console.ledgers import LEDGERS, LedgerKind
from sync.server.console.web import render
from sync.server.services.reports import InvalidReportRequest, report_period
from sync.server.services.reports.read_model import area_names

router = APIRouter()
PeriodText = Annotated[str, Query(max_length=16)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def default_period() -> str:
    return str(date.today().year)


@router.get("/ledgers", name="ledgers")
async def ledgers_page(request: Request, period: PeriodText = "") -> Response:
    """The ledgers of each area the account holds, for a period (this year by default)."""
    asked = period.strip() or default_period()
    error = ""
    try:
        report_period(asked)
    except InvalidReportRequest as exc:
        error = exc.message
    ctx = server_context(request)

    def names() -> dict[str, str]:
        with ctx.db.reading() as s:
            return area_names(s)

    known = await run_in_threadpool(names)
    areas = [(code, area_name(code, known)) for code in request.state.session.account.areas]
    kinds = [(kind.value, spec.title) for kind, spec in LEDGERS.items()]
    return render(
        request,
        "ledgers.html",
        422 if error else 200,
        title="台账导出",
        areas=areas,
        kinds=kinds,
        period=asked,
        error=error,
    )


def _export_route(kind: LedgerKind) -> None:
    async def export(request: Request, area: str, period: PeriodText = "") -> Response:
        code = parse_scope_code(area)  # checked by the gate already
        asked = period.strip() or default_period()
        try:
            parsed = report_period(asked)
        except InvalidReportRequest as exc:
            return render(request, "error.html", 422, title="统计期有误", message=exc.message)
        made = await run_in_threadpool(
            ledgers.export_ledger,
            server_context(request),
            kind,
            code,
            parsed,
            actor=request.state.session.account.actor,
        )
        return Response(
            made.content,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
        )

    router.add_api_route(
        f"/ledgers/{{area}}/{kind.value}.xlsx",
        export,
        methods=["GET"],
        name=f"ledger_{kind.value}",
    )


for _kind in LedgerKind:
    _export_route(_kind)
