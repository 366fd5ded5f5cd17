"""The bureau's annotations (批注) of computed indicators (supervisor, admin): one form on
the indicators page; the note is shown beside the figure and in the exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import indicators
from sync.server.console.access import server_context
from sync.server.console.routes.indicators import _page as indicators_page
from sync.server.console.web import PREFIX, see_other
from sync.server.services import indicator_notes
from sync.server.services.indicator_notes import NOTE_MAX, NoteRefused

router = APIRouter()


@router.post("/indicators/notes", name="indicator_annotate")
async def indicator_annotate(
    request: Request,
    year: Annotated[str, Form(max_length=8)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX * 4)] = "",
) -> Response:
    chosen, _ = indicators.page_year(year)
    account = request.state.session.account
    try:
        await run_in_threadpool(
            lambda: indicator_notes.annotate(
                server_context(request),
                chosen,
                code,
                note,
                actor=account.actor,
                writer=account.name,
            )
        )
    except NoteRefused as exc:
        typed = {"note_code": code, "note": note}
        return await indicators_page(request, chosen, status=422, error=exc.message, typed=typed)
    return see_other(f"{PREFIX}/indicators?year={chosen}#notes")
