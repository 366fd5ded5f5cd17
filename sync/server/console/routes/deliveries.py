"""Deliveries of a service project (项目服务记录), in the console: charity staff see the needs
coordinators matched to their organisation's project (nothing personal), open one (the
person's data its consent covers today, logged) and record a delivery to its household."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea, NeedStatus
from app.domain.records import MONEY_MAX_YUAN, NOTE_MAX_CHARS, SHORT_TEXT_MAX_CHARS
from app.ui.catalogue import label
from sync.server.console.access import PageNotFound, server_context
from sync.server.console.web import PREFIX, render, see_other
from sync.server.errors import NotFound
from sync.server.services import deliveries
from sync.server.services.deliveries import DeliveryInput, DeliveryRefused, china_today
from sync.server.services.referrals import Reader

router = APIRouter(prefix="/projects")
NEED_LABELS = {a: label(a) for a in NeedArea}
STATUS_LABELS = {s: label(s) for s in NeedStatus}


def _reader(request: Request) -> Reader:
    account = request.state.session.account
    return Reader(account.id, account.actor, account.organisation_id or "")


@router.get("/{project_id}/matches", name="project_matches")
async def matches_page(
    request: Request, project_id: str, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    try:
        found = await run_in_threadpool(
            lambda: deliveries.matches(
                server_context(request),
                _reader(request).organisation_id,
                project_id,
                china_today(),
                page=page,
            )
        )
    except NotFound:
        raise PageNotFound() from None
    return render(
        request,
        "project_matches.html",
        title="匹配的需求",
        found=found,
        needs=NEED_LABELS,
        statuses=STATUS_LABELS,
    )


async def _show(
    request: Request,
    project_id: str,
    need_id: str,
    *,
    entered: DeliveryInput | None = None,
    error: str = "",
    saved: bool = False,
    status: int = 200,
) -> Response:
    today = china_today()
    try:
        page = await run_in_threadpool(
            deliveries.open_match,
            server_context(request),
            _reader(request),
            project_id,
            need_id,
            today,
        )
    except NotFound:
        raise PageNotFound() from None
    latest = min(today, page.project.ends_on) if page.project.ends_on else today
    return render(
        request,
        "project_match.html",
        status,
        title="项目服务登记",
        page=page,
        need=page.need,
        project=page.project,
        needs=NEED_LABELS,
        statuses=STATUS_LABELS,
        entered=entered or DeliveryInput(latest.isoformat(), ""),
        error=error,
        saved=saved,
        earliest=page.project.starts_on.isoformat(),
        latest=latest.isoformat(),
        service_max=SHORT_TEXT_MAX_CHARS,
        note_max=NOTE_MAX_CHARS,
        money_max=MONEY_MAX_YUAN,
    )


@router.get("/{project_id}/matches/{need_id}", name="project_match")
async def match_page(
    request: Request, project_id: str, need_id: str, saved: bool = False
) -> Response:
    return await _show(request, project_id, need_id, saved=saved)


@router.post("/{project_id}/matches/{need_id}/deliveries", name="delivery_record")
async def delivery_record(
    request: Request,
    project_id: str,
    need_id: str,
    delivered_on: Annotated[str, Form(max_length=20)] = "",
    service: Annotated[str, Form(max_length=SHORT_TEXT_MAX_CHARS * 4)] = "",
    value_yuan: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX_CHARS * 4)] = "",
) -> Response:
    entered = DeliveryInput(delivered_on, service, value_yuan, note)
    ctx, reader = server_context(request), _reader(request)
    try:
        await run_in_threadpool(
            deliveries.record_delivery, ctx, reader, project_id, need_id, entered, china_today()
        )
    except NotFound:
        raise PageNotFound() from None
    except DeliveryRefused as exc:
        return await _show(
            request, project_id, need_id, entered=entered, error=exc.message, status=422
        )
    return see_other(f"{PREFIX}/projects/{project_id}/matches/{need_id}?saved=true")
