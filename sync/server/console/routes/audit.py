"""The audit log with filters (supervisor, admin)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import auditlog
from sync.server.console.access import server_context
from sync.server.console.labels import AUDIT_ACTIONS, audit_detail
from sync.server.console.web import render

router = APIRouter()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@router.get("/audit", name="audit")
async def audit_page(
    request: Request,
    action: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=80)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    asked = auditlog.AuditFilter(action.strip(), actor.strip(), _day(since), _day(until), page)
    found = await run_in_threadpool(auditlog.search, server_context(request), asked)
    return render(
        request,
        "audit.html",
        title="审计日志",
        asked=asked,
        found=found,
        actions=AUDIT_ACTIONS,
        detail=audit_detail,
    )
