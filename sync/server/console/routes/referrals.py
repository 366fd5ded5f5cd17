"""Referrals to a charity (双向转介), in the console: the organisation's inbox, a referral's
page (the person's data its consent covers today, logged), its answers (accept, decline
with a reason, record what was done and complete), the inbox as CSV or XLSX (each person
logged); and for coordinators and supervisors the referrals nobody answered in time."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from openpyxl import Workbook
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea, ReferralStatus
from app.domain.records import MAX_PHOTO_BYTES
from app.reports.cells import csv_text, set_cell
from app.ui.catalogue import label
from sync.server.console.access import PageNotFound, server_context
from sync.server.console.web import PREFIX, render, see_other
from sync.server.errors import Conflict, NotFound
from sync.server.services import referrals
from sync.server.services.referrals import Reader

router = APIRouter()
STATUS_LABELS = {s: label(s) for s in ReferralStatus}
NEED_LABELS = {a: label(a) for a in NeedArea}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader(request: Request) -> Reader:
    account = request.state.session.account
    return Reader(account.id, account.actor, account.organisation_id or "")


@router.get("/referrals", name="referral_inbox")
async def inbox(request: Request, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    found = await run_in_threadpool(
        lambda: referrals.inbox(
            server_context(request), _reader(request).organisation_id, date.today(), page=page
        )
    )
    return render(
        request, "referral_inbox.html", title="转介收件箱", found=found, statuses=STATUS_LABELS
    )


async def _page(request: Request, referral_id: str) -> referrals.ReferralPage:
    try:
        return await run_in_threadpool(
            referrals.open_referral,
            server_context(request),
            _reader(request),
            referral_id,
            date.today(),
        )
    except NotFound:
        raise PageNotFound() from None


def _show(
    request: Request,
    page: referrals.ReferralPage,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    """The referral's page; after a refused answer, its form keeps what was `typed`."""
    found = referrals.outcome_photo(server_context(request), page.referral)
    picture = f"data:{found[0]};base64,{base64.b64encode(found[1]).decode()}" if found else ""
    return render(
        request,
        "referral.html",
        status,
        title="转介详情",
        page=page,
        r=page.referral,
        statuses=STATUS_LABELS,
        error=error,
        today=date.today().isoformat(),
        photo=picture,
        typed=typed or {},
    )


@router.get("/referrals/{referral_id}", name="referral")
async def referral(request: Request, referral_id: str) -> Response:
    return _show(request, await _page(request, referral_id))


async def _answered(
    request: Request, referral_id: str, answer: object, typed: dict[str, str] | None = None
) -> Response:
    try:
        await run_in_threadpool(answer)  # type: ignore[arg-type]
    except NotFound:
        raise PageNotFound() from None
    except Conflict as exc:
        page = await _page(request, referral_id)
        return _show(request, page, error=exc.message, status=422, typed=typed)
    return see_other(f"{PREFIX}/referrals/{referral_id}")


@router.post("/referrals/{referral_id}/accept", name="referral_accept")
async def accept(request: Request, referral_id: str) -> Response:
    ctx, reader = server_context(request), _reader(request)
    return await _answered(
        request,
        referral_id,
        lambda: referrals.accept_referral(ctx, reader, referral_id, date.today()),
    )


@router.post("/referrals/{referral_id}/decline", name="referral_decline")
async def decline(
    request: Request, referral_id: str, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    ctx, reader = server_context(request), _reader(request)
    return await _answered(
        request,
        referral_id,
        lambda: referrals.decline_referral(ctx, reader, referral_id, reason, date.today()),
        {"reason": reason},
    )


@router.post("/referrals/{referral_id}/complete", name="referral_complete")
async def complete(
    request: Request,
    referral_id: str,
    service: Annotated[str, Form(max_length=2000)] = "",
    service_on: Annotated[str, Form(max_length=10)] = "",
    value_yuan: Annotated[str, Form(max_length=12)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    typed = {"service": service, "service_on": service_on, "value_yuan": value_yuan}
    try:
        day = date.fromisoformat(service_on) if service_on else date.today()
        value = int(value_yuan) if value_yuan.strip() else None
        if value is not None and value < 0:
            raise ValueError(value_yuan)
    except ValueError:
        page = await _page(request, referral_id)
        return _show(request, page, error="服务日期或金额格式不正确。", status=422, typed=typed)
    picture = None
    if photo is not None and photo.filename:
        content = await photo.read(MAX_PHOTO_BYTES + 1)
        picture = referrals.OutcomePhoto(photo.content_type or "", content)
    ctx, reader = server_context(request), _reader(request)
    return await _answered(
        request,
        referral_id,
        lambda: referrals.complete_referral(
            ctx,
            reader,
            referral_id,
            service=service,
            service_on=day,
            value_yuan=value,
            today=date.today(),
            photo=picture,
        ),
        typed,
    )


@router.get("/referrals.csv", name="referral_export_csv")
async def export_csv(request: Request) -> Response:
    rows = await run_in_threadpool(
        referrals.export_rows, server_context(request), _reader(request), date.today()
    )
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="referrals.csv"'},
    )


@router.get("/referrals.xlsx", name="referral_export_xlsx")
async def export_xlsx(request: Request) -> Response:
    rows = await run_in_threadpool(
        referrals.export_rows, server_context(request), _reader(request), date.today()
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "转介"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=r, column=c), value)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"content-disposition": 'attachment; filename="referrals.xlsx"'},
    )


@router.get("/referrals-unanswered", name="referrals_unanswered")
async def unanswered(request: Request) -> Response:
    areas = request.state.session.account.areas
    found = await run_in_threadpool(
        referrals.unanswered_in, server_context(request), areas, date.today()
    )
    return render(
        request,
        "referrals_unanswered.html",
        title="逾期未答复的转介",
        found=found,
        needs=NEED_LABELS,
    )
