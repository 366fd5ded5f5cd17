"""Charity staff refer a person back to civil affairs (反向转介) and follow the outcome:
their organisation's reports only, each showing what was sent and whether it was accepted
for assessment or found not eligible — nothing more (`sync.server.services.charity_reports`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea
from app.ui.catalogue import label
from sync.server.console.access import PageNotFound, server_context
from sync.server.console.web import render, see_other
from sync.server.services import charity_reports as service

router = APIRouter()
NEEDS = [(a.value, label(a)) for a in NeedArea]


def _organisation(request: Request) -> str:
    organisation = request.state.session.account.organisation_id
    if not organisation:
        raise PageNotFound()
    return str(organisation)


@router.get("/charity-reports", name="charity_reports")
async def sent(request: Request, sent: str = "") -> Response:
    reports = await run_in_threadpool(
        service.sent_reports, server_context(request), _organisation(request)
    )
    notice = "已转介，民政部门核实后会在此显示结果。" if sent else ""
    return render(
        request, "charity_reports.html", title="转介给民政", reports=reports, notice=notice
    )


async def _form(
    request: Request,
    form: service.ReportForm,
    problems: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    villages = await run_in_threadpool(
        service.villages_served, server_context(request), _organisation(request)
    )
    return render(
        request,
        "charity_report_form.html",
        status,
        title="转介困难群众",
        form=form,
        problems=problems or {},
        villages=villages,
        needs=NEEDS,
        limit=service.SITUATION_MAX,
    )


@router.get("/charity-reports/new", name="charity_report_new")
async def new(request: Request) -> Response:
    return await _form(request, service.ReportForm())


@router.post("/charity-reports", name="charity_report_create")
async def create(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    id_number: Annotated[str, Form(max_length=40)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    village: Annotated[str, Form(max_length=20)] = "",
    situation: Annotated[str, Form(max_length=4000)] = "",
    need_areas: Annotated[list[str] | None, Form(max_length=len(NeedArea))] = None,
) -> Response:
    account = request.state.session.account
    form = service.ReportForm(name, id_number, phone, village, situation, need_areas or [])
    try:
        report_id = await run_in_threadpool(
            service.submit, server_context(request), _organisation(request), account.id, form
        )
    except service.ReportRefused as refused:
        return await _form(request, form, refused.problems, status=422)
    return see_other(f"/console/charity-reports/{report_id}?sent=1")


@router.get("/charity-reports/{report_id}", name="charity_report")
async def one(request: Request, report_id: str, sent: str = "") -> Response:
    report = await run_in_threadpool(
        service.sent_report, server_context(request), _organisation(request), report_id
    )
    if report is None:
        raise PageNotFound()
    notice = "已转介，民政部门核实后会在此显示结果。" if sent else ""
    return render(request, "charity_report.html", title="转介详情", report=report, notice=notice)
