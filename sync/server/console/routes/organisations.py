"""Organisations (admin): the list, a new one, edits, deactivation and reactivation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.codes import NeedArea
from app.ui.catalogue import label
from sync.server.console.access import PageNotFound, server_context
from sync.server.console.labels import KIND_LABELS
from sync.server.console.web import PREFIX, render, see_other
from sync.server.errors import ApiError, NotFound
from sync.server.services import organisations
from sync.server.services.organisations import OrganisationInput

router = APIRouter(prefix="/organisations")
NEED_LABELS = {need: label(need) for need in NeedArea}


def _who(request: Request) -> str:
    return request.state.session.account.actor


def _form_page(
    request: Request,
    *,
    entered: OrganisationInput,
    action: str,
    error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "organisation_form.html",
        status,
        title="编辑机构" if action.endswith("/update") else "登记机构",
        entered=entered,
        action=action,
        error=error,
        kinds=KIND_LABELS,
        needs=NEED_LABELS,
    )


def _entered(
    name: str, kind: str, credit_code: str, areas: str, need_areas: list[str], contact: str
) -> OrganisationInput:
    return OrganisationInput(
        name,
        kind,
        credit_code,
        areas.replace("，", " ").replace(",", " ").split(),
        need_areas,
        contact,
    )


Name = Annotated[str, Form(max_length=200)]
Kind = Annotated[str, Form(max_length=40)]
Code = Annotated[str, Form(max_length=40)]
Areas = Annotated[str, Form(max_length=2000)]
Needs = Annotated[list[str], Form()]
Contact = Annotated[str, Form(max_length=400)]


@router.get("", name="organisations")
async def organisations_page(request: Request, all: bool = False) -> Response:
    found = await run_in_threadpool(
        organisations.list_organisations, server_context(request), include_inactive=all
    )
    return render(
        request,
        "organisations.html",
        title="帮扶机构",
        organisations=found,
        kinds=KIND_LABELS,
        needs=NEED_LABELS,
        show_all=all,
    )


@router.get("/new", name="organisation_new")
async def organisation_new(request: Request) -> Response:
    blank = OrganisationInput("", "charity", "", [], [], "")
    return _form_page(request, entered=blank, action=f"{PREFIX}/organisations")


@router.post("", name="organisation_create")
async def organisation_create(
    request: Request,
    name: Name = "",
    kind: Kind = "",
    credit_code: Code = "",
    areas: Areas = "",
    need_areas: Needs = [],  # noqa: B006 - FastAPI copies a form default
    contact: Contact = "",
) -> Response:
    entered = _entered(name, kind, credit_code, areas, need_areas, contact)
    try:
        await run_in_threadpool(
            organisations.add_organisation, server_context(request), entered, actor=_who(request)
        )
    except ApiError as exc:
        return _form_page(
            request,
            entered=entered,
            action=f"{PREFIX}/organisations",
            error=exc.message,
            status=422,
        )
    return see_other(f"{PREFIX}/organisations")


async def _found(request: Request, organisation_id: str) -> organisations.OrganisationView:
    try:
        return await run_in_threadpool(
            organisations.find_organisation, server_context(request), organisation_id
        )
    except NotFound:
        raise PageNotFound() from None


@router.get("/{organisation_id}", name="organisation_edit")
async def organisation_edit(request: Request, organisation_id: str) -> Response:
    org = await _found(request, organisation_id)
    entered = OrganisationInput(
        org.name,
        org.kind.value,
        org.credit_code,
        org.areas,
        [n.value for n in org.need_areas],
        org.contact,
    )
    return _form_page(request, entered=entered, action=f"{PREFIX}/organisations/{org.id}/update")


@router.post("/{organisation_id}/update", name="organisation_update")
async def organisation_update(
    request: Request,
    organisation_id: str,
    name: Name = "",
    kind: Kind = "",
    credit_code: Code = "",
    areas: Areas = "",
    need_areas: Needs = [],  # noqa: B006 - FastAPI copies a form default
    contact: Contact = "",
) -> Response:
    org = await _found(request, organisation_id)
    entered = _entered(name, kind, credit_code, areas, need_areas, contact)
    try:
        await run_in_threadpool(
            organisations.update_organisation,
            server_context(request),
            org.id,
            entered,
            actor=_who(request),
        )
    except ApiError as exc:
        action = f"{PREFIX}/organisations/{org.id}/update"
        return _form_page(request, entered=entered, action=action, error=exc.message, status=422)
    return see_other(f"{PREFIX}/organisations")


@router.post("/{organisation_id}/active", name="organisation_active")
async def organisation_active(
    request: Request, organisation_id: str, active: Annotated[bool, Form()] = False
) -> Response:
    org = await _found(request, organisation_id)
    await run_in_threadpool(
        organisations.set_active, server_context(request), org.id, active, actor=_who(request)
    )
    return see_other(f"{PREFIX}/organisations?all=true")
